"""``aid review import``: the province's review (复审) of the funded list.

The province sends back a workbook with 身份证号 (required), 姓名, 复审结果 (通过 /
不通过, also 同意 / 不同意) and 原因 (also 意见, 备注), read with the header search and
aliases of the application workbooks. Every 不通过 is a withdrawal with the reason
复审未通过, the 原因 as its note, and 递补 (aid/changes.py), in the file's order; a funded
person the file does not name is taken as 通过.

All or nothing: while the file has an error finding (an ID that is not on today's list
is NOT_FUNDED; a number-stored, malformed or wrong-checksum ID; a 复审结果 that is no
accepted value) nothing of it is applied. A 不通过 for someone whose payment succeeded
or is waiting for the bank is refused like ``aid withdraw`` (exit 2), naming everyone
concerned. Importing the same file again changes nothing: people it already withdrew
are counted as done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid import columns as col
from zjk_charity.aid.allocation import Allocation, money, read_allocation
from zjk_charity.aid.changes import (
    REVIEW_REASON,
    Withdrawal,
    cash_to_cancel,
    default_operator,
    now_text,
    refuse_finalized,
    withdraw_entry,
)
from zjk_charity.aid.rules import stored_as_number  # validate's rule
from zjk_charity.findings import Severity
from zjk_charity.ids import check_id, mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.payments.codes import PayFinding
from zjk_charity.text import nfkc, squash
from zjk_charity.workbook.reader import Cell, ColumnSpec, Row, Sheet, cell_text, read_table

RESULT = "复审结果"
REASON = "原因"
REVIEW_COLUMNS = (
    ColumnSpec(col.ID, True, ("身份证号码", "公民身份号码", "身份证")),
    ColumnSpec(col.NAME, False, ("申请人姓名", "受助人姓名")),
    ColumnSpec(RESULT, True, ("复审结论", "审核结果", "复核结果")),
    ColumnSpec(REASON, False, ("意见", "备注", "复审意见", "不通过原因")),
)
PASSED = {"通过": True, "同意": True, "不通过": False, "不同意": False}
ALLOWED = "通过、不通过、同意、不同意"


@dataclass(frozen=True)
class ReviewRow:
    """One usable row of the review file."""

    file: str
    sheet: str
    row: int
    number: str
    name: str
    passed: bool
    reason: str


@dataclass
class ReviewResult:
    """What one review file said, and what was applied (nothing while it has errors)."""

    year: int
    file: str
    rows: int = 0
    passed: int = 0
    already: int = 0  # 不通过 rows of people withdrawn before: a file imported again
    withdrawals: list[Withdrawal] = field(default_factory=list)
    not_in_file: int = 0  # funded people the file does not name: taken as 通过
    findings: list[PayFinding] = field(default_factory=list)
    allocation: Allocation | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def applied(self) -> bool:
        return not self.has_errors

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        a = self.allocation
        return {
            "campaign": campaign_name(self.year),
            "allocation": a.id if a else None,
            "file": self.file,
            "applied": self.applied,
            "rows": self.rows,
            "passed": self.passed,
            "rejected": len(self.withdrawals),
            "already_withdrawn": self.already,
            "not_in_file": self.not_in_file,
            "withdrawals": [w.as_json() for w in self.withdrawals],
            "funded": len(a.funded) if a else None,
            "amount": money(a.amount) if a else None,
            "unspent": money(a.unspent) if a else None,
            "findings": [f.as_json(lang) for f in self.findings],
        }


def _text(value: Cell) -> str:
    return squash(nfkc(cell_text(value)))


def read_review(path: Path, as_of: date) -> tuple[list[ReviewRow], list[PayFinding]]:
    """The file's rows with a usable ID and result, and the findings of the others."""
    table = read_table(path, REVIEW_COLUMNS, col.ID)
    rows: list[ReviewRow] = []
    findings: list[PayFinding] = []
    for sheet in table.sheets:
        if sheet.missing:
            findings.extend(
                PayFinding(
                    path.name, sheet.name, sheet.header_row, m, "COLUMN_MISSING", {"column": m}
                )
                for m in sheet.missing
            )
            continue
        for row in sheet.rows:
            found = _read_row(path.name, sheet, row, as_of, findings)
            if found is not None:
                rows.append(found)
    return rows, findings


def _read_row(
    file: str, sheet: Sheet, row: Row, as_of: date, findings: list[PayFinding]
) -> ReviewRow | None:
    number = row.number

    def flag(where: str, code: str, **params: Any) -> None:
        findings.append(PayFinding(file, sheet.name, number, where, code, params))

    raw = sheet.get(row, col.ID)
    result = _text(sheet.get(row, RESULT))
    passed = PASSED.get(result)
    if not result:
        flag(RESULT, "MISSING_FIELD", column=RESULT)
    elif passed is None:
        flag(RESULT, "INVALID_VALUE", column=RESULT, value=result, allowed=ALLOWED)
    if stored_as_number(raw):
        flag(col.ID, "PRECISION_LOST", column=col.ID)
        return None
    text = _text(raw)
    if not text:
        flag(col.ID, "MISSING_FIELD", column=col.ID)
        return None
    checked = check_id(text, as_of)
    for code in checked.problems:
        flag(col.ID, code, **checked.params(code))
    if not checked.valid or passed is None:
        return None
    return ReviewRow(
        file,
        sheet.name,
        number,
        checked.number,
        _text(sheet.get(row, col.NAME)),
        passed,
        cell_text(sheet.get(row, REASON)).strip(),
    )


class _Rejected(Exception):
    """The file has errors: roll the command's transaction back, keep the findings."""


def import_review(
    ledger: Ledger,
    year: int,
    path: Path,
    *,
    operator: str = "",
    arguments: dict[str, Any] | None = None,
    at: str | None = None,
) -> ReviewResult:
    """Apply the province's review file to ``year``'s funded list (see the module)."""
    result = ReviewResult(year, path.name)
    try:
        with ledger.run("aid review import", arguments or {}, [path]) as run:
            a = read_allocation(run.conn, year)
            result.allocation = a
            refuse_finalized(a)
            rows, result.findings = read_review(path, a.as_of)
            result.rows = len(rows)
            rejected = _check_rows(a, rows, result)
            result.findings = _in_file_order(result.findings, rows)
            if result.has_errors:
                raise _Rejected
            entries = {e.id_number: e for e in a.funded}
            people = [entries[r.number] for r in rejected]
            cancel = cash_to_cancel(run.conn, a, people)
            when, by = at or now_text(), operator or default_operator()
            for r, e in zip(rejected, people, strict=True):
                result.withdrawals.append(
                    withdraw_entry(
                        run.conn,
                        run.id,
                        a,
                        e,
                        reason=REVIEW_REASON,
                        note=r.reason,
                        operator=by,
                        at=when,
                        backfill=True,
                        cancel=cancel.get(e.seq, []),
                    )
                )
            run.result = {k: v for k, v in result.as_json().items() if k != "findings"}
    except _Rejected:
        pass
    return result


def _in_file_order(findings: list[PayFinding], rows: list[ReviewRow]) -> list[PayFinding]:
    """Findings by sheet (in the file's order) and row, as validate lists them."""
    order: dict[str, int] = {}
    for sheet in [*(f.sheet for f in findings), *(r.sheet for r in rows)]:
        order.setdefault(sheet, len(order))
    return sorted(findings, key=lambda f: (order[f.sheet], f.row or 0))


def _check_rows(a: Allocation, rows: list[ReviewRow], result: ReviewResult) -> list[ReviewRow]:
    """NOT_FUNDED findings and the counts; the 不通过 rows to apply, in file order."""
    funded = {e.id_number for e in a.funded}
    withdrawn = {a.entry(c.seq).id_number for c in a.changes if c.kind == "withdrawn"} - funded
    named: set[str] = set()
    rejected: list[ReviewRow] = []
    for r in rows:
        named.add(r.number)
        if r.number in withdrawn:
            result.already += not r.passed
            continue
        if r.number not in funded:
            result.findings.append(
                PayFinding(
                    r.file,
                    r.sheet,
                    r.row,
                    col.ID,
                    "NOT_FUNDED",
                    {
                        "name": mask_name(r.name) or "（姓名空白）",
                        "tail": r.number[-4:],
                        "year": a.year,
                    },
                )
            )
        elif r.passed:
            result.passed += 1
        elif all(x.number != r.number for x in rejected):
            rejected.append(r)
    result.not_in_file = len(funded - named)
    return rejected
