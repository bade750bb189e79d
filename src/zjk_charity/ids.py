"""Resident ID numbers (GB 11643-1999), bank accounts, phones, and de-identification.

The check character is ISO 7064 MOD 11-2 and bank cards use the Luhn check, both as
python-stdnum defines them; for plain ASCII digits (nearly every cell) they are computed
here in a few C-level string operations instead, and property tests pin the two to
give the same answer.

Every number is first folded by :func:`zjk_charity.text.number_key`: NFKC, no
whitespace, and every Unicode decimal digit as its ASCII digit (``١٣٠٧٢٢…`` is
``130722…``), so the ledger only holds ASCII digits and a person typed in two scripts
is still one ID.

The address code: only its first two digits are checked, against the province codes of
GB/T 2260 (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71) and the residence-permit
numbers of Hong Kong (81), Macao (82) and Taiwan (83, issued since 2018 under 《港澳台居民
居住证申领发放办法》, with a check character like any ID). A number starting 00, 19 or 99
is no one's ID: ID_INVALID_FORMAT, with its own message. The county part is deliberately
*not* checked against any list: retired codes (130721 宣化县, 1325xx of the former
张家口地区) are valid for life, and an ID never has to match the county a person applies
in (python-stdnum's newer ``cn.ric`` also refuses a county code used outside the years
it existed; we do not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from stdnum.iso7064 import mod_11_2

from zjk_charity.text import ascii_digits, number_key, squash

# The first two digits of an ID: GB/T 2260 provinces, then the residence permits of
# Hong Kong (81), Macao (82) and Taiwan (83) residents.
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
PROVINCES = frozenset(
    f"{code}" for first, last in _PROVINCE_RANGES for code in range(first, last + 1)
)


def normalise_id(text: str) -> str:
    """NFKC, no spaces, ASCII digits, upper-case X: the form every check and the ledger uses."""
    return number_key(text).upper()


_CHECK_CHARACTERS = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character of 17 digits: "10X98765432"[Σ dᵢ·wᵢ mod 11]."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The weights are 2^(18-i) mod 11, and 13 ≡ 2 (mod 11): read in base 13, the 17
        # digits give Σ dᵢ·2^(17-i) (mod 11) without a Python-level loop.
        return _CHECK_CHARACTERS[2 * int(first17, 13) % 11]
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
    not_a_province: bool = False  # ID_INVALID_FORMAT because of the first two digits

    @property
    def valid(self) -> bool:
        return not any(p != "ID_OLD_FORMAT" for p in self.problems)

    def params(self, code: str) -> dict[str, Any]:
        """The message parameters of the finding ``code`` (never the whole number).

        ID_INVALID_FORMAT has two wordings: the length (default) and, with
        ``variant="province"``, the first two digits that are no province.
        """
        params: dict[str, Any] = {"length": len(self.number), "tail": self.number[-4:]}
        if code == "ID_INVALID_FORMAT" and self.not_a_province:
            params |= {"variant": "province", "province": self.number[:2]}
        return params


@lru_cache(maxsize=65536)
def _birth_date(digits: str) -> date | None:
    """The date YYYYMMDD (digits 7-14 of an ID) names; cached: birthdays repeat."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def check_id(text: str, as_of: date) -> IdCheck:
    """Check a (non-numeric) ID cell: format, province, 15-digit upgrade, check character,
    birth date. Digits of any script count as their ASCII digit (``normalise_id``)."""
    number = normalise_id(text)
    result = IdCheck(number)
    if not number.isascii():  # every decimal digit is ASCII by now: a letter or a sign
        result.problems.append("ID_INVALID_FORMAT")
        return result
    if len(number) == 15 and number.isdigit():
        number = upgrade_15(number)
        result.number = number
        result.problems.append("ID_OLD_FORMAT")
    first17 = number[:17]
    if len(number) != 18 or not first17.isdigit() or number[17] not in "0123456789X":
        result.problems.append("ID_INVALID_FORMAT")
        return result
    if number[:2] not in PROVINCES:
        result.problems.append("ID_INVALID_FORMAT")
        result.not_a_province = True
        return result
    if number[17] != check_character(first17):
        result.problems.append("ID_BAD_CHECKSUM")
    born = _birth_date(number[6:14])
    if born is None or born > as_of or born.year < 1890:
        result.problems.append("ID_BAD_BIRTHDATE")
    else:
        result.birth_date = born
    result.sex = "男" if number[16] in "13579" else "女"
    return result


def quick_id(text: str, as_of: date) -> tuple[str, date, str] | None:
    """(number, birth date, sex) of a cell that is a clean 18-character ID, else None.

    None means "not the common case": the caller checks the cell fully, which also
    says what is wrong. Never gives an answer ``check_id`` would not.
    """
    if len(text) != 18 or not text.isascii():
        return None
    first17 = text[:17]
    if not first17.isdigit() or text[:2] not in PROVINCES:
        return None
    if text[17] == "x":
        text = first17 + "X"
    if text[17] != _CHECK_CHARACTERS[2 * int(first17, 13) % 11]:
        return None
    born = _birth_date(text[6:14])
    if born is None or born > as_of or born.year < 1890:
        return None
    return text, born, "男" if text[16] in "13579" else "女"


def age_on(born: date, day: date) -> int:
    """Completed years of age on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def normalise_account(text: str) -> str:
    """A bank account without spaces and hyphens, its digits ASCII."""
    return number_key(text).replace("-", "")


# Luhn: every second digit from the right is doubled, and a doubled digit counts by the
# sum of its digits (7 → 14 → 5); this table does both at once.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def _luhn_valid(digits: str) -> bool:
    """The Luhn check of ASCII digits, as ``stdnum.luhn.is_valid`` computes it."""
    doubled = digits[-2::-2].translate(_LUHN_DOUBLED)
    total = sum(digits[::-2].encode()) + sum(doubled.encode()) - 48 * len(digits)
    return total % 10 == 0


def quick_account(text: str) -> bool:
    """True when a cell is a clean account as it stands: ASCII digits with no finding."""
    if not (12 <= len(text) <= 30 and text.isascii() and text.isdigit()):
        return False
    return not (16 <= len(text) <= 19 and text.startswith("62")) or _luhn_valid(text)


def account_problem(account: str) -> str | None:
    """BANK_ACCOUNT_INVALID, BANK_ACCOUNT_CHECKSUM (warning) or None.

    ``account`` is normalised (``normalise_account``); digits of other scripts are
    folded here too, so the answer never depends on how a digit was typed.
    """
    account = ascii_digits(account)
    if not (12 <= len(account) <= 30 and account.isascii() and account.isdigit()):
        return "BANK_ACCOUNT_INVALID"
    if 16 <= len(account) <= 19 and account.startswith("62") and not _luhn_valid(account):
        return "BANK_ACCOUNT_CHECKSUM"
    return None


_MOBILE = re.compile(r"^(?:\+?86)?1[0-9]{10}$")
_LANDLINE = re.compile(r"^(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})-?[0-9]{7,8}(?:-[0-9]{1,6})?$")


def normalise_phone(text: str) -> str:
    """A phone as it is stored: no whitespace, ASCII digits (``138 0000 0000`` → ``13800000000``)."""
    return number_key(text)


def phone_valid(text: str) -> bool:
    """An 11-digit mobile starting with 1, or a landline with its area code (0313-1234567)."""
    phone = normalise_phone(text)
    if len(phone) == 11 and phone[0] == "1" and phone.isascii() and phone.isdigit():
        return True
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
