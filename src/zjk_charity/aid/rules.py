"""The per-row checks of an application (aid.md, "Findings").

``check_row`` turns one workbook row into an :class:`Applicant` and its findings.
Each column has one small function; cross-row checks (DUPLICATE_PERSON,
HOUSEHOLD_SHARED) live in ``validation``, because they see the whole campaign.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

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
    phone_valid,
)
from zjk_charity.text import is_blank, nfkc, squash
from zjk_charity.workbook.reader import Cell, Row, Sheet, cell_text

_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class RowContext:
    file: str
    year: int
    as_of: date
    history: Mapping[str, list[int]]  # ID -> earlier years aided
    attachments: Attachments | None = None


class _Row:
    """One row being checked: cell access and finding collection."""

    def __init__(self, ctx: RowContext, sheet: Sheet, row: Row) -> None:
        self.ctx, self.sheet, self.row = ctx, sheet, row
        self.applicant = Applicant(
            file=ctx.file,
            sheet=sheet.name,
            sheet_index=sheet.index,
            row=row.number,
            cells=[cell_text(v) for v in row.values],
        )

    def raw(self, column: str) -> Cell:
        return self.sheet.get(self.row, column)

    def text(self, column: str) -> str:
        """The cell as text, NFKC-normalised and trimmed (inner spaces kept)."""
        value = self.raw(column)
        return "" if is_blank(value) else nfkc(cell_text(value)).strip()

    def key(self, column: str) -> str:
        """The cell as text with all whitespace removed: how values are compared."""
        return squash(cell_text(self.raw(column)))

    def flag(self, at: str | None, code: str, **params: Any) -> None:
        self.applicant.findings.append(
            Finding(self.ctx.file, self.sheet.name, self.row.number, at, code, params)
        )

    def required(self, column: str) -> str | None:
        """The key of a required cell, or None after flagging MISSING_FIELD."""
        value = self.key(column)
        if not value:
            self.flag(column, "MISSING_FIELD", column=column)
            return None
        return value


def _stored_as_number(value: Cell) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_SCIENTIFIC.match(squash(value)))


def _check_id(r: _Row) -> None:
    if _stored_as_number(r.raw(col.ID)):
        r.flag(col.ID, "PRECISION_LOST", column=col.ID)
        return
    text = r.required(col.ID)
    if text is None:
        return
    result = check_id(text, r.ctx.as_of)
    for code in result.problems:
        params: dict[str, Any] = {"length": len(result.number), "tail": result.number[-4:]}
        r.flag(col.ID, code, **params)
    if "ID_INVALID_FORMAT" in result.problems:
        return
    a = r.applicant
    a.id_number, a.birth_date, a.sex = result.number, result.birth_date, result.sex


def _check_county(r: _Row) -> None:
    value = r.required(col.COUNTY)
    if value is None:
        return
    county = counties.find_county(value)
    if county is None:
        r.flag(col.COUNTY, "UNKNOWN_COUNTY", value=value)
        return
    r.applicant.county_code, r.applicant.county = county.code, county.name


def _check_category(r: _Row) -> None:
    value = r.required("人员类别")
    if value is None or value in col.RURAL_TEKUN:
        return
    code = "NOT_RURAL" if value in col.URBAN_TEKUN else "NOT_TEKUN"
    r.flag("人员类别", code, value=value)


def _check_support(r: _Row) -> None:
    value = r.required("供养方式")
    if value is None or value in col.DISPERSED:
        return
    if value in col.CONCENTRATED:
        r.flag("供养方式", "NOT_DISPERSED", value=value)
    else:
        r.flag(
            "供养方式",
            "INVALID_VALUE",
            column="供养方式",
            value=value,
            allowed="分散供养、集中供养",
        )


def _check_care(r: _Row) -> None:
    value = r.key("生活自理能力")
    level = col.CARE_LEVELS.get(value)
    if level is None:
        r.flag("生活自理能力", "CARE_LEVEL_UNKNOWN", value=value or "空白")
        level = "自理"
    r.applicant.care_level = level


def _check_account(r: _Row) -> None:
    if _stored_as_number(r.raw(col.ACCOUNT)):
        r.flag(col.ACCOUNT, "PRECISION_LOST", column=col.ACCOUNT)
        return
    value = r.required(col.ACCOUNT)
    if value is None:
        return
    account = normalise_account(value)
    problem = account_problem(account)
    if problem:
        # The shape says what is wrong without repeating the number: "17 位数字" / "含字母".
        shape = f"{len(account)} 位数字" if account.isdigit() else "含非数字字符"
        r.flag(col.ACCOUNT, problem, shape=shape)
    if problem != "BANK_ACCOUNT_INVALID":
        r.applicant.account = account


def _check_certificate(r: _Row) -> None:
    value = r.text(col.CERTIFICATE)
    if not value:
        r.flag(col.CERTIFICATE, "CERTIFICATE_MISSING")
        return
    attachments = r.ctx.attachments
    if attachments is not None:
        reason = attachments.problem(value)
        if reason:
            r.flag(
                col.CERTIFICATE,
                "CERTIFICATE_NOT_FOUND",
                value=value,
                reason_zh=reason[0],
                reason_en=reason[1],
            )


def _check_stated_age_and_sex(r: _Row) -> None:
    a = r.applicant
    stated_sex = r.key("性别")
    if stated_sex:
        sex = col.SEXES.get(stated_sex)
        if sex is None:
            r.flag("性别", "INVALID_VALUE", column="性别", value=stated_sex, allowed="男、女")
        elif a.sex and sex != a.sex:
            r.flag("性别", "SEX_MISMATCH", stated=sex, computed=a.sex)
    stated_age = r.key("年龄").removesuffix("岁")
    if stated_age and a.birth_date:
        try:
            age = int(float(stated_age))
        except ValueError:
            r.flag("年龄", "INVALID_VALUE", column="年龄", value=stated_age, allowed="整数")
            return
        computed = age_on(a.birth_date, r.ctx.as_of)
        if abs(age - computed) > 1:
            r.flag("年龄", "AGE_MISMATCH", stated=age, computed=computed)


def _check_phone_and_date(r: _Row) -> None:
    phone = r.key("联系电话")
    if phone:
        if phone_valid(phone):
            r.applicant.phone = phone
        else:
            r.flag("联系电话", "PHONE_INVALID", value=phone)
    raw = r.raw("申请日期")
    if not is_blank(raw):
        day = parse_date(raw)
        if day is None:
            r.flag("申请日期", "DATE_INVALID", value=cell_text(raw).strip())
        r.applicant.apply_date = day


def _check_repeat(r: _Row) -> None:
    a = r.applicant
    years = sorted({y for y in r.ctx.history.get(a.id_number or "", []) if y < r.ctx.year})
    stated = r.text("往年受助年份")
    a.prior_years = stated
    if years or stated:
        named = [f"{y}年" for y in years]
        if stated and not any(str(y) in stated for y in years):
            named.append(stated)
        r.flag("往年受助年份" if stated else col.ID, "REPEAT_RECIPIENT", years="、".join(named))


def _fill_plain(r: _Row) -> None:
    a = r.applicant
    a.name = r.key(col.NAME)
    a.township = r.text("乡镇(街道)")
    a.village = r.text("村(社区)")
    a.household = r.key("户号")
    a.bank = r.text("开户银行")
    a.exception_note = r.text("特殊情况说明")


CHECKS = (
    _check_county,
    _check_id,
    _check_category,
    _check_support,
    _check_care,
    _check_account,
    _check_certificate,
    _check_stated_age_and_sex,
    _check_phone_and_date,
    _check_repeat,
)


def check_row(ctx: RowContext, sheet: Sheet, row: Row) -> Applicant:
    """One applicant with every finding of its own row (cross-row checks come later)."""
    r = _Row(ctx, sheet, row)
    _fill_plain(r)
    r.required(col.NAME)
    for check in CHECKS:
        check(r)
    return r.applicant
