"""A file of corrected accounts, read the same way for both campaigns.

``aid accounts update`` (keyed by 身份证号) and ``wishes accounts update`` (keyed by
心愿编号) take a workbook of new 账号, optional 户名 and 开户银行 per payee. The header
search, the findings on the account (PRECISION_LOST for a number cell, MISSING_FIELD,
the account codes with its shape but never its digits) and the outcome's shape are
this module's; what a key is and how it is checked is the caller's (``KeyCheck``).
Nothing of a file is recorded while it has an error: the caller checks ``has_errors``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.aid.rules import stored_as_number
from zjk_charity.findings import Finding, Severity
from zjk_charity.ids import account_problem, mask_account, normalise_account
from zjk_charity.payments.codes import PayFinding
from zjk_charity.text import squash
from zjk_charity.workbook.reader import Cell, ColumnSpec, Sheet, cell_text, read_table

HOLDER, BANK = "户名", "开户银行"

# flag(column, code, params): one finding on the row being read.
Flag = Callable[[str, str, dict[str, Any]], None]
# The payee's key from its cell, or None after flagging what is wrong with it.
KeyCheck = Callable[[Cell, Flag], str | None]


@dataclass
class Corrections:
    """What a corrections file did: counts, findings, and notes for the clerk."""

    campaign: str
    updated: int = 0
    unchanged: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": [zh if lang == "zh" else en for zh, en in self.notes],
            "findings": [f.as_json(lang) for f in self.findings],
        }


@dataclass(frozen=True)
class CorrectionRow:
    """One usable row: the payee's key and the account as corrected."""

    key: str
    name: str  # 户名 as given ("" when blank: the caller keeps the current one)
    account: str
    bank: str
    file: str
    sheet: str
    row: int


@dataclass(frozen=True)
class Layout:
    """The columns of one campaign's corrections file."""

    columns: Sequence[ColumnSpec]
    key: str  # the key column (身份证号, 心愿编号), also the header search's anchor
    account: str  # the account column's canonical name
    holders: tuple[str, ...] = (HOLDER,)  # where the 户名 is read, the first non-blank


def read_corrections(
    path: Path, layout: Layout, check_key: KeyCheck, result: Corrections
) -> list[CorrectionRow]:
    """The usable rows of ``path``; every problem of a row becomes a finding instead."""
    table = read_table(path, layout.columns, layout.key)
    rows: list[CorrectionRow] = []
    for sheet in table.sheets:
        for name in sheet.missing:
            result.findings.append(
                PayFinding(
                    path.name,
                    sheet.name,
                    sheet.header_row,
                    name,
                    "COLUMN_MISSING",
                    {"column": name},
                )
            )
        if not sheet.missing:
            rows.extend(_sheet_rows(path, sheet, layout, check_key, result))
    return rows


def _sheet_rows(
    path: Path, sheet: Sheet, layout: Layout, check_key: KeyCheck, result: Corrections
) -> list[CorrectionRow]:
    found: list[CorrectionRow] = []
    for row in sheet.rows:
        where = (path.name, sheet.name, row.number)
        before = len(result.findings)

        def flag(column: str, code: str, params: dict[str, Any]) -> None:
            result.findings.append(PayFinding(*where, column, code, params))  # noqa: B023

        key = check_key(sheet.get(row, layout.key), flag)
        account = _account(sheet.get(row, layout.account), layout.account, flag)
        if key is None or account is None or _invalid(result.findings[before:]):
            continue
        names = (squash(cell_text(sheet.get(row, h))) for h in layout.holders)
        found.append(
            CorrectionRow(
                key,
                next((n for n in names if n), ""),
                account,
                squash(cell_text(sheet.get(row, BANK))),
                *where,
            )
        )
    return found


def _account(raw: Cell, column: str, flag: Flag) -> str | None:
    """The account's digits, or None after flagging; a checksum failure is a warning
    (some real cards fail it) and the row stays usable."""
    if stored_as_number(raw):
        flag(column, "PRECISION_LOST", {"column": column})
        return None
    account = normalise_account(cell_text(raw))
    if not account:
        flag(column, "MISSING_FIELD", {"column": column})
        return None
    problem = account_problem(account)
    if problem is not None:
        # The shape says what is wrong without repeating the number (as aid/rules.py).
        shape = f"{len(account)} 位数字" if account.isdigit() else "含非数字字符"
        flag(column, problem, {"shape": shape, "value": mask_account(account)})
    return account


def _invalid(findings: Sequence[Finding]) -> bool:
    """The row's own findings hold an error: it is not a usable correction."""
    return any(f.severity is Severity.ERROR for f in findings)
