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
- Chinese numerals: the financial forms (零壹贰叁肆伍陆柒捌玖拾佰仟万亿) and the common ones
  (〇一二三四五六七八九十百千两), units 元/圆, 角, 分, and 整/正 at the end. A numeral that is
  not well formed (``叁叁佰``, ``佰叁``) is unreadable rather than guessed at.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from zjk_charity.errors import UserError
from zjk_charity.text import squash

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
NOT_POSITIVE = AmountProblem("必须大于零", "must be more than zero")
TOO_PRECISE = AmountProblem("超过两位小数（最小单位为分）", "has more than two decimals")
TOO_LARGE = AmountProblem("超过 100 亿元，请核对", "is over 10 billion yuan")


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
        return UNREADABLE if number is None else _checked(number)
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
_ARABIC = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")
_ARABIC_WAN = re.compile(r"^(\d+(?:\.\d+)?)万$")


def read_amount_text(text: str) -> Decimal | None:
    """The number a text amount states, or None when it cannot be read."""
    key = squash(text).upper()
    for prefix in _PREFIXES:  # in order: 人民币￥300, RMB¥300
        key = key.removeprefix(prefix)
    if not key:
        return None
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
        return None if number is None else number * 10_000
    return chinese_amount(key)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


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
SMALL_UNITS = {
    **dict.fromkeys("拾十", 10),
    **dict.fromkeys("佰百", 100),
    **dict.fromkeys("仟千", 1000),
}
BIG_UNITS = {**dict.fromkeys("万萬", 10_000), **dict.fromkeys("亿億", 100_000_000)}
_ZERO = "零〇"


def chinese_amount(text: str) -> Decimal | None:
    """``壹万贰仟叁佰肆拾伍元陆角柒分`` → 12345.67; None when not a well-formed amount.

    ``text`` has no spaces and no 整 at the end. Without 元 the text is either a whole
    number (``叁佰``) or jiao and fen only (``伍角``).
    """
    if not text:
        return None
    for mark in "元圆":
        if mark in text:
            whole_text, _, rest = text.partition(mark)
            whole = chinese_integer(whole_text) if whole_text else 0
            fraction = _jiao_fen(rest)
            if whole is None or fraction is None or (not whole_text and not rest):
                return None
            return Decimal(whole) + fraction
    if "角" in text or "分" in text:
        return _jiao_fen(text)
    whole = chinese_integer(text)
    return None if whole is None else Decimal(whole)


def _jiao_fen(text: str) -> Decimal | None:
    """The part after 元: ``陆角柒分``, ``零伍分``, ``伍角``, or nothing."""
    match = re.fullmatch(r"[零〇]?(?:(.)角)?[零〇]?(?:(.)分)?", text)
    if match is None:
        return None
    jiao, fen = match.groups()
    if (jiao is not None and jiao not in DIGITS) or (fen is not None and fen not in DIGITS):
        return None
    return Decimal(DIGITS.get(jiao or "零", 0)) / 10 + Decimal(DIGITS.get(fen or "零", 0)) / 100


def chinese_integer(text: str) -> int | None:
    """A whole number in Chinese numerals (``壹万零伍佰``, ``拾``, ``贰亿叁仟万``) or None.

    Sections are split at 亿 and then 万; each section below 万 must be well formed.
    """
    if not text:
        return None
    total = 0
    rest = text
    for mark_chars, size in (("亿億", 100_000_000), ("万萬", 10_000)):
        at = next((i for i, ch in enumerate(rest) if ch in mark_chars), -1)
        if at < 0:
            continue
        head, rest = rest[:at], rest[at + 1 :]
        value = chinese_section(head, leading=total == 0)
        if value is None or value == 0:
            return None
        total += value * size
    if rest:
        value = chinese_section(rest, leading=total == 0)
        if value is None:
            return None
        total += value
    return total


def chinese_section(text: str, leading: bool) -> int | None:
    """A number below 10,000 (``叁仟零伍拾``); 拾 may stand alone only at the very start.

    Units must fall (仟 before 佰 before 拾), each after one digit; 零 may stand between.
    """
    value, digit, last_unit = 0, None, 10_000
    for position, ch in enumerate(text):
        if ch in _ZERO:
            if digit is not None:
                return None
            continue
        if ch in DIGITS:
            if digit is not None:
                return None
            digit = DIGITS[ch]
            continue
        unit = SMALL_UNITS.get(ch)
        if unit is None or unit >= last_unit:
            return None
        if digit is None:
            if not (unit == 10 and leading and position == 0):
                return None
            digit = 1
        value += digit * unit
        digit, last_unit = None, unit
    if digit is not None:
        value += digit
    return value


def setting_fen(value: Decimal, name: str) -> Fen:
    """A money setting (``wishes.standard_amount``) in fen; refused unless a positive amount."""
    found = _checked(value) if value.is_finite() else UNREADABLE
    if isinstance(found, AmountProblem):
        raise UserError(
            f"设置项“{name}”的值 {value} {found.zh}；请在 zjk-charity.toml 中改正",
            f"setting '{name}' = {value} {found.en}; fix it in zjk-charity.toml",
        )
    return found
