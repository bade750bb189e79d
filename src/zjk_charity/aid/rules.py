"""The per-row checks of an application (aid.md, "Findings").

``check_sheet`` turns every row of a sheet into an :class:`Applicant` with its findings;
``check_row`` does it for one row. Cross-row checks (DUPLICATE_PERSON,
HOUSEHOLD_SHARED) live in ``validation``, because they see the whole campaign.

Speed (issue 6): a province sends 100,000 rows in which most columns repeat a handful
of values (19 counties, two categories, three care levels, a few banks and dates). So
each such column is judged once per distinct value (:class:`_Memo`) and a sheet is
worked column by column into lists; only the ID, the account and the phone are checked
cell by cell. The findings of a row keep the order the rules
were written in (name, county, ID, category, support, care level, account, account
holder, certificate, sex, age, phone, date, repeat), which the marked-up workbook lists
them in. The optional 户名 column (ACCOUNT_HOLDER_MISMATCH) is read only when the sheet
has it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any, Generic, TypeVar

from zjk_charity import counties
from zjk_charity.aid import columns as col
from zjk_charity.aid.attachments import Attachments
from zjk_charity.aid.model import Applicant
from zjk_charity.dates import parse_date
from zjk_charity.findings import Finding
from zjk_charity.ids import (
    account_problem,
    age_on,
    check_id,
    normalise_account,
    normalise_phone,
    phone_valid,
    quick_account,
    quick_id,
)
from zjk_charity.text import is_blank, nfkc, squash
from zjk_charity.workbook.reader import Cell, Row, Sheet, cell_text

_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
_T = TypeVar("_T")


@dataclass(frozen=True)
class RowContext:
    file: str
    year: int
    as_of: date
    history: Mapping[str, list[int]]  # ID -> earlier years aided
    attachments: Attachments | None = None


class _Memo(dict[Any, _T], Generic[_T]):
    """``judge(value)`` per distinct cell value, computed on first sight.

    Text cells are their own key; other cells are keyed with their type, because
    ``1 == 1.0 == True`` would otherwise share an answer ("1" vs "是").
    """

    def __init__(self, judge: Callable[[Cell], _T]) -> None:
        super().__init__()
        self._judge = judge

    def __missing__(self, key: Any) -> _T:
        result = self[key] = self._judge(key if type(key) is str else key[1])
        return result

    def column(self, values: Sequence[Cell]) -> list[_T]:
        """The judgement of every value, in order."""
        if set(map(type, values)) <= {str}:
            return list(map(self.__getitem__, values))  # the common case, without a Python loop
        return [self[v] if type(v) is str else self[(type(v), v)] for v in values]


def _key(value: Cell) -> str:
    """The cell as text with all whitespace removed: how values are compared."""
    return squash(cell_text(value))


def _text(value: Cell) -> str:
    """The cell as text, NFKC-normalised and trimmed (inner spaces kept)."""
    return "" if is_blank(value) else nfkc(cell_text(value)).strip()


def stored_as_number(value: Cell) -> bool:
    """A cell Excel holds as a number (or its scientific text, 6.22848E+18): an ID or an
    account in it has lost digits (PRECISION_LOST)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    if value.isascii() and "E" not in value and "e" not in value:
        return False  # the pattern needs an E, and NFKC leaves ASCII as it is
    return bool(_SCIENTIFIC.match(squash(value)))


def _county(value: Cell) -> tuple[str, counties.County | None]:
    key = _key(value)
    return key, counties.find_county(key) if key else None


def _category(value: Cell) -> tuple[str, str | None]:
    """The key and the finding code (MISSING_FIELD, NOT_RURAL, NOT_TEKUN) or None."""
    key = _key(value)
    if not key:
        return key, "MISSING_FIELD"
    if key in col.RURAL_TEKUN:
        return key, None
    return key, "NOT_RURAL" if key in col.URBAN_TEKUN else "NOT_TEKUN"


def _support(value: Cell) -> tuple[str, str | None]:
    """The key and the finding code (MISSING_FIELD, NOT_DISPERSED, INVALID_VALUE) or None."""
    key = _key(value)
    if not key:
        return key, "MISSING_FIELD"
    if key in col.DISPERSED:
        return key, None
    return key, "NOT_DISPERSED" if key in col.CONCENTRATED else "INVALID_VALUE"


def _household(value: Cell) -> str:
    """``_key`` of a 户号, which is mostly unique: plain ASCII skips the memo."""
    if type(value) is str and value.isascii() and value.isalnum():
        return value
    return _key(value)


def _stated_age(value: Cell) -> str:
    """The stated age as typed, without 岁."""
    return _key(value).removesuffix("岁")


def _years(stated: str) -> int | None:
    """The stated age as a number, or None when it is not one.

    None (reported as an INVALID_VALUE age, like "八十") also for a number that cannot be
    compared with the age from the ID: inf, nan, or 1e400 and 400 nines, which float reads
    as inf. Any finite number is compared, so 999 is an AGE_MISMATCH warning, as aid.md
    defines it, not an error that would make the row ineligible.
    """
    try:
        years = float(stated)
    except ValueError:
        return None
    if not math.isfinite(years):
        return None
    return int(years)


def _day(value: Cell) -> tuple[bool, date | None, str]:
    """Whether the cell is blank, the date it holds, and its text for DATE_INVALID."""
    if is_blank(value):
        return True, None, ""
    return False, parse_date(value), cell_text(value).strip()


_Judged = tuple[Any, ...]


class _SheetChecker:
    """The columns of one sheet, judged once per distinct value, then row by row.

    The common case of each per-cell check (a clean 18-digit ID, a clean card number, an
    11-digit mobile) is decided inline; anything else goes through the full rule, which
    also writes the findings.
    """

    def __init__(self, ctx: RowContext, sheet: Sheet) -> None:
        self.ctx, self.sheet = ctx, sheet
        self.file, self.name, self.index = ctx.file, sheet.name, sheet.index
        self.as_of, self.history = ctx.as_of, ctx.history
        folder = ctx.attachments
        self.years = _Memo(lambda v: _years(str(v)))
        self.certificate_problem = _Memo(
            lambda v: folder.problem(str(v)) if folder is not None else None
        )

    def columns(self, rows: Sequence[Row]) -> Callable[[str | int], list[Cell]]:
        """A function from a column (name or position) to its cells (None where absent)."""
        lines = [r.values for r in rows]
        width = max(self.sheet.columns.values(), default=-1) + 1
        if any(len(line) < width for line in lines):  # only rows built by hand
            lines = [[*line, *[None] * (width - len(line))] for line in lines]
        extracted: dict[int, list[Cell]] = {}

        def cells(column: str | int) -> list[Cell]:
            position = self.sheet.columns.get(column) if isinstance(column, str) else column
            if position is None:
                return [None] * len(lines)
            if position not in extracted:
                extracted[position] = list(map(itemgetter(position), lines))
            return extracted[position]

        return cells

    @staticmethod
    def texts(rows: Sequence[Row], column: Callable[[str | int], list[Cell]]) -> list[list[str]]:
        """Every row's cells as ``cell_text`` shows them, converted column by column.

        Most columns hold only text, which is its own text: a row is copied, and only the
        cells of columns with numbers or dates are converted.
        """
        widths = {len(r.values) for r in rows}
        if len(widths) != 1:
            return [[cell_text(v) for v in r.values] for r in rows]
        texts: list[list[Any]] = [r.values.copy() for r in rows]
        for position in range(widths.pop()):
            cells = column(position)
            if set(map(type, cells)) <= {str}:
                continue
            for line, text in zip(texts, map(cell_text, cells), strict=True):
                line[position] = text
        return texts

    def check(self, rows: Sequence[Row]) -> list[Applicant]:
        column = self.columns(rows)
        judged = zip(
            rows,
            self.texts(rows, column),
            _Memo(_key).column(column(col.NAME)),
            _Memo(_county).column(column(col.COUNTY)),
            column(col.ID),
            _Memo(_category).column(column("人员类别")),
            _Memo(_support).column(column("供养方式")),
            _Memo(_key).column(column("生活自理能力")),
            column(col.ACCOUNT),
            _Memo(_text).column(column(col.CERTIFICATE)),
            _Memo(_key).column(column("性别")),
            _Memo(_stated_age).column(column("年龄")),
            column("联系电话"),
            _Memo(_day).column(column("申请日期")),
            _Memo(_text).column(column("往年受助年份")),
            _Memo(_text).column(column("乡镇(街道)")),
            _Memo(_text).column(column("村(社区)")),
            [_household(v) for v in column("户号")],
            _Memo(_text).column(column("开户银行")),
            _Memo(_text).column(column("特殊情况说明")),
            self.holders(rows, column),
            strict=True,
        )
        return [self.applicant(cells) for cells in judged]

    def holders(self, rows: Sequence[Row], column: Callable[[str | int], list[Cell]]) -> list[str]:
        """The optional 户名 column as compared with the name (whitespace and full-width
        forms folded, like the name); blanks where the sheet has no such column."""
        if col.HOLDER not in self.sheet.columns:
            return [""] * len(rows)
        return _Memo(_key).column(column(col.HOLDER))

    def applicant(self, judged: _Judged) -> Applicant:
        """One row's applicant and its findings, in the order the rules run."""
        (
            row,
            texts,
            name,
            county,
            id_cell,
            category,
            support,
            care,
            account_cell,
            certificate,
            sex_key,
            age_key,
            phone_cell,
            day,
            prior,
            township,
            village,
            household,
            bank,
            note,
            holder,
        ) = judged
        number = row.number
        findings: list[Finding] = []
        if not name:
            self.flag(findings, number, col.NAME, "MISSING_FIELD", column=col.NAME)
        key, found = county
        if found is None:
            self.county_problem(findings, number, key)
        checked = quick_id(id_cell, self.as_of) if type(id_cell) is str else None
        id_number, born, sex = checked or self.id_number(findings, number, id_cell)
        if category[1]:
            self.category_problem(findings, number, category)
        if support[1]:
            self.support_problem(findings, number, support)
        level = col.CARE_LEVELS.get(care)
        if level is None:
            self.flag(findings, number, "生活自理能力", "CARE_LEVEL_UNKNOWN", value=care or "空白")
            level = "自理"
        if type(account_cell) is str and quick_account(account_cell):
            account = account_cell
        else:
            account = self.account(findings, number, account_cell)
        if holder and name and holder != name:
            self.flag(
                findings, number, col.HOLDER, "ACCOUNT_HOLDER_MISMATCH", holder=holder, name=name
            )
        if not certificate or self.certificate_problem[certificate]:
            self.certificate(findings, number, certificate)
        if (sex_key and sex_key != sex) or (age_key and born):
            self.sex_and_age(findings, number, sex_key, age_key, sex, born)
        if type(phone_cell) is str and len(phone_cell) == 11 and phone_cell[0] == "1":
            phone = phone_cell if phone_cell.isascii() and phone_cell.isdigit() else ""
        else:
            phone = ""
        if not phone:
            phone = self.phone(findings, number, phone_cell)
        blank, apply_date, typed = day
        if not blank and apply_date is None:
            self.flag(findings, number, "申请日期", "DATE_INVALID", value=typed)
        if prior or self.history.get(id_number or ""):
            self.repeat(findings, number, id_number, prior)
        return Applicant(
            file=self.file,
            sheet=self.name,
            sheet_index=self.index,
            row=number,
            cells=texts,
            county_code=found.code if found else None,
            county=found.name if found else None,
            township=township,
            village=village,
            name=name,
            id_number=id_number,
            birth_date=born,
            sex=sex,
            household=household,
            care_level=level,
            bank=bank,
            account=account,
            phone=phone,
            apply_date=apply_date,
            prior_years=prior,
            exception_note=note,
            findings=findings,
        )

    def flag(self, findings: list[Finding], row: int, at: str, code: str, /, **params: Any) -> None:
        findings.append(Finding(self.file, self.name, row, at, code, params))

    def county_problem(self, findings: list[Finding], row: int, key: str) -> None:
        if not key:
            self.flag(findings, row, col.COUNTY, "MISSING_FIELD", column=col.COUNTY)
        else:
            self.flag(findings, row, col.COUNTY, "UNKNOWN_COUNTY", value=key)

    def id_number(
        self, findings: list[Finding], row: int, value: Cell
    ) -> tuple[str | None, date | None, str | None]:
        """The ID, birth date and sex of any ID cell, with its findings."""
        if stored_as_number(value):
            self.flag(findings, row, col.ID, "PRECISION_LOST", column=col.ID)
            return None, None, None
        text = _key(value)
        if not text:
            self.flag(findings, row, col.ID, "MISSING_FIELD", column=col.ID)
            return None, None, None
        result = check_id(text, self.ctx.as_of)
        for code in result.problems:
            self.flag(findings, row, col.ID, code, **result.params(code))
        if "ID_INVALID_FORMAT" in result.problems:
            return None, None, None
        return result.number, result.birth_date, result.sex

    def category_problem(
        self, findings: list[Finding], row: int, judged: tuple[str, str | None]
    ) -> None:
        key, code = judged
        if code == "MISSING_FIELD":
            self.flag(findings, row, "人员类别", code, column="人员类别")
        elif code:
            self.flag(findings, row, "人员类别", code, value=key)

    def support_problem(
        self, findings: list[Finding], row: int, judged: tuple[str, str | None]
    ) -> None:
        key, code = judged
        if code == "MISSING_FIELD":
            self.flag(findings, row, "供养方式", code, column="供养方式")
        elif code == "NOT_DISPERSED":
            self.flag(findings, row, "供养方式", code, value=key)
        elif code:
            allowed = "分散供养、集中供养"
            self.flag(
                findings,
                row,
                "供养方式",
                "INVALID_VALUE",
                column="供养方式",
                value=key,
                allowed=allowed,
            )

    def account(self, findings: list[Finding], row: int, value: Cell) -> str:
        """The account of any account cell ("" when unusable), with its findings."""
        if stored_as_number(value):
            self.flag(findings, row, col.ACCOUNT, "PRECISION_LOST", column=col.ACCOUNT)
            return ""
        key = _key(value)
        if not key:
            self.flag(findings, row, col.ACCOUNT, "MISSING_FIELD", column=col.ACCOUNT)
            return ""
        account = normalise_account(key)
        problem = account_problem(account)
        if problem:
            # The shape says what is wrong without repeating the number: "17 位数字" / "含字母".
            shape = f"{len(account)} 位数字" if account.isdigit() else "含非数字字符"
            self.flag(findings, row, col.ACCOUNT, problem, shape=shape)
        return "" if problem == "BANK_ACCOUNT_INVALID" else account

    def certificate(self, findings: list[Finding], row: int, value: str) -> None:
        if not value:
            self.flag(findings, row, col.CERTIFICATE, "CERTIFICATE_MISSING")
            return
        reason = self.certificate_problem[value]
        if reason:
            self.flag(
                findings,
                row,
                col.CERTIFICATE,
                "CERTIFICATE_NOT_FOUND",
                value=value,
                reason_zh=reason[0],
                reason_en=reason[1],
            )

    def sex_and_age(
        self,
        findings: list[Finding],
        row: int,
        stated_sex: str,
        stated_age: str,
        sex: str | None,
        born: date | None,
    ) -> None:
        if stated_sex:
            said = col.SEXES.get(stated_sex)
            if said is None:
                self.flag(
                    findings,
                    row,
                    "性别",
                    "INVALID_VALUE",
                    column="性别",
                    value=stated_sex,
                    allowed="男、女",
                )
            elif sex and said != sex:
                self.flag(findings, row, "性别", "SEX_MISMATCH", stated=said, computed=sex)
        if stated_age and born:
            years = self.years[stated_age]
            if years is None:
                self.flag(
                    findings,
                    row,
                    "年龄",
                    "INVALID_VALUE",
                    column="年龄",
                    value=stated_age,
                    allowed="整数",
                )
                return
            computed = _age_on(born, self.ctx.as_of)
            if abs(years - computed) > 1:
                self.flag(findings, row, "年龄", "AGE_MISMATCH", stated=years, computed=computed)

    def phone(self, findings: list[Finding], row: int, value: Cell) -> str:
        """The phone of any phone cell ("" when blank or unusable), with its finding."""
        phone = normalise_phone(cell_text(value))
        if not phone:
            return ""
        if phone_valid(phone):
            return phone
        self.flag(findings, row, "联系电话", "PHONE_INVALID", value=phone)
        return ""

    def repeat(self, findings: list[Finding], row: int, id_number: str | None, stated: str) -> None:
        ctx = self.ctx
        years = sorted({y for y in ctx.history.get(id_number or "", []) if y < ctx.year})
        if years or stated:
            named = [f"{y}年" for y in years]
            if stated and not any(str(y) in stated for y in years):
                named.append(stated)
            at = "往年受助年份" if stated else col.ID
            self.flag(findings, row, at, "REPEAT_RECIPIENT", years="、".join(named))


@lru_cache(maxsize=65536)
def _age_on(born: date, day: date) -> int:
    return age_on(born, day)


def check_sheet(
    ctx: RowContext, sheet: Sheet, rows: Sequence[Row] | None = None
) -> list[Applicant]:
    """The applicants of ``rows`` (default: every row of the sheet), each with its own findings."""
    return _SheetChecker(ctx, sheet).check(sheet.rows if rows is None else rows)


def check_row(ctx: RowContext, sheet: Sheet, row: Row) -> Applicant:
    """One applicant with every finding of its own row (cross-row checks come later)."""
    return check_sheet(ctx, sheet, [row])[0]
