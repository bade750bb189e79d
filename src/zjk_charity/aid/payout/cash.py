"""``aid cash sheet`` and ``aid cash confirm``: cash against a signed 领取表."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.changes import valid_id
from zjk_charity.aid.payout.common import (
    PURPOSE,
    open_for_payment,
    payees,
)
from zjk_charity.errors import UserError
from zjk_charity.ids import (
    mask_id,
    mask_name,
)
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store
from zjk_charity.payments.common import account_changed, removed_on_failure
from zjk_charity.payments.model import BatchLine, Instruction, Payee, yuan
from zjk_charity.payments.status import by_payee, payee_state
from zjk_charity.text import squash

# ------------------------------------------------------------------------ cash


@dataclass
class CashResult:
    """``aid cash sheet``: the cash batch and its printed 领取表."""

    year: int
    batch: str | None = None
    count: int = 0
    amount: Decimal = Decimal(0)
    files: list[Path] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "batch": self.batch,
            "count": self.count,
            "amount": yuan(self.amount),
            "files": [str(p) for p in self.files],
        }


# Who may be put on a cash sheet, by their payment state (payout.md: cash only where a
# transfer cannot be made): not someone paid, waiting for the bank, or on a sheet already.
_NOT_FOR_CASH = {
    "paid": ("已付款成功", "already paid"),
    "pending": ("正在等待银行回盘", "waiting for the bank's result"),
    "cash_pending": ("已在现金领取表上", "already on a cash sheet"),
}


def _id_numbers(values: Sequence[str], year: int) -> list[str]:
    """IDs given on the command line, normalised; a malformed one is a UserError."""
    return [valid_id(value, date(year, 12, 31)) for value in values]


def _for_cash(
    people: dict[str, Payee], grouped: dict[str, list[Instruction]], ids: list[str]
) -> list[Payee]:
    """The named people (each checked), or by default everyone whose bank payment failed
    and whose account was not corrected since: the people no transfer reaches."""
    if not ids:
        chosen = []
        for key, payee in people.items():
            state, deciding = payee_state(grouped.get(key, []))
            if state == "failed" and deciding is not None and not account_changed(payee, deciding):
                chosen.append(payee)
        return chosen
    chosen = []
    for key in dict.fromkeys(ids):
        named = people.get(key)
        if named is None:
            raise UserError(
                f"身份证号 {mask_id(key)} 不在今年的资助名单中，不能现金发放",
                f"ID {mask_id(key)} is not on this year's funded list",
            )
        state, _ = payee_state(grouped.get(key, []))
        if state in _NOT_FOR_CASH:
            zh, en = _NOT_FOR_CASH[state]
            raise UserError(
                f"{named.county} {mask_name(named.name)}（{mask_id(key)}）{zh}，不能再现金发放",
                f"{mask_id(key)} is {en}; not put on a cash sheet",
            )
        chosen.append(named)
    return chosen


def cash_sheet(
    ledger: Ledger,
    year: int,
    ids: Sequence[str],
    *,
    folder: Path,
    signers: Any = None,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
    pdf: bool = True,
    arguments: dict[str, Any] | None = None,
) -> CashResult:
    """A cash batch (C2025-001 …) and its 领取表 (xlsx and PDF): each person on it has a
    cash instruction, waiting for ``aid cash confirm``."""
    from zjk_charity.aid.payout_lists import CashLine, write_cash_sheet

    wanted = _id_numbers(ids, year)
    result = CashResult(year)
    written: list[Path] = []
    with (
        removed_on_failure(written),
        ledger.run("aid cash sheet", arguments or {"year": year, "ids": len(ids)}) as run,
    ):
        conn = run.conn
        a = open_for_payment(conn, year)
        people = payees(a, store.latest_accounts(conn, PURPOSE, year))
        grouped = by_payee(store.instructions(conn, PURPOSE, year))
        chosen = _for_cash(people, grouped, wanted)
        if chosen:
            code = store.next_code(conn, PURPOSE, year, "cash")
            lines = [BatchLine(n, p, "") for n, p in enumerate(chosen, start=1)]
            sheet = write_cash_sheet(
                folder / f"领取表-{code}.xlsx",
                code=code,
                year=year,
                lines=[
                    CashLine(
                        n.line,
                        n.payee.county,
                        n.payee.township,
                        n.payee.village,
                        n.payee.person,
                        n.payee.key,
                        n.payee.amount,
                    )
                    for n in lines
                ],
                signers=signers,
                pdf_font=pdf_font,
                templates=templates,
                pdf=pdf,
            )
            written.extend(p for p in (sheet.xlsx, sheet.pdf) if p is not None)
            store.record_batch(
                conn, run.id, code=code, purpose=PURPOSE, year=year, method="cash", lines=lines
            )
            result.batch, result.count, result.amount = code, len(lines), sheet.amount
            result.files, result.warnings = list(written), sheet.warnings
        run.result = result.as_json()
    return result


@dataclass
class ConfirmResult:
    year: int
    confirmed: int = 0
    already: int = 0
    amount: Decimal = Decimal(0)
    day: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "confirmed": self.confirmed,
            "already": self.already,
            "amount": yuan(self.amount),
            "date": self.day.isoformat() if self.day else None,
        }


def cash_confirm(
    ledger: Ledger,
    year: int,
    day: date,
    *,
    sheet: Path | None = None,
    ids: Sequence[str] = (),
    arguments: dict[str, Any] | None = None,
) -> ConfirmResult:
    """Record a signed 领取表 (every row left on it) or the named people as paid in cash
    on ``day``. A row that does not agree with the sheet's batch is a UserError, and
    nothing is recorded."""
    from zjk_charity.aid.payout_lists import read_cash_sheet

    _check_day(year, day)
    read = read_cash_sheet(sheet) if sheet is not None else None
    wanted = _id_numbers(ids, year)
    result = ConfirmResult(year, day=day)
    with ledger.run(
        "aid cash confirm", arguments or {"year": year}, [sheet] if sheet else []
    ) as run:
        conn = run.conn
        open_for_payment(conn, year)
        every = store.instructions(conn, PURPOSE, year)
        cash = [i for i in every if i.method == "cash"]
        chosen = _sheet_rows(cash, read, sheet) if read is not None else _named(cash, wanted)
        todo = [i for i in chosen if i.state == "cash_pending"]
        _refuse_paid_elsewhere(todo, every)
        result.already = sum(1 for i in chosen if i.state == "paid")
        store.set_state(conn, run.id, [(i.id, "paid", None) for i in todo], paid_on=day.isoformat())
        result.confirmed = len(todo)
        result.amount = sum((i.amount for i in todo), Decimal(0))
        run.result = result.as_json()
    return result


def _refuse_paid_elsewhere(todo: list[Instruction], every: list[Instruction]) -> None:
    """Nobody is recorded as paid in cash whose money already arrived another way (a
    bank's late 成功 for the failed transfer): that cash must not be handed out."""
    paid = {i.payee: i for i in every if i.state == "paid"}
    twice = [(i, paid[i.payee]) for i in todo if i.payee in paid]
    if not twice:
        return
    zh = "；".join(
        f"{i.batch} 第 {i.line} 行 {mask_name(i.name)} 已由批次 {p.batch} 付款成功"
        for i, p in twice
    )
    en = "; ".join(f"{i.batch} line {i.line} was paid by batch {p.batch}" for i, p in twice)
    raise UserError(
        f"{zh}；这些人不应再领现金，请从领取表中删去这些行（已领的须追回）后再确认，未记录任何领取",
        f"{en}; take these lines off the sheet (recover any cash handed out) and confirm "
        "again; nothing recorded",
    )


def _sheet_rows(cash: list[Instruction], read: Any, path: Path | None) -> list[Instruction]:
    by_line = {(i.batch, i.line): i for i in cash}
    if not any(i.batch == read.code for i in cash):
        raise UserError(
            f"{path}：台账中没有现金批次 {read.code}；请核对领取表",
            f"{path}: the ledger has no cash batch {read.code}",
        )
    chosen = []
    for line in read.lines:
        found = by_line.get((read.code, line.line))
        if found is None or not _same_person(found, line.name, line.masked_id):
            raise UserError(
                f"{path}：序号 {line.line}（{mask_name(line.name)}）与批次 {read.code} 的记录不符；"
                "请核对后再确认，未记录任何领取",
                f"{path}: line {line.line} does not agree with batch {read.code}; nothing recorded",
            )
        if found.state == "cancelled":
            raise UserError(
                f"{path}：序号 {line.line}（{mask_name(line.name)}）已作废（{found.reason}），"
                "不应领取；请从表中删去这一行后再确认",
                f"{path}: line {line.line} was cancelled ({found.reason}) and must not be paid; "
                "take it off the sheet",
            )
        chosen.append(found)
    return chosen


def _same_person(i: Instruction, name: str, masked: str) -> bool:
    shown = masked.strip().upper()
    return (
        squash(name) in {squash(i.name), ""}
        and shown[:6] == i.payee[:6]
        and shown[-4:] == i.payee[-4:]
    )


def _named(cash: list[Instruction], ids: list[str]) -> list[Instruction]:
    chosen = []
    for key in dict.fromkeys(ids):
        own = [i for i in cash if i.payee == key and i.state in {"cash_pending", "paid"}]
        if not own:
            raise UserError(
                f"身份证号 {mask_id(key)} 没有待领取的现金发放；请先用 zjk-charity aid cash sheet",
                f"{mask_id(key)} has no cash payment waiting; use aid cash sheet first",
            )
        chosen.append(own[-1])
    return chosen


def _check_day(year: int, day: date) -> None:
    """A day of the campaign: in its year or the next (money handed over in January),
    never in the future. (Not checked against the day the sheet was printed: a sheet
    printed again later is still signed on the day the money was handed over.)"""
    if day > date.today():
        raise UserError(
            f"领取日期 {day.isoformat()} 在今天之后；请填写实际领取的日期",
            f"--date {day.isoformat()} is in the future; give the day the money was handed over",
        )
    if not year <= day.year <= year + 1:
        raise UserError(
            f"领取日期 {day.isoformat()} 不在 {year} 年活动期间（{year}–{year + 1} 年）；请核对",
            f"--date {day.isoformat()} is outside the {year} campaign ({year}-{year + 1})",
        )
