"""Text normalisation shared by every reader and rule.

These run for every cell of every row, so each has a fast path for plain ASCII text,
which NFKC leaves unchanged. ``str.split()`` and the regex ``\\s`` remove exactly the
same characters (``str.isspace``; U+3000 included), checked for every code point in
``tests/test_speed_equivalence.py``.

Numbers (IDs, bank accounts, phones, amounts) also go through :func:`ascii_digits`:
NFKC folds full-width digits (``１２３``) but leaves every other script's decimal digits
as they are (Arabic-Indic ``١٢٣``, Devanagari ``१२३``, Bengali, Thai …). Those are
folded to ASCII before any check, so the ledger only ever holds ASCII digits and the
same person typed two ways is still one ID for DUPLICATE_PERSON and the history.
"""

from __future__ import annotations

import unicodedata


def nfkc(value: str) -> str:
    """NFKC-normalise: full-width digits, letters and brackets become ASCII."""
    if value.isascii():
        return value
    return unicodedata.normalize("NFKC", value)


class _AsciiDigits(dict[int, str]):
    """``str.translate`` table: a decimal digit of any script → its ASCII digit.

    Filled on first sight (the decimal digits are a few hundred code points, and
    building the whole table would cost every start-up a scan of all of Unicode); any
    other character raises LookupError, which ``translate`` reads as "keep it".
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if not char.isdecimal():
            raise LookupError(code)
        folded = self[code] = str(unicodedata.decimal(char))
        return folded


_ASCII_DIGITS = _AsciiDigits()


def ascii_digits(value: str) -> str:
    """Every Unicode decimal digit (``str.isdecimal``: ``٣``, ``३``, ``３``) as ASCII ``3``.

    Unicode guarantees that a decimal digit has exactly one value, so this never
    guesses; other characters are left for the caller's check to refuse.
    """
    if value.isascii():
        return value
    return value.translate(_ASCII_DIGITS)


def number_key(value: str) -> str:
    """A cell that holds a number (ID, account, phone, amount): :func:`squash`, then
    :func:`ascii_digits`. The one normaliser every number check starts from."""
    return ascii_digits(squash(value))


def squash(value: str) -> str:
    """NFKC and remove every whitespace character (also inner ones: ``姓 名`` → ``姓名``)."""
    if value.isascii():
        return value if value.isalnum() else "".join(value.split())
    return "".join(unicodedata.normalize("NFKC", value).split())


def header_key(value: object) -> str:
    """The key a header cell is matched by: NFKC, no whitespace, no trailing colon."""
    if value is None:
        return ""
    return squash(str(value)).rstrip(":")


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only strings."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if value.isascii():
        return not value or value.isspace()
    return squash(value) == ""
