"""Text normalisation shared by every reader and rule.

These run for every cell of every row, so each has a fast path for plain ASCII text,
which NFKC leaves unchanged. ``str.split()`` and the regex ``\\s`` remove exactly the
same characters (``str.isspace``; U+3000 included), checked for every code point in
``tests/test_speed_equivalence.py``.
"""

from __future__ import annotations

import unicodedata


def nfkc(value: str) -> str:
    """NFKC-normalise: full-width digits, letters and brackets become ASCII."""
    if value.isascii():
        return value
    return unicodedata.normalize("NFKC", value)


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
