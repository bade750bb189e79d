"""Amounts as people type them are read exactly, in fen; anything doubtful is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zjk_charity.errors import UserError
from zjk_charity.wishes.amounts import (
    NOT_POSITIVE,
    TOO_LARGE,
    TOO_PRECISE,
    UNREADABLE,
    parse_amount,
    setting_fen,
    to_decimal,
    yuan,
    yuan_grouped,
)


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        (300, 30000),
        (300.0, 30000),
        (300.1, 30010),
        (66.66, 6666),
        (300.29999999999995, 30030),  # a formula's binary noise; Excel shows 300.3
        ("300", 30000),
        ("1,000.50", 100050),
        ("12,345,678.90", 1234567890),
        ("￥300", 30000),
        ("¥ 300", 30000),
        ("300元", 30000),
        ("300.00 元", 30000),
        ("￥1,000.50元", 100050),
        ("人民币300元整", 30000),
        ("１，０００．５０", 100050),  # full-width, NFKC
        ("300.100", 30010),  # trailing zeros are not a third decimal
        ("2万元", 2000000),
        ("1.5万", 1500000),
        ("叁佰元整", 30000),
        ("壹万贰仟叁佰肆拾伍元陆角柒分", 1234567),
        ("人民币壹佰元零伍分", 10005),
        ("壹仟零伍拾元", 105000),
        ("拾元", 1000),
        ("壹拾元整", 1000),
        ("伍角", 50),
        ("叁佰", 30000),
        ("贰万元整", 2000000),
        ("贰亿叁仟万元", 23000000000),
        ("三百元", 30000),
        ("两千元", 200000),
    ],
)
def test_amounts_read_exactly(cell: object, fen: int) -> None:
    assert parse_amount(cell) == fen


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("abc", UNREADABLE),
        ("三百块", UNREADABLE),
        ("1,00", UNREADABLE),  # not a thousands group: maybe a decimal comma
        ("1.000,50", UNREADABLE),
        ("叁叁佰", UNREADABLE),
        ("佰叁", UNREADABLE),
        ("壹万拾元", UNREADABLE),
        ("元", UNREADABLE),
        ("壹佰元零伍", UNREADABLE),
        ("1e3", UNREADABLE),
        ("", UNREADABLE),
        (True, UNREADABLE),
        (float("nan"), UNREADABLE),
        (float("inf"), UNREADABLE),
        (0, NOT_POSITIVE),
        ("0.00", NOT_POSITIVE),
        ("-300", NOT_POSITIVE),
        ("零元", NOT_POSITIVE),
        ("300.125", TOO_PRECISE),
        (300.123, TOO_PRECISE),
        ("0.001", TOO_PRECISE),
        ("20000000000", TOO_LARGE),
    ],
)
def test_doubtful_amounts_are_refused_with_a_reason(cell: object, problem: object) -> None:
    assert parse_amount(cell) == problem


def test_money_text() -> None:
    assert yuan(30000) == "300.00"
    assert yuan(5) == "0.05"
    assert yuan(-150) == "-1.50"
    assert yuan_grouped(123456789) == "1,234,567.89"
    assert to_decimal(19029841) == Decimal("190298.41")


def test_standard_amount_setting() -> None:
    assert setting_fen(Decimal("300"), "wishes.standard_amount") == 30000
    with pytest.raises(UserError, match=r"wishes\.standard_amount"):
        setting_fen(Decimal("300.125"), "wishes.standard_amount")
    with pytest.raises(UserError):
        setting_fen(Decimal("0"), "wishes.standard_amount")


# ---- properties ---------------------------------------------------------------------
_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _section(n: int) -> str:
    """0 < n < 10000 in financial numerals, with 零 for gaps (壹仟零伍拾)."""
    out, zero = "", False
    for unit, size in (("仟", 1000), ("佰", 100), ("拾", 10), ("", 1)):
        digit = n // size % 10
        if digit:
            if zero and out:
                out += "零"
            out += _DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def chinese(fen: int) -> str:
    """Fen as a cheque writes it: 壹万贰仟叁佰肆拾伍元陆角柒分, 叁佰元整."""
    whole, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    parts = []
    for size, mark in ((100_000_000, "亿"), (10_000, "万"), (1, "")):
        section = whole // size % 10_000 if size < 100_000_000 else whole // size
        if section:
            parts.append(_section(section) + mark)
        elif parts and whole % size:
            parts.append("零")
    text = "".join(parts)
    if text:
        text += "元"
    if not jiao and not cents:
        return text + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if cents:
        text += _DIGITS[cents] + "分"
    return text


@given(st.integers(min_value=1, max_value=10**12))
def test_chinese_numerals_read_back_exactly(fen: int) -> None:
    assert parse_amount(chinese(fen)) == fen


@given(st.integers(min_value=1, max_value=10**12))
def test_typed_forms_read_back_exactly(fen: int) -> None:
    text = f"{fen // 100:,}.{fen % 100:02d}"
    for form in (text, f"￥{text}", f"{text}元", text.replace(",", "")):
        assert parse_amount(form) == fen


@given(st.integers(min_value=1, max_value=10**11))
def test_number_cells_read_back_exactly(fen: int) -> None:
    """A number cell holds the nearest double; 15 significant digits recover it."""
    assert parse_amount(fen / 100) == fen


def test_known_cheque_forms() -> None:
    assert chinese(1234567) == "壹万贰仟叁佰肆拾伍元陆角柒分"
    assert chinese(30000) == "叁佰元整"
    assert chinese(10005) == "壹佰元零伍分"
