"""What the 微心愿 payout commands share: who is paid what, to which account, and how a
wish is shown.

A **payee** is a fully funded wish that is not fulfilled in kind: key = its 编号, the
account holder (户名) = its guardian (监护人), the account = its 收款账号, unless a
``wishes accounts update`` corrected them (the latest correction wins). A wish whose
account is not usable (no 收款账号, no 户名, or a 收款账号 that is not an account) is
never sent to the bank: it is listed with what is missing, and stays ``unpaid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zjk_charity.ids import account_problem, mask_name
from zjk_charity.payments import store
from zjk_charity.payments.model import Payee, Purpose
from zjk_charity.wishes.amounts import to_decimal
from zjk_charity.wishes.progress import WishPayout

PURPOSE: Purpose = "wishes"

# What a wish's account may lack, as the clerk reads it (Chinese, English).
GAPS: dict[str, tuple[str, str]] = {
    "account": ("缺少收款账号", "no 收款账号 (account)"),
    "invalid": ("收款账号不是有效的银行账号", "the 收款账号 is not a valid bank account"),
    "name": ("缺少户名（监护人）", "no 户名 (the guardian's name)"),
}


def campaign_name(year: int) -> str:
    """The 微心愿 campaign in ``--json`` documents: ``weixinyuan-<year>``."""
    return f"weixinyuan-{year}"


def wish_payee(payout: WishPayout, fixed: store.AccountChange | None) -> Payee:
    """The payee of a wish: its guardian's account, or the latest corrected one."""
    w = payout.wish
    return Payee(
        key=w.wish_id,
        county=w.county,
        name=(fixed.name if fixed is not None and fixed.name else w.guardian),
        account=fixed.account if fixed is not None else w.account,
        bank=fixed.bank if fixed is not None else "",
        amount=to_decimal(w.amount),
        phone=w.phone,
        person=w.child_name,
    )


def account_gaps(payee: Payee) -> tuple[str, ...]:
    """What keeps the money from going to ``payee``'s account (keys of :data:`GAPS`);
    empty when it can go. A checksum warning (BANK_ACCOUNT_CHECKSUM) does not stop it:
    some real cards fail the Luhn check, as aid pay accepts too."""
    gaps: list[str] = []
    if not payee.account:
        gaps.append("account")
    elif account_problem(payee.account) == "BANK_ACCOUNT_INVALID":
        gaps.append("invalid")
    if not payee.name:
        gaps.append("name")
    return tuple(gaps)


def gap_text(gaps: tuple[str, ...], lang: str = "zh") -> str:
    """The gaps as one line: ``缺少收款账号、缺少户名（监护人）``."""
    parts = [GAPS[g][1 if lang == "en" else 0] for g in gaps]
    return ("; " if lang == "en" else "、").join(parts)


@dataclass(frozen=True)
class WishRef:
    """A wish as terminal output may show it: 编号, county, a masked name and a reason
    (a gap, a payment state or the bank's failure reason)."""

    wish_id: str
    county: str
    name: str  # masked: the child's (张*三) or the account holder's
    reason: str = ""

    @classmethod
    def of(cls, payee: Payee, reason: str = "", *, holder: bool = False) -> WishRef:
        """The wish of ``payee``, named by the child, or with ``holder`` by the 户名."""
        return cls(
            payee.key, payee.county, mask_name(payee.name if holder else payee.person), reason
        )

    def as_json(self) -> dict[str, Any]:
        return {"id": self.wish_id, "county": self.county, "name": self.name, "reason": self.reason}
