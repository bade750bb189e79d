"""Dates as people type them: 2025-10-08, 2025/10/8, 2025.10.8, 2025年10月8日, 20251008."""

from __future__ import annotations

import re
from datetime import date, datetime

from zjk_charity.text import squash

_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]?\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def chinese_date(day: date) -> str:
    """2025年10月8日: a date as printed on notices, forms and reports."""
    return f"{day.year}年{day.month}月{day.day}日"


def parse_date(value: object) -> date | None:
    """A date from a date cell or date text; None when it cannot be read."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = squash(value)
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None
