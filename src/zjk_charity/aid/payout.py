"""福彩暖冬 after the list: bank batches, the bank's results, corrected accounts, cash.

Every command here is one ledger transaction with a run record (``Ledger.run``); the
files a command writes are written inside it and removed again if it fails, so a failed
command leaves neither a changed ledger nor a stray file. The payment machinery itself
(store, bank profiles, result files, states) is ``zjk_charity.payments``, shared with
微心愿; this module knows only what is particular to 福彩暖冬: a payee is a funded person
of the year's allocation (after withdrawals and 递补), keyed by the ID number.

Decisions (README, "Issue 16"):
- ``aid pay`` pays every funded person in state ``unpaid`` (no instruction yet, or only
  a cancelled cash one); ``--retry`` only those whose last instruction failed and whose
  account (户名, 账号 or 开户银行) now differs from the one that failed. Failed people
  whose account is unchanged are listed, never paid again by a retry.
- An account correction (``aid accounts update``) is refused for nobody, but it changes
  only what later batches send: a payment already sent keeps the account it was sent to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid import columns as col
from zjk_charity.aid.allocation import (
    Allocation,
    Entry,
    entries_by_id,
    is_finalized,
    latest_allocation_id,
    read_allocation,
)
from zjk_charity.aid.changes_store import withdrawn_ids
from zjk_charity.aid.supplement import not_posted
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding
from zjk_charity.ids import (
    account_problem,
    check_id,
    mask_account,
    mask_id,
    mask_name,
    normalise_account,
)
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.importing import Imported, apply_files, read_files
from zjk_charity.payments.model import BatchFiles, BatchLine, Instruction, Payee, Purpose, yuan
from zjk_charity.payments.status import Funded, Status, by_payee, payee_state, payment_status
from zjk_charity.text import squash
from zjk_charity.workbook.reader import ColumnSpec, cell_text, read_table

PURPOSE: Purpose = "aid"


# ------------------------------------------------------------------ who is paid what


def payees(a: Allocation, accounts: dict[str, store.AccountChange]) -> dict[str, Payee]:
    """Today's funded people as payees, by ID, with their corrected account if any."""
    found: dict[str, Payee] = {}
    for e in a.funded:
        if e.id_number is None:
            continue
        fixed = accounts.get(e.id_number)
        found[e.id_number] = Payee(
            key=e.id_number,
            county=e.county or "",
            name=fixed.name if fixed else e.name,
            account=fixed.account if fixed else e.account,
            bank=fixed.bank if fixed else e.bank,
            amount=e.amount if e.amount is not None else a.per_person,
            id_number=e.id_number,
            township=e.township,
            village=e.village,
        )
    return found


def funded_list(a: Allocation) -> list[Funded]:
    """Today's funded people as the payment status counts them (status and report)."""
    return [
        Funded(e.id_number, e.county or "", e.amount if e.amount is not None else a.per_person)
        for e in a.funded
        if e.id_number is not None
    ]


def _changed(payee: Payee, sent: Instruction) -> bool:
    """The account now differs from the one a failed instruction was sent to."""
    return (payee.name, payee.account, payee.bank) != (sent.name, sent.account, sent.bank)


@dataclass(frozen=True)
class PersonRef:
    """A person as terminal output may show them: county, masked name and ID."""

    county: str
    name: str
    id_masked: str
    reason: str = ""

    @classmethod
    def of(cls, payee: Payee, reason: str = "", person: str = "") -> PersonRef:
        """``person``: the recipient's own name, when the account holder is someone else."""
        return cls(payee.county, mask_name(person or payee.name), mask_id(payee.key), reason)

    def as_json(self) -> dict[str, str]:
        return {
            "county": self.county,
            "name": self.name,
            "id": self.id_masked,
            "reason": self.reason,
        }


def _open_for_payment(conn: sqlite3.Connection, year: int) -> Allocation:
    a = read_allocation(conn, year)
    if a.finalized:
        raise _finalized(year)
    return a


def _finalized(year: int) -> UserError:
    return UserError(
        f"{year} 年的分配已经定稿，不能再付款或更改；如有遗漏请联系管理员",
        f"the {year} allocation is finalized; nothing more can be paid or changed",
    )


# ------------------------------------------------------------------------- aid pay


@dataclass
class PayResult:
    year: int
    batch: str | None
    retry: bool
    profile: str
    count: int = 0
    amount: Decimal = Decimal(0)
    files: list[Path] = field(default_factory=list)
    summary: list[Path] = field(default_factory=list)
    # --retry: failed people whose account is unchanged (fix it, or pay in cash)
    unchanged: list[PersonRef] = field(default_factory=list)
    written: BatchFiles | None = None  # the writer's account: files, totals, notes
    # Backfilled people in this batch whom no 补充公示 has listed yet (paid anyway: the
    # spec funds them from the backfill on; the CLI reminds the clerk to post them).
    not_posted: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "batch": self.batch,
            "retry": self.retry,
            "profile": self.profile,
            "count": self.count,
            "amount": yuan(self.amount),
            "files": [str(p) for p in self.files],
            "summary": [str(p) for p in self.summary],
            "unchanged": [p.as_json() for p in self.unchanged],
            "not_posted": self.not_posted,
        }


# The writer of the bank file(s): (code, lines, folder) -> what it wrote. The CLI binds the
# chosen bank profile and the payer to ``payments.writer.write_batch``.
BatchWriter = Callable[[str, Sequence[BatchLine], Path], BatchFiles]


def pay(
    ledger: Ledger,
    year: int,
    *,
    profile: str,
    write: BatchWriter,
    folder: Path,
    memo: str,
    retry: bool = False,
    arguments: dict[str, Any] | None = None,
) -> PayResult:
    """One payment batch: an instruction per person to pay, the bank file(s), recorded.

    Nobody to pay is not an error: the result has no batch and no file is written.
    """
    result = PayResult(year, None, retry, profile)
    written: list[Path] = []
    try:
        with ledger.run("aid pay", arguments or {"year": year, "retry": retry}) as run:
            conn = run.conn
            a = _open_for_payment(conn, year)
            people = payees(a, store.latest_accounts(conn, PURPOSE, year))
            due = _due(people, store.instructions(conn, PURPOSE, year), retry, result)
            unposted = {e.id_number for e in not_posted(a)}
            result.not_posted = sum(1 for p in due if p.key in unposted)
            if due:
                code = store.next_code(conn, PURPOSE, year, "bank")
                lines = [BatchLine(n, p, memo) for n, p in enumerate(due, start=1)]
                batch = write(code, lines, folder)
                written = [f.path for f in batch.files] + list(batch.summary)
                store.record_batch(
                    conn,
                    run.id,
                    code=code,
                    purpose=PURPOSE,
                    year=year,
                    method="bank",
                    lines=lines,
                    files=batch.files,
                    profile=profile,
                    retry=retry,
                )
                result.batch, result.count = code, len(lines)
                result.amount = sum((p.amount for p in due), Decimal(0))
                result.files = [f.path for f in batch.files]
                result.summary = list(batch.summary)
                result.written = batch
            run.result = result.as_json()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result


def _due(
    people: dict[str, Payee], instructions: list[Instruction], retry: bool, result: PayResult
) -> list[Payee]:
    """Who this batch pays, in the funded list's order (see the module's decisions)."""
    grouped = by_payee(instructions)
    due: list[Payee] = []
    for key, payee in people.items():
        state, deciding = payee_state(grouped.get(key, []))
        if not retry:
            if state == "unpaid":
                due.append(payee)
        elif state == "failed" and deciding is not None:
            if _changed(payee, deciding):
                due.append(payee)
            else:
                result.unchanged.append(PersonRef.of(payee, deciding.reason))
    return due


# ------------------------------------------------------------------ payments status


@dataclass
class PaymentsStatus:
    year: int
    status: Status
    withdrawn: int
    backfilled: int
    names: dict[str, str] = field(default_factory=dict)  # ID -> the recipient's name

    def as_json(self) -> dict[str, Any]:
        s = self.status
        return {
            "campaign": campaign_name(self.year),
            "funded": len(s.funded),
            "amount": yuan(s.amount),
            **{state: tally.as_json() for state, tally in s.tallies.items()},
            "double_paid": s.double_paid.as_json(),
            "withdrawn": self.withdrawn,
            "backfilled": self.backfilled,
            "people": [
                {
                    "id": line.key,
                    "county": line.county,
                    "state": line.state,
                    "batch": line.batch,
                    "reason": line.reason,
                }
                for line in s.lines
            ],
        }


def read_status(conn: sqlite3.Connection, year: int) -> PaymentsStatus:
    """The payment status of the year's funded people, on an open connection."""
    a = read_allocation(conn, year)
    status = payment_status(funded_list(a), store.instructions(conn, PURPOSE, year))
    withdrawn = sum(1 for e in a.entries if e.status == "withdrawn")
    backfilled = sum(1 for e in a.entries if getattr(e, "backfilled", False))
    names = {e.id_number: e.name for e in a.funded if e.id_number}
    return PaymentsStatus(year, status, withdrawn, backfilled, names)


def payments_status(ledger: Ledger, year: int) -> PaymentsStatus:
    with ledger.read() as conn:
        if conn is None:
            raise UserError(
                f"{year} 年还没有分配结果；请先运行 zjk-charity aid allocate",
                f"no allocation for {year} yet; run zjk-charity aid allocate first",
            )
        return read_status(conn, year)


# -------------------------------------------------------- the bank's result files


@dataclass
class ImportResult:
    """``aid payments import``: the files' outcome, and who failed (for the counties)."""

    year: int
    imported: Imported
    failures: list[Failure] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    recorded: int = 0  # after finalize: people paid now, entered in the history

    @property
    def has_errors(self) -> bool:
        return self.imported.has_errors

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        c = self.imported.counts
        return {
            "campaign": campaign_name(self.year),
            "files": self.imported.files,
            "paid": c.paid,
            "failed": c.failed,
            "pending": c.pending,
            "already": c.already,
            "not_applied": c.skipped,
            "double_paid": c.double,
            "late_corrections": c.corrected,
            "notes": [n.message(lang) for n in self.imported.notes],
            "findings": [f.as_json(lang) for f in self.imported.findings],
            "failure_list": [str(p) for p in self.written],
            "history_added": self.recorded,
        }


@dataclass(frozen=True)
class Failure:
    """A person whose payment failed in this import, for the counties' failure list."""

    payee: Payee
    batch: str
    reason: str
    person: str  # the recipient's own name (the payee's 户名 may be a corrected one)


@dataclass(frozen=True)
class PrintOptions:
    """Where and how a command's printed list is written (xlsx, and PDF with a font)."""

    folder: Path
    pdf_font: Path | None = None
    templates: Sequence[Path] | None = None
    signers: Any = None


def import_payments(
    ledger: Ledger,
    year: int,
    paths: Sequence[Path],
    *,
    profile: str | None = None,
    batch: str | None = None,
    lists: PrintOptions | None = None,
    arguments: dict[str, Any] | None = None,
) -> ImportResult:
    """Apply the bank's result files; rows without errors are applied, the rest reported.

    With ``lists``, the people who failed in this import are written as the counties'
    失败名单 (``失败名单-P2025-001-….xlsx`` and PDF, named after their batches). After
    ``aid finalize`` the bank's late word is still recorded (a double payment must not be
    lost): someone it pays for the first time enters the history registry then, since
    the registry holds exactly the people whose money arrived.
    """
    files = read_files(paths)
    written: list[Path] = []
    try:
        with ledger.run(
            "aid payments import",
            arguments or {"year": year, "files": [str(p) for p in paths]},
            list(paths),
        ) as run:
            conn = run.conn
            # Not the whole allocation (100,000 entries): who is withdrawn, and later the
            # villages of the people who failed, are all this needs.
            allocation_id = latest_allocation_id(conn, year)
            withdrawn = withdrawn_ids(conn, allocation_id)
            imported = apply_files(
                conn,
                run.id,
                PURPOSE,
                year,
                files,
                withdrawn=withdrawn,
                profile=profile,
                batch=batch,
            )
            result = ImportResult(year, imported)
            result.failures = _failures(conn, allocation_id, imported)
            if is_finalized(conn, year):
                result.recorded = _record_late(conn, run.id, year, allocation_id, imported)
            if result.failures and lists is not None:
                written = _failure_list(year, result.failures, lists, result)
            run.outcome = "problems" if imported.has_errors else "ok"
            run.result = result.as_json()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result


def _record_late(
    conn: sqlite3.Connection, run_id: int, year: int, allocation_id: int, imported: Imported
) -> int:
    """After finalize: the people this import paid for the first time enter the history."""
    from zjk_charity.aid.finalize import record_history

    paid = {
        imported.seen[u.instruction].payee
        for u in imported.updates
        if u.state == "paid" and not u.double
    }
    people = entries_by_id(conn, allocation_id, paid)
    return record_history(
        conn,
        year,
        [(key, e.name, e.county or "") for key, e in people.items()],
        run_id,
        "payments import",
    )


def _failure_list(
    year: int, failures: list[Failure], lists: PrintOptions, result: ImportResult
) -> list[Path]:
    from zjk_charity.aid.payout_lists import FailedPayment, write_failure_list

    batches = "-".join(sorted({f.batch for f in failures}))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # a second import never meets the first's
    files = write_failure_list(
        lists.folder / f"失败名单-{batches}-{stamp}.xlsx",
        year=year,
        people=[
            FailedPayment(
                f.payee.county,
                f.payee.township,
                f.payee.village,
                f.person,
                f.payee.key,
                f.payee.bank,
                f.payee.account,
                f.payee.amount,
                f.batch,
                f.reason,
            )
            for f in failures
        ],
        pdf_font=lists.pdf_font,
        templates=lists.templates,
    )
    result.written = [p for p in (files.xlsx, files.pdf) if p is not None]
    result.warnings = files.warnings
    return result.written


def _failures(conn: sqlite3.Connection, allocation_id: int, imported: Imported) -> list[Failure]:
    """The people whose instruction failed in this import, with their villages."""
    failed = [
        (imported.seen[u.instruction], u.reason) for u in imported.updates if u.state == "failed"
    ]
    people = entries_by_id(conn, allocation_id, {i.payee for i, _ in failed})
    found = []
    for i, reason in failed:
        entry = people.get(i.payee)
        found.append(
            Failure(
                Payee(
                    key=i.payee,
                    county=i.county,
                    name=i.name,
                    account=i.account,
                    bank=i.bank,
                    amount=i.amount,
                    id_number=i.payee,
                    township=entry.township if entry else "",
                    village=entry.village if entry else "",
                ),
                i.batch,
                reason,
                entry.name if entry else i.name,
            )
        )
    return found


# ------------------------------------------------------------ corrected accounts

ACCOUNT_COLUMNS = (
    ColumnSpec(col.ID, True, ("身份证号码", "公民身份号码", "身份证")),
    ColumnSpec(col.NAME, False, ("受助人姓名", "申请人姓名")),
    ColumnSpec("户名", False, ("账户名", "收款人", "账户名称")),
    ColumnSpec(col.ACCOUNT, True, ("账号", "银行卡号", "卡(折)号", "新账号", "收款账号")),
    ColumnSpec("开户银行", False, ("开户行", "新开户银行")),
)


@dataclass
class AccountsResult:
    year: int
    updated: int = 0
    unchanged: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity.value == "error" for f in self.findings)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": [zh if lang == "zh" else en for zh, en in self.notes],
            "findings": [f.as_json(lang) for f in self.findings],
        }


@dataclass(frozen=True)
class _AccountRow:
    id_number: str
    name: str
    account: str
    bank: str
    file: str
    sheet: str
    row: int


def _read_account_rows(path: Path, year: int, result: AccountsResult) -> list[_AccountRow]:
    """The rows of a corrections file; a row with a problem becomes findings instead."""
    table = read_table(path, ACCOUNT_COLUMNS, col.ID)
    rows: list[_AccountRow] = []
    for sheet in table.sheets:
        for name in sheet.missing:
            result.findings.append(
                Finding(
                    path.name,
                    sheet.name,
                    sheet.header_row,
                    name,
                    "COLUMN_MISSING",
                    {"column": name},
                )
            )
        if sheet.missing:
            continue
        for row in sheet.rows:
            where = (path.name, sheet.name, row.number)
            raw_id, raw_account = sheet.get(row, col.ID), sheet.get(row, col.ACCOUNT)
            if _as_number(raw_id) or _as_number(raw_account):
                column = col.ID if _as_number(raw_id) else col.ACCOUNT
                result.findings.append(
                    Finding(*where, column, "PRECISION_LOST", {"column": column})
                )
                continue
            checked = check_id(cell_text(raw_id), date(year, 12, 31))
            if not checked.valid:
                result.findings.extend(
                    Finding(*where, col.ID, code, checked.params(code)) for code in checked.problems
                )
                continue
            account = normalise_account(cell_text(raw_account))
            problem = account_problem(account)
            if problem is not None:
                result.findings.append(
                    Finding(*where, col.ACCOUNT, problem, {"value": mask_account(account)})
                )
                if problem == "BANK_ACCOUNT_INVALID":
                    continue
            rows.append(
                _AccountRow(
                    checked.number,
                    squash(cell_text(sheet.get(row, "户名")))
                    or squash(cell_text(sheet.get(row, col.NAME))),
                    account,
                    squash(cell_text(sheet.get(row, "开户银行"))),
                    *where,
                )
            )
    return rows


def _as_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def update_accounts(
    ledger: Ledger, year: int, path: Path, arguments: dict[str, Any] | None = None
) -> AccountsResult:
    """Record corrected accounts for funded people; nothing is recorded while the file
    has errors (a wrong ID or account must not half-apply)."""
    result = AccountsResult(year)
    rows = _read_account_rows(path, year, result)
    with ledger.run(
        "aid accounts update", arguments or {"year": year, "file": str(path)}, [path]
    ) as run:
        conn = run.conn
        a = _open_for_payment(conn, year)
        people = payees(a, store.latest_accounts(conn, PURPOSE, year))
        grouped = by_payee(store.instructions(conn, PURPOSE, year))
        changes: list[tuple[str, str, str, str, str, int]] = []
        for r in rows:
            payee = people.get(r.id_number)
            if payee is None:
                result.findings.append(_not_funded(r, a))
                continue
            state, _ = payee_state(grouped.get(r.id_number, []))
            if state == "paid":
                result.notes.append(
                    (
                        f"{r.file}「{r.sheet}」第 {r.row} 行 {mask_name(payee.name)}：已付款成功，"
                        "更正的账号不再使用",
                        f"{r.file} [{r.sheet}] row {r.row}: already paid; the account is not used",
                    )
                )
            new = (r.name or payee.name, r.account, r.bank or payee.bank)
            if new == (payee.name, payee.account, payee.bank):
                result.unchanged += 1
                continue
            changes.append((r.id_number, *new, r.file, r.row))
        if result.has_errors:
            run.outcome = "problems"
            run.result = result.as_json()
            return result
        store.record_accounts(conn, run.id, PURPOSE, year, changes)
        result.updated = len(changes)
        run.result = result.as_json()
    return result


def _not_funded(r: _AccountRow, a: Allocation) -> PayFinding:
    entry = next((e for e in a.entries if e.id_number == r.id_number), None)
    name = entry.name if entry is not None else r.name
    return PayFinding(
        r.file,
        r.sheet,
        r.row,
        col.ID,
        "NOT_FUNDED",
        {"name": mask_name(name) or "—", "tail": r.id_number[-4:], "year": a.year},
    )


# --------------------------------------------------------------------- helpers


def entry_of(a: Allocation, id_number: str) -> Entry | None:
    return next((e for e in a.entries if e.id_number == id_number), None)


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
    found = []
    for value in values:
        checked = check_id(value, date(year, 12, 31))
        if not checked.valid or checked.number is None:
            shown = mask_id(value.strip()) if len(value.strip()) >= 10 else value.strip()
            raise UserError(
                f"“{shown}” 不是有效的身份证号；请核对",
                f"'{shown}' is not a valid ID number; check it",
            )
        found.append(checked.number)
    return found


def _for_cash(
    people: dict[str, Payee], grouped: dict[str, list[Instruction]], ids: list[str]
) -> list[Payee]:
    """The named people (each checked), or by default everyone whose bank payment failed
    and whose account was not corrected since: the people no transfer reaches."""
    if not ids:
        chosen = []
        for key, payee in people.items():
            state, deciding = payee_state(grouped.get(key, []))
            if state == "failed" and deciding is not None and not _changed(payee, deciding):
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
    try:
        with ledger.run("aid cash sheet", arguments or {"year": year, "ids": len(ids)}) as run:
            conn = run.conn
            a = _open_for_payment(conn, year)
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
                            person_name(a, n.payee.key),
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
                written = [p for p in (sheet.xlsx, sheet.pdf) if p is not None]
                store.record_batch(
                    conn, run.id, code=code, purpose=PURPOSE, year=year, method="cash", lines=lines
                )
                result.batch, result.count, result.amount = code, len(lines), sheet.amount
                result.files, result.warnings = written, sheet.warnings
            run.result = result.as_json()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result


def person_name(a: Allocation, key: str) -> str:
    """The recipient's own name (a corrected 户名 may be someone else's)."""
    entry = entry_of(a, key)
    return entry.name if entry is not None else ""


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
        _open_for_payment(conn, year)
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
