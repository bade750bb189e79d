"""A wish, a donation and a match, as the checks, the matcher and the ledger see them.

Money is integer fen (see ``amounts``); dates are :class:`datetime.date`. Wishes and
donations are immutable: once imported they never change (wishes.md), so the only
thing that moves is how much of each has been matched. They are typed named tuples
rather than dataclasses because a run loads 100,000 of each and makes as many matches:
a tuple is built several times faster than a frozen dataclass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from zjk_charity.findings import place
from zjk_charity.wishes.amounts import Fen


class Basis(StrEnum):
    """Why a donation went to a wish: step 1, or the tier of step 2 it was taken from."""

    DESIGNATED = "designated"
    CATEGORY_COUNTY = "category+county"
    CATEGORY = "category"
    COUNTY = "county"
    GENERAL = "general"


BASIS_ZH: dict[Basis, str] = {
    Basis.DESIGNATED: "定向",
    Basis.CATEGORY_COUNTY: "类别+县区",
    Basis.CATEGORY: "类别",
    Basis.COUNTY: "县区",
    Basis.GENERAL: "通用",
}


class WishStatus(StrEnum):
    FULFILLED = "已实现"
    PARTIAL = "部分"
    PENDING = "待认领"


@dataclass(frozen=True)
class Source:
    """Where a row came from: file name, sheet and the Excel row number."""

    file: str
    sheet: str
    row: int

    def describe(self, lang: str = "zh") -> str:
        return place(self.file, self.sheet, self.row, lang)


class Wish(NamedTuple):
    wish_id: str  # 心愿编号
    county_code: str
    county: str
    child_name: str
    id_number: str  # normalised, 18 characters
    birth_date: date
    category: str  # canonical 困境类别
    kind: str  # 资金 | 物资
    content: str
    amount: Fen
    registered: date
    guardian: str = ""
    phone: str = ""
    account: str = ""

    def fingerprint(self) -> str:
        """Everything the row says, for "the same row again" versus "a changed row"."""
        return _fingerprint(self)


class Donation(NamedTuple):
    donation_id: str  # 捐赠编号
    donor: str  # 匿名 when blank
    kind: str  # 资金 | 物资
    amount: Fen  # for goods: 折合金额
    received: date
    goods: str = ""
    wish_id: str | None = None  # 定向心愿
    category: str | None = None  # 定向类别, canonical
    county_code: str | None = None  # 定向县区
    county: str | None = None
    note: str = ""

    @property
    def is_cash(self) -> bool:
        return self.kind == "资金"

    @property
    def designated(self) -> bool:
        return self.wish_id is not None

    @property
    def set_aside(self) -> bool:
        """Undesignated goods: kept aside, never matched automatically."""
        return not self.is_cash and not self.designated

    def fingerprint(self) -> str:
        return _fingerprint(self)


class Match(NamedTuple):
    donation_id: str
    wish_id: str
    amount: Fen
    basis: Basis


def _fingerprint(values: tuple[object, ...]) -> str:
    return json.dumps(
        [v.isoformat() if isinstance(v, date) else v for v in values], ensure_ascii=False
    )


_DIGITS = re.compile(r"[0-9]+")
_PAD = 24


def _padded(match: re.Match[str]) -> str:
    return match[0].zfill(_PAD)


def natural_key(text: str) -> tuple[str, str]:
    """``W2`` before ``W10``: runs of digits compare as numbers, the text breaks ties.

    Each run of digits is zero-padded to 24 places, so plain string comparison (fast,
    in C) orders the numbers by value; ``W02`` and ``W2`` tie there and the text decides.
    """
    return _DIGITS.sub(_padded, text), text
