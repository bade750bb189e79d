"""The finding codes of wishes.md, beside the shared ones of ``zjk_charity.findings``.

They live here rather than in ``findings.CODES`` because that table is the contract of
aid.md (a test holds it equal to aid.md's list). :class:`WishFinding` is a
:class:`~zjk_charity.findings.Finding` that knows both tables, so findings of either kind
render, sort and serialise the same way. The shared codes (MISSING_FIELD,
PRECISION_LOST, ID_*, UNKNOWN_COUNTY, INVALID_VALUE, COLUMN_MISSING) keep their aid.md
meaning and messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from zjk_charity.findings import CODES, Code, Finding, Severity, format_message

E, W = Severity.ERROR, Severity.WARNING

WISH_CODES: dict[str, Code] = {
    "DUPLICATE_WISH": Code(
        E,
        "心愿编号“{value}”已在{where}使用，内容不同；请换一个编号，或核对哪一行是对的",
        "wish number '{value}' is already used ({where_en}) with different content; "
        "give it a new number or check which row is right",
    ),
    "DUPLICATE_CHILD": Code(
        E,
        "该儿童 {year} 年已有未实现的心愿 {wish}（{where}），同一年度只能有一个未实现的心愿",
        "this child already has an open wish in {year}: {wish} ({where_en})",
    ),
    "CHILD_TOO_OLD": Code(
        E,
        "登记日期时已满 {age} 周岁；微心愿只面向未满 18 周岁的儿童",
        "{age} years old on the registration date; wishes are for children under 18",
    ),
    "LEFT_BEHIND_TOO_OLD": Code(
        W,
        "农村留守儿童应未满 16 周岁，登记日期时已满 {age} 周岁；请核对困境类别",
        "rural left-behind children are under 16; this child was {age}: check the category",
    ),
    "AMOUNT_INVALID": Code(
        E,
        "金额“{value}”{reason_zh}；请填写如 300、1,000.50 或 叁佰元整",
        "amount '{value}' {reason_en}; write it as 300, 1,000.50 or 叁佰元整",
    ),
    "DUPLICATE_DONATION": Code(
        E,
        "捐赠编号“{value}”已在{where}使用，内容不同；请换一个编号，或核对哪一行是对的",
        "donation number '{value}' is already used ({where_en}) with different content",
    ),
    "UNKNOWN_WISH": Code(
        E,
        "定向心愿“{value}”不存在；请先导入该心愿，或核对心愿编号",
        "designated wish '{value}' does not exist; import the wish first or check the number",
    ),
    "INKIND_UNDESIGNATED": Code(
        W,
        "物资捐赠未指定心愿：单独保管，不参与自动匹配，请人工安排去向",
        "goods not designated to a wish: kept aside, never matched automatically",
    ),
}

# The shared codes a wishes or donations workbook can raise (wishes.md, first lines).
SHARED_CODES: tuple[str, ...] = (
    "COLUMN_MISSING",
    "MISSING_FIELD",
    "PRECISION_LOST",
    "ID_INVALID_FORMAT",
    "ID_OLD_FORMAT",
    "ID_BAD_CHECKSUM",
    "ID_BAD_BIRTHDATE",
    "UNKNOWN_COUNTY",
    "INVALID_VALUE",
)


def code_spec(code: str) -> Code:
    """A code's severity and messages, from wishes.md or the shared table."""
    return WISH_CODES.get(code) or CODES[code]


@dataclass(frozen=True)
class WishFinding(Finding):
    """A finding of a wishes or donations workbook (its code may be a wishes.md one)."""

    @property
    def severity(self) -> Severity:
        return code_spec(self.code).severity

    def message(self, lang: str = "zh") -> str:
        return format_message(code_spec(self.code), self.params, lang)
