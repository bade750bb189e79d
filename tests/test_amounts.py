"""Amounts as people type them are read exactly, in fen; anything doubtful is refused."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import in_script, script_zeros
from zjk_charity.errors import UserError
from zjk_charity.wishes.amounts import (
    NOT_POSITIVE,
    SPACED,
    TOO_LARGE,
    TOO_PRECISE,
    UNREADABLE,
    ZERO_MISPLACED,
    ZERO_MISSING,
    AmountProblem,
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
        # properly written forms keep working (issue 15)
        ("壹仟零伍元", 100500),
        ("一百二十", 12000),
        ("一百零二", 10200),
        ("叁万伍仟", 3500000),
        ("三万零五", 3000500),
        ("壹佰元整", 10000),
        ("叁拾元零伍分", 3005),
        ("壹拾伍元零角伍分", 1505),
        ("壹拾万柒仟元", 10700000),  # 零 may be left out: 万位 0, 千位 not (支付结算办法)
        ("壹拾万零柒仟元", 10700000),  # ... or written
        ("壹佰元伍角", 10050),  # 元位 0, 角位 not: likewise
        ("壹亿零伍仟元", 10000500000),
        ("一千零十", 101000),  # 十 right after 零, as it is said
        ("一千零五点五", 100550),  # a decimal point, as cn2an's an2cn writes 小写
        ("壹仟零伍点伍零", 100550),
        ("零点零五", 5),
        ("1，000", 100000),  # a full-width comma is NFKC's ","
        ("300 元", 30000),  # spaces around the number are fine
        (" 300 ", 30000),
        ("٣٠٠", 30000),  # Arabic-Indic digits
        ("३००.५०", 30050),  # Devanagari
        ("人民币 ৩০০ 元", 30000),  # Bengali
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
        # spaces inside a number (issue 15): one number or two?
        ("300 50", SPACED),
        ("1 00", SPACED),
        ("1 000", SPACED),
        ("1, 000", SPACED),
        ("３００　５０", SPACED),  # full-width digits and space
        ("٣٠٠ ٥٠", SPACED),
        ("一百 二十", SPACED),
        ("壹万 贰仟元", SPACED),
        # 零 left out where a place is skipped, or standing where none is (issue 15)
        ("壹仟伍拾元", ZERO_MISSING),
        ("叁拾元伍分", ZERO_MISSING),
        ("壹万伍佰元", ZERO_MISSING),
        ("壹亿伍仟元", ZERO_MISSING),  # a whole 万 section skipped: 壹亿零伍仟
        ("伍拾零贰", ZERO_MISPLACED),
        ("陆仟零肆佰", ZERO_MISPLACED),
        ("壹万零伍仟", ZERO_MISPLACED),
        ("叁拾伍元零伍角", ZERO_MISPLACED),
        ("零伍分", ZERO_MISPLACED),
        ("壹佰零元", ZERO_MISPLACED),
        ("壹仟零零伍", ZERO_MISPLACED),
        ("壹拾零万伍仟", ZERO_MISPLACED),
    ],
)
def test_doubtful_amounts_are_refused_with_a_reason(cell: object, problem: object) -> None:
    assert parse_amount(cell) == problem


@pytest.mark.parametrize(
    ("cell", "spoken", "literal"),
    [
        ("一百二", "120", "102"),
        ("三万五", "35,000", "30,005"),
        ("两千六", "2,600", "2,006"),
        ("壹仟伍元", "1,500", "1,005"),
        ("叁亿贰", "320,000,000", "300,000,002"),
        ("十万五", "105,000", "100,005"),  # 万五: 五千, as 一万五 is 15,000
        ("一百二十万三", "1,203,000", "1,200,003"),
        ("壹仟伍元伍角", "1,500.50", "1,005.50"),
        ("一百二点五", "120.50", "102.50"),
    ],
)
def test_a_digit_without_its_place_is_refused_naming_both_readings(
    cell: str, spoken: str, literal: str
) -> None:
    """一百二 is said for 120 and typed for 102 with a 零 left out: money is never guessed."""
    problem = parse_amount(cell)
    assert isinstance(problem, AmountProblem)
    assert f"是 {spoken} 还是 {literal}？" in problem.zh
    assert f"{spoken} or {literal}?" in problem.en


def test_the_message_says_how_to_write_it() -> None:
    from zjk_charity.wishes.codes import WishFinding

    problem = parse_amount("一百二")
    assert isinstance(problem, AmountProblem)
    params = {"value": "一百二", "reason_zh": problem.zh, "reason_en": problem.en}
    finding = WishFinding("f.xlsx", "心愿", 3, "金额", "AMOUNT_INVALID", params)
    assert "一百二十" in finding.message() and "一百零二" in finding.message()
    assert "一百二十" in finding.message("en")


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
    parts: list[str] = []
    for size, mark in ((100_000_000, "亿"), (10_000, "万"), (1, "")):
        section = whole // size % 10_000 if size < 100_000_000 else whole // size
        if section:
            if parts and parts[-1] != "零" and section < 1000:
                parts.append("零")  # 壹万零伍佰: the 千位 is skipped
            parts.append(_section(section) + mark)
        elif parts and whole % size and parts[-1] != "零":
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
    assert chinese(1005000) == "壹万零伍拾元整"
    assert chinese(10000500000) == "壹亿零伍仟元整"
    assert chinese(10000000500) == "壹亿零伍元整"


# ---- peers: cn2an's own test vectors (issue 15) ---------------------------------------
# Copied as data from github.com/Ailln/cn2an, cn2an/cn2an_test.py and cn2an/an2cn_test.py
# (the cn2an 0.5.24 that the test extra installs). cn2an reads numbers in general; we
# read money, so where we differ the expected value says why.

# cn2an_test.py, strict_data_dict: the forms its strict mode reads. Each is an amount we
# read to the same value, except the three named below.
CN2AN_STRICT = {
    "一": 1,
    "十": 10,
    "十一": 11,
    "一十一": 11,
    "二十": 20,
    "二十一": 21,
    "一百": 100,
    "一百零一": 101,
    "一百一十": 110,
    "一百一十一": 111,
    "一千": 1000,
    "一千一百": 1100,
    "一千一百一十": 1110,
    "一千一百一十一": 1111,
    "一千零一十": 1010,
    "一千零十": 1010,
    "一千零十一": 1011,
    "一千零一十一": 1011,
    "一千零一": 1001,
    "一千一百零一": 1101,
    "一万一千一百一十一": 11111,
    "一十一万一千一百一十一": 111111,
    "一百一十一万一千一百一十一": 1111111,
    "一千一百一十一万一千一百一十一": 11111111,
    "一亿一千一百一十一万一千一百一十一": 111111111,
    "一十一亿一千一百一十一万一千一百一十一": 1111111111,
    "壹": 1,
    "拾": 10,
    "拾壹": 11,
    "壹拾壹": 11,
    "壹佰壹拾壹": 111,
    "壹仟壹佰壹拾壹": 1111,
    "壹万壹仟壹佰壹拾壹": 11111,
    "壹拾壹万壹仟壹佰壹拾壹": 111111,
    "壹佰壹拾壹万壹仟壹佰壹拾壹": 1111111,
    "壹仟壹佰壹拾壹万壹仟壹佰壹拾壹": 11111111,
    "壹亿壹仟壹佰壹拾壹万壹仟壹佰壹拾壹": 111111111,
    "壹拾壹亿壹仟壹佰壹拾壹万壹仟壹佰壹拾壹": 1111111111,
    "壹拾壹元整": 11,
    "壹佰壹拾壹圆整": 111,
    "壹拾壹元正": 11,
    "壹拾壹圆正": 11,
    "壹拾壹元壹角": Decimal("11.1"),
    "壹拾壹元壹角壹分": Decimal("11.11"),
    "十万": 100000,
    "十万零一": 100001,
    "一万零一": 10001,
    "一万零一十一": 10011,
    "一万零一百一十一": 10111,
    "一十万零一": 100001,
    "一百万零一": 1000001,
    "一千万零一": 10000001,
    "一千零一万一千零一": 10011001,
    "一千零一万零一": 10010001,
    "一亿零一": 100000001,
    "一十亿零一": 1000000001,
    "玖仟陆佰陆拾伍圆壹角捌分": Decimal("9665.18"),
    "壹佰捌拾壹圆柒角": Decimal("181.7"),
    "零点零一": Decimal("0.01"),
    "零点一": Decimal("0.1"),
}
# ... and the ones we do not read as cn2an does:
CN2AN_STRICT_REFUSED = {
    "一万零百一十一": UNREADABLE,  # cn2an reads 零百 as 零一百; 百 never stands alone
    "一百亿零一": TOO_LARGE,  # 10^10 yuan and more is a typing slip, not a gift
    "一千亿零一": TOO_LARGE,
    "零": NOT_POSITIVE,
    "零点零零一": TOO_PRECISE,  # smaller than one fen
    "负一": UNREADABLE,  # no negative money
    "廿二": UNREADABLE,  # 古语
}


@pytest.mark.parametrize(("text", "value"), CN2AN_STRICT.items())
def test_cn2an_strict_vectors_read_alike(text: str, value: int | Decimal) -> None:
    assert parse_amount(text) == int(Decimal(value) * 100)
    assert Decimal(str(cn2an.cn2an(text, "strict"))) == value  # the vector is cn2an's own


@pytest.mark.parametrize(("text", "problem"), CN2AN_STRICT_REFUSED.items())
def test_cn2an_strict_vectors_we_refuse(text: str, problem: AmountProblem) -> None:
    assert parse_amount(text) == problem


# cn2an_test.py, normal_data_dict: its "normal" mode also reads spoken shorthand (口语)
# and digit strings. Money is never guessed: the shorthand is refused as ambiguous (a
# 零 left out reads the other way), 十 without its digit after 百 is not a written form,
# and a run of digits is a code, not an amount. The cheque forms it reads, we read.
CN2AN_NORMAL_READ = {
    "十万零一千": 101000,
    "一百九十万零三千九百七十一": 1903971,
    "一亿五千万零六千三百五十五": 150006355,
    "壹拾壹元": 11,
    "壹佰壹拾壹圆": 111,
    "壹拾壹圆": 11,
    "壹拾万零叁仟肆佰伍拾叁": 103453,
}
CN2AN_NORMAL_AMBIGUOUS = {  # cn2an's reading: the spoken one
    "三万五": 35000,
    "十三万五": 135000,
    "两千六": 2600,
    "兩千六": 2600,
    "一百二": 120,
    "一百二十万三": 1203000,
}
CN2AN_NORMAL_REFUSED = {
    "一百十一": UNREADABLE,
    "一百十六": UNREADABLE,
    "一千一十": ZERO_MISSING,  # 一千零一十
    "一一": UNREADABLE,
    "一一一": UNREADABLE,
    "壹壹": UNREADABLE,
    "一二三": UNREADABLE,
    "一七二零": UNREADABLE,
    "一七二零点一": UNREADABLE,
    "零点零": NOT_POSITIVE,
    "〇": NOT_POSITIVE,
}


@pytest.mark.parametrize(("text", "value"), CN2AN_NORMAL_READ.items())
def test_cn2an_normal_cheque_forms_read_alike(text: str, value: int) -> None:
    assert parse_amount(text) == value * 100 == cn2an.cn2an(text, "normal") * 100


@pytest.mark.parametrize(("text", "spoken"), CN2AN_NORMAL_AMBIGUOUS.items())
def test_cn2an_spoken_shorthand_is_refused(text: str, spoken: int) -> None:
    assert cn2an.cn2an(text, "normal") == spoken
    problem = parse_amount(text)
    assert isinstance(problem, AmountProblem)
    assert f"是 {spoken:,} 还是" in problem.zh  # cn2an's reading is one of the two named


@pytest.mark.parametrize(("text", "problem"), CN2AN_NORMAL_REFUSED.items())
def test_cn2an_normal_forms_we_refuse(text: str, problem: AmountProblem) -> None:
    assert parse_amount(text) == problem


# cn2an_test.py, error_strict_datas / error_normal_datas: what cn2an refuses, we refuse.
CN2AN_ERRORS = [
    "一一",
    "壹壹",
    "零点",
    "点零",
    "点一",
    "百十一",
    "十一十二",
    "负十一十二",
    "十七十八",
    "",
    "元整",
    "圆",
    "负",
    "零点点",
    "零点零大",
    "10.1万零100",
    "10..1万",
]


@pytest.mark.parametrize("text", CN2AN_ERRORS)
def test_what_cn2an_refuses_we_refuse(text: str) -> None:
    assert isinstance(parse_amount(text), AmountProblem)


# an2cn_test.py, input_data: number -> [low, up, rmb]; every form we read back exactly,
# within our range (at most 10^10 yuan, whole fen).
AN2CN = {
    "1": ["一", "壹", "壹元整"],
    "11": ["十一", "壹拾壹", "壹拾壹元整"],
    "1000000": ["一百万", "壹佰万", "壹佰万元整"],
    "1000054": ["一百万零五十四", "壹佰万零伍拾肆", "壹佰万零伍拾肆元整"],
    "1903971": [
        "一百九十万三千九百七十一",
        "壹佰玖拾万叁仟玖佰柒拾壹",
        "壹佰玖拾万叁仟玖佰柒拾壹元整",
    ],
    "103453": ["十万三千四百五十三", "壹拾万叁仟肆佰伍拾叁", "壹拾万叁仟肆佰伍拾叁元整"],
    "150006355": [
        "一亿五千万六千三百五十五",
        "壹亿伍仟万陆仟叁佰伍拾伍",
        "壹亿伍仟万陆仟叁佰伍拾伍元整",
    ],
    "31000054": ["三千一百万零五十四", "叁仟壹佰万零伍拾肆", "叁仟壹佰万零伍拾肆元整"],
    "1.01": ["一点零一", "壹点零壹", "壹元零壹分"],
    "1.2": ["一点二", "壹点贰", "壹元贰角"],
    "0.01": ["零点零一", "零点零壹", "壹分"],
    "1.1": ["一点一", "壹点壹", "壹元壹角"],  # the float 1.10 of the original
    "12.0": ["十二点零", "壹拾贰点零", "壹拾贰元整"],
    "2.0": ["二点零", "贰点零", "贰元整"],
    "0.1": ["零点一", "零点壹", "壹角"],  # the float 0.10
}


@pytest.mark.parametrize(("number", "forms"), AN2CN.items())
def test_an2cn_vectors_read_back(number: str, forms: list[str]) -> None:
    fen = int(Decimal(number) * 100)
    for mode, form in zip(("low", "up", "rmb"), forms, strict=True):
        assert cn2an.an2cn(number, mode) == form  # the vector is cn2an's own
        assert parse_amount(form) == fen, form


def test_an2cn_rmb_cuts_below_one_fen_and_we_read_what_it_wrote() -> None:
    # an2cn_test.py: 0.4321 in rmb mode is 肆角叁分; the cell says 0.43, so that is read.
    assert cn2an.an2cn("0.4321", "rmb") == "肆角叁分"
    assert parse_amount("肆角叁分") == 43
    assert parse_amount(cn2an.an2cn("0.4321", "low")) == TOO_PRECISE


# ---- properties against cn2an's writer ------------------------------------------------
AMOUNTS = st.integers(min_value=1, max_value=10**12)  # fen, up to our 10^10 yuan


def _yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _skips_a_whole_wan_section(fen: int) -> bool:
    """壹亿伍仟: 亿, then nothing in the 万 section, then a 千位: we want 壹亿零伍仟."""
    whole = fen // 100
    return whole >= 10**8 and whole // 10**4 % 10**4 == 0 and whole % 10**4 >= 1000


@given(AMOUNTS)
@example(10000500000)  # 100,005,000.00: an2cn writes 壹亿伍仟元整
@example(10000500050)
@example(100000005)  # 1,000,000.05: 壹佰万元零伍分
@example(10700000)  # 107,000: 壹拾万柒仟 (零 left out, as the rule allows)
def test_every_amount_an2cn_writes_reads_back(fen: int) -> None:
    """rmb (大写 with 元角分), up (大写) and low (小写): each reads back to the fen.

    The one exception is deliberate: after 亿, when the whole 万 section is zero and the
    千位 is not, an2cn drops the 零 (壹亿伍仟), which reads like a shortened 壹亿伍仟万;
    our rule wants 壹亿零伍仟, and with that 零 the text reads back exactly.
    """
    text = _yuan_text(fen)
    for mode in ("rmb", "up", "low"):
        written = cn2an.an2cn(text, mode)
        if _skips_a_whole_wan_section(fen):
            assert parse_amount(written) == ZERO_MISSING, written
            written = written.replace("亿", "亿零")
        assert parse_amount(written) == fen, written


@given(st.integers(min_value=1, max_value=10**10))
def test_whole_amounts_as_an2cn_writes_them_read_back(whole: int) -> None:
    """``an2cn(120, "low")`` is 一百二十, ``an2cn(120, "up")`` 壹佰贰拾: read as 120."""
    for mode in ("low", "up"):
        written = cn2an.an2cn(whole, mode)
        if _skips_a_whole_wan_section(whole * 100):
            written = written.replace("亿", "亿零")
        assert parse_amount(written) == whole * 100, written


_LOW_DIGITS = "零一二三四五六七八九"


@given(st.integers(1, 10**6), st.integers(2, 9), st.integers(1, 9), st.booleans())
def test_spoken_shorthand_is_never_read(head: int, zeros: int, digit: int, up: bool) -> None:
    """A base ending in 百/千/万/亿 and one more digit (一百二, 三万五, 叁亿贰): refused,
    and the message names both readings: the spoken one (the digit one place below the
    last unit written, as cn2an's normal mode reads it) and the literal one."""
    base = head * 10**zeros
    if head % 10 == 0 or base > 10**10 or _skips_a_whole_wan_section(base * 100):
        return
    written = cn2an.an2cn(base, "up" if up else "low")
    text = written + ("零壹贰叁肆伍陆柒捌玖" if up else _LOW_DIGITS)[digit]
    problem = parse_amount(text)
    assert isinstance(problem, AmountProblem), text
    unit = zeros if zeros < 4 else 4 if zeros < 8 else 8  # the last unit written: 百, 万 …
    spoken, literal = base + digit * 10 ** (unit - 1), base + digit
    assert f"是 {spoken:,} 还是 {literal:,}？" in problem.zh, text
    if unit < 8:  # cn2an 0.5.24 fails on 一亿五 itself (a KeyError for 千万)
        assert cn2an.cn2an(text, "normal") == spoken  # the peer's spoken reading is named


@given(AMOUNTS, st.data())
def test_one_zero_more_or_less_never_changes_the_amount(fen: int, data: st.DataObject) -> None:
    """Inserting or deleting one 零 in a cheque-written amount gives the same amount (where
    the rule makes that 零 optional) or a refusal: never another amount."""
    written = chinese(fen)
    at = data.draw(st.integers(0, len(written)))
    more = parse_amount(written[:at] + "零" + written[at:])
    assert isinstance(more, AmountProblem) or more == fen
    zeros = [i for i, ch in enumerate(written) if ch == "零"]
    if zeros:
        i = data.draw(st.sampled_from(zeros))
        fewer = parse_amount(written[:i] + written[i + 1 :])
        assert isinstance(fewer, AmountProblem) or fewer == fen


@given(AMOUNTS, st.data())
def test_a_space_inside_a_number_is_refused(fen: int, data: st.DataObject) -> None:
    for text in (f"{fen // 100:,}.{fen % 100:02d}", chinese(fen)):
        at = data.draw(st.integers(1, len(text) - 1))
        spaced = text[:at] + data.draw(st.sampled_from([" ", "\u3000", "\u00a0"])) + text[at:]
        found = parse_amount(spaced)
        # A space after 元 or before 角/分 is between words, not inside a number.
        assert found == SPACED or (found == fen and not _between_numerals(text, at)), spaced


def _between_numerals(text: str, at: int) -> bool:
    numerals = "0123456789,.零壹贰叁肆伍陆柒捌玖拾佰仟万亿"
    return text[at - 1] in numerals and text[at] in numerals


@given(AMOUNTS, st.sampled_from(script_zeros()))
def test_digits_of_any_script_read_as_ascii(fen: int, zero: str) -> None:
    """٣٠٠ (Arabic-Indic), ३०० (Devanagari) … is 300: Unicode gives each digit one value."""
    text = in_script(f"{fen // 100:,}.{fen % 100:02d}", zero)
    assert parse_amount(text) == fen
    assert parse_amount(f"￥{text}元") == fen
