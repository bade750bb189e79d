"""``wishes accounts update``: corrected accounts of wishes, recorded for later batches.

A row names a wish (心愿编号) and its new 收款账号, optionally the 户名 (the account
holder; kept as it was — the guardian — when blank) and the 开户银行. Nothing of a file
is recorded while it has an error (a wrong wish number or account must not half-apply).
A correction changes only what later batches send (``wishes pay``, ``--retry``): a
payment already sent keeps the account it was sent to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zjk_charity.ledger import Ledger
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.corrections import (
    HOLDER,
    CorrectionRow,
    Corrections,
    Flag,
    Layout,
    read_corrections,
)
from zjk_charity.text import squash
from zjk_charity.wishes.payout.common import PURPOSE, campaign_name, wish_payee
from zjk_charity.wishes.progress import Progress, WishPayout
from zjk_charity.workbook.reader import Cell, ColumnSpec, cell_text

WISH, ACCOUNT, BANK = "心愿编号", "收款账号", "开户银行"
LAYOUT = Layout(
    columns=(
        ColumnSpec(WISH, True, ("编号",)),
        ColumnSpec(ACCOUNT, True, ("银行账号", "账号", "新账号", "卡号")),
        ColumnSpec(HOLDER, False, ("监护人", "收款人", "账户名")),
        ColumnSpec(BANK, False, ("开户行",)),
    ),
    key=WISH,
    account=ACCOUNT,
)
# The outcome of ``wishes accounts update`` (counts, findings, notes).
WishAccountsResult = Corrections


def _wish_key(raw: Cell, flag: Flag) -> str | None:
    """A 心愿编号 as written (spaces squashed); whether it exists is checked on the ledger."""
    wish_id = squash(cell_text(raw))
    if not wish_id:
        flag(WISH, "MISSING_FIELD", {"column": WISH})
        return None
    return wish_id


def update_wish_accounts(
    ledger: Ledger, year: int, path: Path, arguments: dict[str, Any] | None = None
) -> WishAccountsResult:
    """Record the corrected accounts of ``path`` (``year``: the campaign the records
    carry); nothing is recorded while the file has errors (exit 1)."""
    result = Corrections(campaign_name(year))
    rows = read_corrections(path, LAYOUT, _wish_key, result)
    with ledger.run("wishes accounts update", arguments or {"file": str(path)}, [path]) as run:
        progress = Progress.load(run.conn)
        fixes = store.latest_accounts(run.conn, PURPOSE, None)
        changes: list[tuple[str, str, str, str, str, int]] = []
        for r in rows:
            p = progress.payouts.get(r.key)
            if p is None:
                result.findings.append(
                    PayFinding(r.file, r.sheet, r.row, WISH, "NO_SUCH_WISH", {"value": r.key})
                )
                continue
            payee = wish_payee(p, fixes.get(r.key))
            new = (r.name or payee.name, r.account, r.bank or payee.bank)
            result.notes.extend(_notes(r, p, new[0]))
            if new == (payee.name, payee.account, payee.bank):
                result.unchanged += 1
                continue
            changes.append((r.key, *new, r.file, r.row))
            # A later row of the file for the same wish compares with this one: the file
            # is read top to bottom, and its last word on a wish is the one recorded.
            fixes[r.key] = store.AccountChange(r.key, *new, run.id)
        # In the file's order (NO_SUCH_WISH is found after the reading's own findings).
        result.findings.sort(key=lambda f: (f.file, f.sheet, f.row))
        run.result = result.as_json()
        if result.has_errors:
            run.outcome = "problems"
            return result
        store.record_accounts(run.conn, run.id, PURPOSE, year, changes)
        result.updated = len(changes)
        run.result = result.as_json()
    return result


def _notes(r: CorrectionRow, p: WishPayout, holder: str) -> list[tuple[str, str]]:
    """What the clerk should know of a row that is recorded but will not (yet) be used."""
    where_zh = f"{r.file}「{r.sheet}」第 {r.row} 行 {r.key}"
    where_en = f"{r.file} [{r.sheet}] row {r.row} ({r.key})"
    notes = []
    if p.payment == "paid":
        notes.append(
            (f"{where_zh}：已付款成功，更正的账号不再使用", f"{where_en}: already paid; not used")
        )
    elif p.in_kind:
        notes.append(
            (
                f"{where_zh}：此心愿由联合会采购物资实现，不付款到账户，更正的账号不会使用",
                f"{where_en}: fulfilled in kind (bought by the federation); the account is "
                "not used",
            )
        )
    if not holder:
        notes.append(
            (
                f"{where_zh}：没有户名（心愿也未登记监护人），付款前请补上户名",
                f"{where_en}: no 户名 (and no guardian on the wish): add it before paying",
            )
        )
    return notes
