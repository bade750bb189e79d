"""``wishes pay``: a bank batch for the funded 资金 wishes, a 采购清单 for the wishes
fulfilled in kind, and the wishes that cannot be paid yet (payout.md, "微心愿 payouts").

The rule, step by step (:func:`plan_payout`, pure), over the fully funded wishes in
(登记日期, 编号) order, each in its payment state (``wishes.progress``):

1. A wish fulfilled in kind (a 物资 wish, or one that received donated goods) that is
   ``unpaid`` goes on the 采购清单. Never with ``--retry``: a retry only pays again.
2. Any other wish that is ``unpaid`` goes into the bank batch when its account is usable
   (a 收款账号 that is an account, and a 户名); otherwise it is listed with what is
   missing and stays ``unpaid`` (never silently skipped).
3. With ``--retry``, instead: a wish whose last instruction failed goes into the batch
   when its account (户名, 账号 or 开户银行) was corrected since; one with the same
   account is listed, not paid again.

A wish with an instruction that is paid, pending or purchasing is in none of these: no
wish is paid twice. Nobody to pay is not an error (no batch, no file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.config import Signers
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_name
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.common import (
    BatchWriter,
    account_changed,
    pay_by_bank,
    removed_on_failure,
)
from zjk_charity.payments.model import BatchFiles, BatchLine, Payee, WrittenFile, yuan
from zjk_charity.wishes.payout.common import (
    PURPOSE,
    WishRef,
    account_gaps,
    campaign_name,
    gap_text,
    wish_payee,
)
from zjk_charity.wishes.payout.purchase import (
    PurchaseList,
    purchase_lines,
    write_purchase_list,
)
from zjk_charity.wishes.progress import Progress, WishPayout


@dataclass(frozen=True)
class MissingAccount:
    """A funded 资金 wish that cannot be paid: what its account lacks (keys of GAPS)."""

    wish_id: str
    county: str
    child: str  # masked
    gaps: tuple[str, ...]

    def reason(self, lang: str = "zh") -> str:
        return gap_text(self.gaps, lang)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "id": self.wish_id,
            "county": self.county,
            "name": self.child,
            "reason": self.reason(lang),
        }


@dataclass
class Plan:
    """Who ``wishes pay`` pays, buys for, and lists (see the module's rule)."""

    bank: list[Payee] = field(default_factory=list)
    purchase: list[WishPayout] = field(default_factory=list)
    missing: list[MissingAccount] = field(default_factory=list)
    unchanged: list[WishRef] = field(default_factory=list)  # --retry: failed, same account


def plan_payout(
    progress: Progress, fixes: dict[str, store.AccountChange], retry: bool = False
) -> Plan:
    """The rule of the module's docstring, on the ledger as ``progress`` reads it and
    the corrected accounts ``fixes`` (by wish)."""
    plan = Plan()
    for p in progress.payouts.values():
        if not p.funded:
            continue
        if p.in_kind:
            if not retry and p.payment == "unpaid":
                plan.purchase.append(p)
            continue
        payee = wish_payee(p, fixes.get(p.wish.wish_id))
        gaps = account_gaps(payee)
        if p.payment == "unpaid":
            if gaps:
                plan.missing.append(
                    MissingAccount(payee.key, payee.county, mask_name(payee.person), gaps)
                )
            elif not retry:
                plan.bank.append(payee)
        elif retry and p.payment == "failed" and p.instruction is not None:
            if gaps or not account_changed(payee, p.instruction):
                plan.unchanged.append(WishRef.of(payee, p.instruction.reason))
            else:
                plan.bank.append(payee)
    return plan


@dataclass
class WishPayResult:
    """``wishes pay``: the bank batch (if any), the 采购清单 (if any), and who waits."""

    year: int
    retry: bool
    profile: str
    batch: str | None = None
    count: int = 0
    amount: Decimal = Decimal(0)
    files: list[Path] = field(default_factory=list)
    summary: list[Path] = field(default_factory=list)
    written: BatchFiles | None = None  # the writer's account: files, totals, notes
    purchase: PurchaseList | None = None
    missing: list[MissingAccount] = field(default_factory=list)
    unchanged: list[WishRef] = field(default_factory=list)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "batch": self.batch,
            "retry": self.retry,
            "profile": self.profile,
            "count": self.count,
            "amount": yuan(self.amount),
            "files": [str(p) for p in self.files],
            "summary": [str(p) for p in self.summary],
            "purchase": self.purchase.as_json() if self.purchase is not None else None,
            "missing_account": [m.as_json(lang) for m in self.missing],
            "unchanged": [w.as_json() for w in self.unchanged],
        }


def pay_wishes(
    ledger: Ledger,
    year: int,
    *,
    profile: str,
    write: BatchWriter,
    folder: Path,
    memo: str,
    retry: bool = False,
    signers: Signers | None = None,
    arguments: dict[str, Any] | None = None,
    created: datetime | None = None,
) -> WishPayResult:
    """One ``wishes pay``: the bank batch ``WP<year>-NNN`` (through ``write``, each line
    recorded pending) and the 采购清单 ``WG<year>-NNN`` (its wishes recorded purchasing),
    in one transaction; the files are removed again if anything fails."""
    if not ledger.exists:
        raise UserError(
            "台账中还没有心愿；请先运行 zjk-charity wishes import、donations import 和 wishes match",
            "the ledger holds no wishes yet: run wishes import, donations import and "
            "wishes match first",
        )
    result = WishPayResult(year, retry, profile)
    written: list[Path] = []
    with (
        removed_on_failure(written),
        ledger.run("wishes pay", arguments or {"year": year, "retry": retry}) as run,
    ):
        progress = Progress.load(run.conn)
        plan = plan_payout(progress, store.latest_accounts(run.conn, PURPOSE, None), retry)
        result.missing, result.unchanged = plan.missing, plan.unchanged
        if plan.bank:
            _bank_batch(run.conn, run.id, year, plan.bank, write, folder, memo, result, written)
        if plan.purchase:
            code = store.next_code(run.conn, PURPOSE, year, "purchase")
            purchase = PurchaseList(code, purchase_lines(plan.purchase, progress.accounts))
            target = folder / f"采购清单-{code}.xlsx"
            if target.exists() or target.is_symlink():
                raise UserError(
                    f"{target} 已存在，未覆盖；请检查文件夹或改用 --out 另一个文件夹",
                    f"{target} exists and was not overwritten; choose another folder with --out",
                )
            written.append(
                write_purchase_list(
                    target, year=year, purchase=purchase, signers=signers, created=created
                )
            )
            purchase.file = target
            _record_purchase(run.conn, run.id, year, purchase, memo)
            result.purchase = purchase
        run.result = result.as_json()
    return result


def _bank_batch(
    conn: Connection,
    run_id: int,
    year: int,
    due: list[Payee],
    write: BatchWriter,
    folder: Path,
    memo: str,
    result: WishPayResult,
    written: list[Path],
) -> None:
    """Write and record the bank batch of ``due``, as ``aid pay`` does."""
    code, batch = pay_by_bank(
        conn,
        run_id,
        purpose=PURPOSE,
        year=year,
        payees=due,
        write=write,
        folder=folder,
        memo=memo,
        profile=result.profile,
        retry=result.retry,
        written=written,
    )
    result.batch, result.count = code, len(due)
    result.amount = sum((p.amount for p in due), Decimal(0))
    result.files = [f.path for f in batch.files]
    result.summary = list(batch.summary)
    result.written = batch


def _record_purchase(
    conn: Connection, run_id: int, year: int, purchase: PurchaseList, memo: str
) -> None:
    """One instruction per wish on the list, state purchasing: name = the item, no account."""
    lines = [
        BatchLine(
            p.line,
            Payee(
                key=p.wish_id,
                county=p.county,
                name=p.item,
                account="",
                bank="",
                amount=p.amount,
                person=p.child,
            ),
            memo,
        )
        for p in purchase.lines
    ]
    assert purchase.file is not None
    listed = WrittenFile(purchase.file, len(lines), purchase.amount, file_sha256(purchase.file))
    store.record_batch(
        conn,
        run_id,
        code=purchase.code,
        purpose=PURPOSE,
        year=year,
        method="purchase",
        lines=lines,
        files=[listed],
    )
