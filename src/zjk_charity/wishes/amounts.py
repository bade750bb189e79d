"""Money as people type it, read exactly: ``300``, ``1,000.50``, ``￥300``, ``300元``, ``叁佰元整``.

Money is integer fen (分) inside the 微心愿 code and in the ledger; :class:`~decimal.Decimal`
only at the edges (reading, JSON, workbooks). A float never takes part in a sum.

Decisions where wishes.md is silent:

- A number cell arrives from the reader as a float. Excel keeps 15 significant digits,
  so the float is first written with 15 significant digits (``format(v, ".15g")``):
  ``300.1`` stays 300.1, and the binary noise of a formula result (``300.29999999999995``)
  is read as the 300.3 that Excel itself shows. Only then is "more than two decimals"
  judged, so ``300.123`` is refused rather than silently rounded.
- "More than two decimals" means a part smaller than one fen: ``300.100`` is 300.10 and
  accepted, ``300.125`` is refused.
- Thousands separators must group by three (``1,000.50``; ``1,00`` is refused, since it
  could be a decimal comma).
- ``万`` after Arabic digits multiplies by 10,000 (``2万元``, ``1.5万``): donation records
  are often written that way.
- A space inside a number is refused (``300 50``, ``1 00``, ``一百 二十``): it could be one
  number or two. Spaces around it stay fine (``¥ 300``, ``300 元``).
- Digits of any script are read as their ASCII digit (``٣٠٠`` is 300; see
  ``zjk_charity.text.ascii_digits``).
- Chinese numerals: the financial forms (零壹贰叁肆伍陆柒捌玖拾佰仟万亿) and the common ones
  (〇一二三四五六七八九十百千两), units 元/圆, 角, 分, 整/正 at the end, or a decimal point
  (``一千零五点五``, as cn2an's ``an2cn`` writes 小写/大写). A numeral that is not well
  formed (``叁叁佰``, ``佰叁``) is unreadable rather than guessed at.
- Chinese numerals follow the cheque rule (《支付结算办法》附件《正确填写票据和结算凭证的基本
  规定》): every digit carries its place, and one 零 stands where places are skipped
  (壹仟零伍元, 一百零二, 叁拾元零伍分). Money is never guessed, so these are refused:
  a units digit without its place after skipped places, the spoken shorthand
  (``一百二``, ``三万五``, ``两千六``, ``叁亿贰``, ``壹仟伍元``: 120 or 102? 1,500 or
  1,005?), with a message naming both readings; a missing 零 (``壹仟伍拾``,
  ``叁拾元伍分``); a 零 where nothing is skipped (``伍拾零贰``, ``陆仟零肆佰``,
  ``叁拾伍元零伍角``, a leading ``零伍分``). The rule's own exception is kept: 零 may be
  left out where the 万位 or 元位 is 0 and the 千位 or 角位 is not (壹拾万柒仟,
  壹佰元伍角; by analogy 壹拾亿伍仟万), but not where a whole 万 section is skipped
  (``壹亿伍仟`` reads like a shortened 壹亿伍仟万: write 壹亿零伍仟).
  Refusing rather than reading the shorthand "as spoken" is deliberate: ``壹仟伍元`` may
  be 1,005 with its 零 left out or 1,500 said short, and nothing in the cell says which.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from zjk_charity.errors import UserError
from zjk_charity.text import ascii_digits, nfkc, number_key

Fen = int
FEN_PER_YUAN = 100
CENT = Decimal("0.01")
# Anything above 10 billion yuan is a typing error, not a gift.
MAX_FEN: Fen = 10**12


@dataclass(frozen=True)
class AmountProblem:
    """Why an amount cell cannot be used (the AMOUNT_INVALID message says it)."""

    zh: str
    en: str


UNREADABLE = AmountProblem("无法识别为金额", "cannot be read as an amount")
SPACED = AmountProblem(
    "数字中间有空格，看不出是一个数还是两个数",
    "has a space inside the number, so it could be one number or two",
)
ZERO_MISSING = AmountProblem(
    "跳过的数位要写“零”，如 壹仟零伍拾元、叁拾元零伍分（不写 壹仟伍拾元、叁拾元伍分）",
    "needs 零 where a place is skipped: 壹仟零伍拾元, 叁拾元零伍分 (not 壹仟伍拾元, 叁拾元伍分)",
)
ZERO_MISPLACED = AmountProblem(
    "“零”只能写在跳过的数位上，如 伍拾贰、陆仟肆佰（不写 伍拾零贰、陆仟零肆佰）",
    "has 零 where no place is skipped: write 伍拾贰, 陆仟肆佰, not 伍拾零贰, 陆仟零肆佰",
)
NOT_POSITIVE = AmountProblem("必须大于零", "must be more than zero")
TOO_PRECISE = AmountProblem("超过两位小数（最小单位为分）", "has more than two decimals")
TOO_LARGE = AmountProblem("超过 100 亿元，请核对", "is over 10 billion yuan")


def ambiguous(spoken: Decimal, literal: Decimal) -> AmountProblem:
    """A Chinese amount ending in a digit without its place: 一百二 (120 or 102?)."""
    said, written = _plain(spoken), _plain(literal)
    return AmountProblem(
        f"末位数字没有写出数位，有歧义：是 {said} 还是 {written}？"
        "请写全数位（如 一百二十、一百零二）或写阿拉伯数字",
        f"ends in a digit without its place, which is ambiguous: {said} or {written}? "
        "Write every place (一百二十, 一百零二) or use digits",
    )


def _plain(value: Decimal) -> str:
    """``35000`` → ``35,000``; ``1500.5`` → ``1,500.50``."""
    text = f"{value:,.2f}"
    return text.removesuffix(".00")


def to_fen(value: Decimal) -> Fen:
    """An exact amount of at most two decimals, in fen."""
    return int((value * FEN_PER_YUAN).to_integral_exact())


def to_decimal(fen: Fen) -> Decimal:
    """Fen as yuan with two decimals."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(CENT)


def yuan(fen: Fen) -> str:
    """Money in JSON and messages: ``"300.00"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{part:02d}"


def yuan_grouped(fen: Fen) -> str:
    """Money for people: ``"1,000.50"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"


def parse_amount(value: object) -> Fen | AmountProblem:
    """The amount a cell holds, in fen, or the reason it cannot be used.

    Blank cells are the caller's business (a wish's blank 金额 is the standard amount).
    """
    if isinstance(value, bool):
        return UNREADABLE
    if isinstance(value, int):
        return _checked(Decimal(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return UNREADABLE
        return _checked(Decimal(format(value, ".15g")))
    if isinstance(value, str):
        number = read_amount_text(value)
        return number if isinstance(number, AmountProblem) else _checked(number)
    return UNREADABLE


def _checked(number: Decimal) -> Fen | AmountProblem:
    if not number.is_finite():
        return UNREADABLE
    if number <= 0:
        return NOT_POSITIVE
    if number * FEN_PER_YUAN > MAX_FEN:
        return TOO_LARGE
    if number != number.quantize(CENT, rounding=ROUND_DOWN):
        return TOO_PRECISE
    return to_fen(number)


_PREFIXES = ("人民币", "RMB", "CNY", "¥", "￥")
_ARABIC = re.compile(r"^[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?$")
_ARABIC_WAN = re.compile(r"^([0-9]+(?:\.[0-9]+)?)万$")


def read_amount_text(text: str) -> Decimal | AmountProblem:
    """The number a text amount states, or why it cannot be read."""
    key = number_key(text)
    if key != text and _SPACE_INSIDE.search(ascii_digits(nfkc(text))):
        return SPACED
    key = key.upper()
    for prefix in _PREFIXES:  # in order: 人民币￥300, RMB¥300
        key = key.removeprefix(prefix)
    if not key:
        return UNREADABLE
    if key[-1] in "整正":
        key = key[:-1]
    if key.endswith(("元", "圆")):
        plain = key[:-1]
        if _ARABIC.match(plain) or _ARABIC_WAN.match(plain):
            key = plain
    if _ARABIC.match(key):
        return _decimal(key.replace(",", ""))
    wan = _ARABIC_WAN.match(key)
    if wan:
        number = _decimal(wan.group(1))
        return number if isinstance(number, AmountProblem) else number * 10_000
    return chinese_amount(key)


def _decimal(text: str) -> Decimal | AmountProblem:
    try:
        return Decimal(text)
    except InvalidOperation:
        return UNREADABLE


DIGITS = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("壹一幺", 1),
    **dict.fromkeys("贰貳贰弍二两兩", 2),
    **dict.fromkeys("叁參叁弎三", 3),
    **dict.fromkeys("肆四", 4),
    **dict.fromkeys("伍五", 5),
    **dict.fromkeys("陆陸六", 6),
    **dict.fromkeys("柒七", 7),
    **dict.fromkeys("捌八", 8),
    **dict.fromkeys("玖九", 9),
}
# The place (power of ten) each unit writes within a section below 万.
SMALL_UNITS = {**dict.fromkeys("拾十", 1), **dict.fromkeys("佰百", 2), **dict.fromkeys("仟千", 3)}
BIG_UNITS = (("亿億", 8), ("万萬", 4))
_ZERO = "零〇"
_POINT = "点點"
_NUMERALS = "".join(DIGITS) + "".join(SMALL_UNITS) + "亿億万萬" + _POINT
# Whitespace between two characters of one number: "300 50", "1 00", "一百 二十".
_SPACE_INSIDE = re.compile(rf"[0-9.,]\s+[0-9.,]|[{_NUMERALS}]\s+[{_NUMERALS}]")

# A written place: (power of ten, digit, written without a unit). None stands for a 零
# that marks skipped places. 角 is place -1 and 分 place -2.
_Place = tuple[int, int, bool]
_Written = list[_Place | None]


def chinese_amount(text: str) -> Decimal | AmountProblem:
    """``壹万贰仟叁佰肆拾伍元陆角柒分`` → 12345.67, or why it is not a well-formed amount.

    ``text`` has no spaces and no 整 at the end. Without 元 the text is a whole number
    (``叁佰``), jiao and fen only (``伍角``), or a number with a decimal point
    (``一千零五点五``, as cn2an writes one). Every place it writes is then held to the
    cheque rule for 零 (``_zero_problem``).
    """
    if not text:
        return UNREADABLE
    whole_text, mark, rest = _split_yuan(text)
    if any(ch in text for ch in _POINT):
        return UNREADABLE if rest else _with_point(whole_text)
    if mark:
        if not whole_text and not rest:
            return UNREADABLE
        whole = _integer(whole_text) if whole_text else []
        fraction = _fraction(rest)
    elif "角" in text or "分" in text:
        whole, fraction = [], _fraction(text)
    else:
        whole, fraction = _integer(text), []
    if isinstance(whole, AmountProblem):
        return whole
    if isinstance(fraction, AmountProblem):
        return fraction
    written = whole + fraction
    return _zero_problem(written) or _value(written)


def _split_yuan(text: str) -> tuple[str, str, str]:
    """(whole, 元 or 圆 or "", the rest) at the first 元/圆."""
    at = next((i for i, ch in enumerate(text) if ch in "元圆"), -1)
    if at < 0:
        return text, "", ""
    return text[:at], text[at], text[at + 1 :]


def _with_point(text: str) -> Decimal | AmountProblem:
    """``一百二十点五`` (a trailing 元 already removed): the whole part, then one digit per
    decimal place, as cn2an's ``an2cn`` writes a number in 小写 or 大写."""
    point = next(i for i, ch in enumerate(text) if ch in _POINT)
    head, decimals = text[:point], text[point + 1 :]
    if not head or not decimals or any(ch not in DIGITS for ch in decimals):
        return UNREADABLE
    whole = _integer(head)
    if isinstance(whole, AmountProblem):
        return whole
    fraction = Decimal("0." + "".join(str(DIGITS[ch]) for ch in decimals))
    problem = _zero_problem(whole, fraction)
    return problem or _value(whole) + fraction


def _value(written: _Written) -> Decimal:
    fen = sum(digit * 10 ** (place + 2) for place, digit, _ in filter(None, written))
    return Decimal(fen).scaleb(-2)


def _integer(text: str) -> _Written | AmountProblem:
    """The places a whole number (``壹万零伍佰``, ``拾``, ``贰亿叁仟万``) writes; the caller
    holds them to ``_zero_problem``.

    Sections are split at 亿 and then 万; a section holds 仟, 佰, 拾 and units. A lone
    零 is zero (``零元伍角``).
    """
    if not text:
        return UNREADABLE
    if len(text) == 1 and text in _ZERO:
        return []
    written: _Written = []
    rest = text
    for marks, exponent in BIG_UNITS:
        at = next((i for i, ch in enumerate(rest) if ch in marks), -1)
        if at < 0:
            continue
        head, rest = rest[:at], rest[at + 1 :]
        section = _section(head, exponent, at_start=not written)
        if isinstance(section, AmountProblem):
            return section
        if not any(section):  # 万 with nothing, or only 零, before it
            return UNREADABLE
        if section[-1] is None:  # 壹拾零万: the 零 belongs after the 万
            return ZERO_MISPLACED
        written += section
    if rest:
        section = _section(rest, 0, at_start=not written)
        if isinstance(section, AmountProblem):
            return section
        written += section
    return written


def _section(text: str, exponent: int, at_start: bool) -> _Written | AmountProblem:
    """The places of a section below 万 (``叁仟零伍拾``), each raised by ``exponent``.

    Units must fall (仟 before 佰 before 拾), each after one digit; 拾 may stand alone
    only at the very start of the number (``拾元``, ``拾万``) or right after 零
    (``一千零十``, as it is said and as cn2an reads it). A digit without a unit is the
    section's units digit and must end it.
    """
    written: _Written = []
    digit: int | None = None
    last = 4
    for position, ch in enumerate(text):
        if ch in _ZERO:
            if digit is not None:
                return UNREADABLE
            written.append(None)
        elif ch in DIGITS:
            if digit is not None:
                return UNREADABLE
            digit = DIGITS[ch]
        else:
            place = SMALL_UNITS.get(ch)
            if place is None or place >= last:
                return UNREADABLE
            if digit is None:
                after_zero = position > 0 and text[position - 1] in _ZERO
                if not (place == 1 and (after_zero or (at_start and position == 0))):
                    return UNREADABLE
                digit = 1
            written.append((exponent + place, digit, False))
            digit, last = None, place
    if digit is not None:
        written.append((exponent, digit, True))
    return written


_FRACTION = re.compile(r"([零〇])?(?:(.)角)?([零〇])?(?:(.)分)?")


def _fraction(text: str) -> _Written | AmountProblem:
    """The part after 元 (``陆角柒分``, ``零伍分``, ``伍角``, ``零角伍分``, or nothing)."""
    match = _FRACTION.fullmatch(text)
    if match is None:
        return UNREADABLE
    zero, jiao, zero_again, fen = match.groups()
    if (jiao is not None and jiao not in DIGITS) or (fen is not None and fen not in DIGITS):
        return UNREADABLE
    written: _Written = [None] if zero else []
    if jiao is not None:
        written.append((-1, DIGITS[jiao], False))
    if zero_again:
        written.append(None)
    if fen is not None:
        written.append((-2, DIGITS[fen], False))
    return written


def _zero_problem(written: _Written, decimals: Decimal = Decimal(0)) -> AmountProblem | None:
    """The cheque rule for 零 (《支付结算办法》附件《正确填写票据和结算凭证的基本规定》).

    Between two written places, one 零 if and only if places are skipped between them
    (壹仟零伍拾, 伍拾贰, 叁拾元零伍分); ``_may_leave_out_zero`` names where it is
    optional. A units digit without its place after skipped places is the spoken
    shorthand, a digit one place below the last unit written (一百二 is said for 120,
    三万五 and 一百二十万三 for 35,000 and 1,203,000), or a 零 left out (102, 30,005):
    refused as ambiguous, naming both readings. ``decimals`` is the part after
    a decimal point, only for those readings.
    """
    before: _Place | None = None
    zeros = 0
    for at, item in enumerate(written):
        if item is None:
            zeros += 1
            continue
        if before is None or zeros > 1:
            if zeros:
                return ZERO_MISPLACED  # 零伍, 壹仟零零伍
        else:
            skipped = before[0] - item[0] > 1
            if zeros and not skipped:
                return ZERO_MISPLACED  # 伍拾零贰, 陆仟零肆佰
            if skipped and not zeros and not _may_leave_out_zero(before[0], item[0]):
                if not (item[2] and item[0] == 0):
                    return ZERO_MISSING  # 壹仟伍拾
                said = (_section_of(before[0]) or before[0]) - 1  # 三万五: the 千位
                spoken = [*written[:at], (said, item[1], False), *written[at + 1 :]]
                return ambiguous(_value(spoken) + decimals, _value(written) + decimals)
        before, zeros = item, 0
    return ZERO_MISPLACED if zeros else None


def _section_of(place: int) -> int:
    """The power of the 亿 or 万 mark a place is written before (0 below 万)."""
    return 8 if place >= 8 else 4 if place >= 4 else 0


def _may_leave_out_zero(upper: int, lower: int) -> bool:
    """Where the rule lets 零 be left out: the 万位 (亿位, 元位) is 0 and the 千位 (千万位,
    角位) is not: 壹拾万柒仟 = 107,000, 壹拾亿伍仟万, 壹佰元伍角. Not when a whole 万
    section is skipped: ``壹亿伍仟`` reads like a shortened 壹亿伍仟万, so 100,005,000 is
    壹亿零伍仟 (cn2an's strict reader refuses 壹亿伍仟 too, though its writer writes it)."""
    if lower == 3:
        return 5 <= upper <= 7
    if lower == 7:
        return upper >= 9
    return lower == -1 and upper >= 1


def setting_fen(value: Decimal, name: str) -> Fen:
    """A money setting (``wishes.standard_amount``) in fen; refused unless a positive amount."""
    found = _checked(value) if value.is_finite() else UNREADABLE
    if isinstance(found, AmountProblem):
        raise UserError(
            f"设置项“{name}”的值 {value} {found.zh}；请在 zjk-charity.toml 中改正",
            f"setting '{name}' = {value} {found.en}; fix it in zjk-charity.toml",
        )
    return found
