"""Text normalisation shared by every reader and rule."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfkc(value: str) -> str:
    """NFKC-normalise: full-width digits, letters and brackets become ASCII."""
    return unicodedata.normalize("NFKC", value)


def squash(value: str) -> str:
    """NFKC and remove every whitespace character (also inner ones: ``姓 名`` → ``姓名``)."""
    return _SPACES.sub("", nfkc(value)).replace("\u3000", "")


def header_key(value: object) -> str:
    """The key a header cell is matched by: NFKC, no whitespace, no trailing colon."""
    if value is None:
        return ""
    return squash(str(value)).rstrip(":")


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only strings."""
    if value is None:
        return True
    return isinstance(value, str) and squash(value) == ""
