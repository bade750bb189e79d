"""Resident ID numbers (GB 11643-1999), bank accounts, phones, and de-identification.

The check character is ISO 7064 MOD 11-2, taken from python-stdnum; the address code
is deliberately *not* checked against any list: retired codes (130721 宣化县, 1325xx
of the former 张家口地区) are valid for life, and an ID never has to match the county
a person applies in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from stdnum import luhn
from stdnum.iso7064 import mod_11_2

from zjk_charity.text import squash

_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


def normalise_id(text: str) -> str:
    """NFKC, no spaces, upper-case X: the form every check and the ledger uses."""
    return squash(text).upper()


def check_character(first17: str) -> str:
    """The GB 11643 check character of 17 digits: "10X98765432"[Σ dᵢ·wᵢ mod 11]."""
    return str(mod_11_2.calc_check_digit(first17))


def upgrade_15(number15: str) -> str:
    """An old 15-digit ID as 18 digits: "19" before the year, and the check character."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


@dataclass
class IdCheck:
    """What an ID cell turned out to be. ``problems`` are finding codes, in order."""

    number: str
    birth_date: date | None = None
    sex: str | None = None  # "男" or "女"
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p != "ID_OLD_FORMAT" for p in self.problems)


def _birth_date(number18: str) -> date | None:
    try:
        return date(int(number18[6:10]), int(number18[10:12]), int(number18[12:14]))
    except ValueError:
        return None


def check_id(text: str, as_of: date) -> IdCheck:
    """Check a (non-numeric) ID cell: format, 15-digit upgrade, check character, birth date."""
    number = normalise_id(text)
    result = IdCheck(number)
    if _ID15.match(number):
        number = upgrade_15(number)
        result.number = number
        result.problems.append("ID_OLD_FORMAT")
    if not _ID18.match(number):
        result.problems.append("ID_INVALID_FORMAT")
        return result
    if number[17] != check_character(number[:17]):
        result.problems.append("ID_BAD_CHECKSUM")
    born = _birth_date(number)
    if born is None or born > as_of or born.year < 1890:
        result.problems.append("ID_BAD_BIRTHDATE")
    else:
        result.birth_date = born
    result.sex = "男" if int(number[16]) % 2 == 1 else "女"
    return result


def age_on(born: date, day: date) -> int:
    """Completed years of age on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def normalise_account(text: str) -> str:
    """A bank account without spaces and hyphens."""
    return squash(text).replace("-", "")


def account_problem(account: str) -> str | None:
    """BANK_ACCOUNT_INVALID, BANK_ACCOUNT_CHECKSUM (warning) or None."""
    if not re.fullmatch(r"\d{12,30}", account):
        return "BANK_ACCOUNT_INVALID"
    if 16 <= len(account) <= 19 and account.startswith("62") and not luhn.is_valid(account):
        return "BANK_ACCOUNT_CHECKSUM"
    return None


_MOBILE = re.compile(r"^(?:\+?86)?1\d{10}$")
_LANDLINE = re.compile(r"^(?:\(0\d{2,3}\)|0\d{2,3})-?\d{7,8}(?:-\d{1,6})?$")


def phone_valid(text: str) -> bool:
    """An 11-digit mobile starting with 1, or a landline with its area code (0313-1234567)."""
    phone = squash(text)
    return bool(_MOBILE.match(phone) or _LANDLINE.match(phone))


def mask_id(number: str) -> str:
    """First 6 + 8 stars + last 4: the only form of an ID that may appear in public."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_account(account: str) -> str:
    """Last 4 digits only."""
    return "*" * max(len(account) - 4, 0) + account[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    name = squash(name)
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
