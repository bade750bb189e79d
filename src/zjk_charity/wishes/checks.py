"""The checks of one row of a wishes or donations workbook (wishes.md, "Findings").

A row becomes a :class:`Wish` or :class:`Donation` and its findings; a row with an error
becomes no record. Checks that look across rows and at the ledger (DUPLICATE_WISH,
DUPLICATE_CHILD, DUPLICATE_DONATION) are in ``importing``.

Decisions where wishes.md is silent:

- An unreadable required date (登记日期, 到账日期) is INVALID_VALUE: the date orders the
  matching, so it cannot be a mere warning like aid's DATE_INVALID.
- The child's age is taken on the 登记日期, and an ID birth date after the 登记日期 is
  ID_BAD_BIRTHDATE.
- 收款账号 is only checked for PRECISION_LOST (a number cell has lost digits); its form
  is not checked, as wishes.md lists no account codes. Spaces and hyphens are removed.
- A donor left blank, or written with 匿名 in it (匿名爱心人士), is stored as 匿名, so all
  anonymous gifts are one donor in the receipts.
- Goods not designated to a wish get INKIND_UNDESIGNATED even when 定向类别 or 定向县区
  is filled: only a wish can receive goods.
- A gift with 定向心愿 goes to that wish; its 定向类别 / 定向县区, if also filled, are
  kept but play no part (step 1 of the rule knows only the wish).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from zjk_charity import counties
from zjk_charity.dates import parse_date
from zjk_charity.findings import Finding, Severity
from zjk_charity.ids import age_on, check_id, normalise_account, normalise_phone
from zjk_charity.text import is_blank, nfkc, squash
from zjk_charity.wishes import columns as col
from zjk_charity.wishes.amounts import AmountProblem, Fen, parse_amount
from zjk_charity.wishes.codes import WishFinding
from zjk_charity.wishes.model import Donation, Source, Wish
from zjk_charity.workbook.reader import Cell, Row, Sheet, cell_text

T = TypeVar("T")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
DATE_EXAMPLE = "2025-03-21、2025/3/21、2025年3月21日"
MAX_VALUE_SHOWN = 40


@dataclass
class CheckedRow(Generic[T]):
    """One data row: its record (None when it has an error) and its findings."""

    path: str  # the file as the user gave it, as findings name it
    source: Source
    record: T | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def has_warning(self) -> bool:
        return any(f.severity is Severity.WARNING for f in self.findings)


class _RowReader:
    """The cells of one row, read as the columns expect, with the findings they raise."""

    def __init__(self, path: str, sheet: Sheet, row: Row) -> None:
        self.path, self.sheet, self.row = path, sheet, row
        self.findings: list[Finding] = []

    def flag(self, column: str, code: str, /, **params: Any) -> None:
        self.findings.append(
            WishFinding(self.path, self.sheet.name, self.row.number, column, code, params)
        )

    def cell(self, column: str) -> Cell:
        return self.sheet.get(self.row, column)

    def key(self, column: str) -> str:
        """NFKC text without any whitespace: codes, names, IDs, choices."""
        return squash(cell_text(self.cell(column)))

    def text(self, column: str) -> str:
        """NFKC text, trimmed, inner spaces kept: free text such as 心愿内容."""
        value = self.cell(column)
        return "" if is_blank(value) else nfkc(cell_text(value)).strip()

    def required(self, column: str, value: str) -> str:
        if not value:
            self.flag(column, "MISSING_FIELD", column=column)
        return value

    def choice(
        self, column: str, accepted: Mapping[str, str], default: str | None, allowed: str
    ) -> str | None:
        """The canonical value of a choice cell; blank → ``default`` (None: required)."""
        key = self.key(column)
        if not key:
            if default is None:
                self.flag(column, "MISSING_FIELD", column=column)
            return default
        found = accepted.get(key)
        if found is None:
            self.flag(column, "INVALID_VALUE", column=column, value=_shown(key), allowed=allowed)
        return found

    def county(self, column: str, required: bool) -> counties.County | None:
        key = self.key(column)
        if not key:
            if required:
                self.flag(column, "MISSING_FIELD", column=column)
            return None
        found = counties.find_county(key)
        if found is None:
            self.flag(column, "UNKNOWN_COUNTY", value=_shown(key))
        return found

    def day(self, column: str) -> date | None:
        value = self.cell(column)
        if is_blank(value):
            self.flag(column, "MISSING_FIELD", column=column)
            return None
        found = _judged_date(type(value).__name__, value)
        if found is None:
            shown = _shown(cell_text(value).strip())
            self.flag(column, "INVALID_VALUE", column=column, value=shown, allowed=DATE_EXAMPLE)
        return found

    def amount(self, column: str, default: Fen | None) -> Fen | None:
        value = self.cell(column)
        if is_blank(value):
            if default is None:
                self.flag(column, "MISSING_FIELD", column=column)
            return default
        found = _judged_amount(type(value).__name__, value)
        if isinstance(found, AmountProblem):
            shown = _shown(cell_text(value).strip())
            self.flag(column, "AMOUNT_INVALID", value=shown, reason_zh=found.zh, reason_en=found.en)
            return None
        return found

    def stored_as_number(self, column: str) -> bool:
        """True (and PRECISION_LOST) when an ID or account was typed as a number."""
        value = self.cell(column)
        if isinstance(value, bool):
            return False
        lost = isinstance(value, int | float) or (
            isinstance(value, str) and bool(_SCIENTIFIC.match(squash(value)))
        )
        if lost:
            self.flag(column, "PRECISION_LOST", column=column)
        return lost

    def child_id(self, registered: date | None) -> tuple[str, date] | None:
        """The child's normalised ID and birth date, or None when unusable."""
        if self.stored_as_number(col.ID):
            return None
        text = self.required(col.ID, self.key(col.ID))
        if not text:
            return None
        checked = check_id(text, registered or date.max)
        for code in checked.problems:
            self.flag(col.ID, code, **checked.params(code))
        if not checked.valid or checked.birth_date is None:
            return None
        return checked.number, checked.birth_date


@lru_cache(maxsize=4096)
def _judged_date(kind: str, value: Cell) -> date | None:
    """``parse_date`` once per distinct cell, keyed with its type (``1 == 1.0 == True``)."""
    return parse_date(value)


@lru_cache(maxsize=4096)
def _judged_amount(kind: str, value: Cell) -> Fen | AmountProblem:
    return parse_amount(value)


@lru_cache(maxsize=64)
def _file_name(path: str) -> str:
    return Path(path).name


def _shown(text: str) -> str:
    """A cell's text for a message, cut short."""
    return text if len(text) <= MAX_VALUE_SHOWN else text[: MAX_VALUE_SHOWN - 1] + "…"


_CATEGORY_ALLOWED = "、".join(col.CATEGORY_NAMES)
_KIND_ALLOWED = "资金、物资"


def check_wish(path: str, sheet: Sheet, row: Row, standard: Fen) -> CheckedRow[Wish]:
    """One row of a wishes workbook; a blank 金额 is the standard amount."""
    r = _RowReader(path, sheet, row)
    wish_id = r.required(col.WISH_ID, r.key(col.WISH_ID))
    county = r.county(col.COUNTY, required=True)
    name = r.required(col.CHILD, r.key(col.CHILD))
    registered = r.day(col.REGISTERED)
    child = r.child_id(registered)
    category = r.choice(col.CATEGORY, col.CATEGORIES, None, _CATEGORY_ALLOWED)
    kind = r.choice(col.WISH_KIND, col.KINDS, col.CASH, _KIND_ALLOWED)
    content = r.required(col.CONTENT, r.text(col.CONTENT))
    amount = r.amount(col.AMOUNT, standard)
    account = "" if r.stored_as_number(col.ACCOUNT) else normalise_account(r.key(col.ACCOUNT))
    if child and registered:
        _check_age(r, age_on(child[1], registered), category)
    source = Source(_file_name(path), sheet.name, row.number)
    if any(f.severity is Severity.ERROR for f in r.findings):
        return CheckedRow(path, source, None, r.findings)
    assert county and child and registered and category and kind and amount
    wish = Wish(
        wish_id,
        county.code,
        county.name,
        name,
        child[0],
        child[1],
        category,
        kind,
        content,
        amount,
        registered,
        r.key(col.GUARDIAN),
        normalise_phone(r.key(col.PHONE)),
        account,
    )
    return CheckedRow(path, source, wish, r.findings)


def _check_age(r: _RowReader, age: int, category: str | None) -> None:
    if age >= col.CHILD_AGE_LIMIT:
        r.flag(col.ID, "CHILD_TOO_OLD", age=age)
    elif category == col.LEFT_BEHIND and age >= col.LEFT_BEHIND_AGE_LIMIT:
        r.flag(col.CATEGORY, "LEFT_BEHIND_TOO_OLD", age=age)


def donor_name(text: str) -> str:
    """The donor as receipts group them: blank or 匿名… is 匿名."""
    return col.ANONYMOUS if not text or col.ANONYMOUS in text else text


def check_donation(
    path: str, sheet: Sheet, row: Row, wish_exists: Callable[[str], bool]
) -> CheckedRow[Donation]:
    """One row of a donations workbook; ``wish_exists`` answers for 定向心愿."""
    r = _RowReader(path, sheet, row)
    donation_id = r.required(col.DONATION_ID, r.key(col.DONATION_ID))
    kind = r.choice(col.DONATION_KIND, col.KINDS, col.CASH, _KIND_ALLOWED)
    amount = r.amount(col.AMOUNT, None)
    wish_id = r.key(col.FOR_WISH) or None
    if wish_id is not None and not wish_exists(wish_id):
        r.flag(col.FOR_WISH, "UNKNOWN_WISH", value=_shown(wish_id))
    category = r.choice(col.FOR_CATEGORY, col.CATEGORIES, "", _CATEGORY_ALLOWED) or None
    county = r.county(col.FOR_COUNTY, required=False)
    received = r.day(col.RECEIVED)
    if kind == col.GOODS_KIND and wish_id is None:
        r.flag(col.FOR_WISH, "INKIND_UNDESIGNATED")
    source = Source(_file_name(path), sheet.name, row.number)
    if any(f.severity is Severity.ERROR for f in r.findings):
        return CheckedRow(path, source, None, r.findings)
    assert kind and amount and received
    donation = Donation(
        donation_id,
        donor_name(r.text(col.DONOR)),
        kind,
        amount,
        received,
        r.text(col.GOODS),
        wish_id,
        category,
        county.code if county else None,
        county.name if county else None,
        r.text(col.NOTE),
    )
    return CheckedRow(path, source, donation, r.findings)
