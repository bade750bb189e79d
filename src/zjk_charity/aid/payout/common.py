"""What every payout command shares: who is paid what, how people are shown, and the
refusal after finalize."""

from __future__ import annotations

from dataclasses import dataclass

from zjk_charity.aid.allocation import (
    Allocation,
    read_allocation,
)
from zjk_charity.errors import UserError
from zjk_charity.ids import (
    mask_id,
    mask_name,
)
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.model import Payee, Purpose
from zjk_charity.payments.status import Funded

PURPOSE: Purpose = "aid"


# ------------------------------------------------------------------ who is paid what


def payees(a: Allocation, accounts: dict[str, store.AccountChange]) -> dict[str, Payee]:
    """Today's funded people as payees, by ID, with their corrected account if any."""
    found: dict[str, Payee] = {}
    for e in a.funded:
        if e.id_number is None:
            continue
        fixed = accounts.get(e.id_number)
        found[e.id_number] = Payee(
            key=e.id_number,
            county=e.county or "",
            name=fixed.name if fixed else e.name,
            account=fixed.account if fixed else e.account,
            bank=fixed.bank if fixed else e.bank,
            amount=e.amount if e.amount is not None else a.per_person,
            id_number=e.id_number,
            township=e.township,
            village=e.village,
            person=e.name,
        )
    return found


def funded_list(a: Allocation) -> list[Funded]:
    """Today's funded people as the payment status counts them (status and report)."""
    return [
        Funded(e.id_number, e.county or "", e.amount if e.amount is not None else a.per_person)
        for e in a.funded
        if e.id_number is not None
    ]


@dataclass(frozen=True)
class PersonRef:
    """A person as terminal output may show them: county, masked name and ID."""

    county: str
    name: str
    id_masked: str
    reason: str = ""

    @classmethod
    def of(cls, payee: Payee, reason: str = "") -> PersonRef:
        """The person the money is for (not a corrected 户名 that may be someone else's)."""
        return cls(payee.county, mask_name(payee.person or payee.name), mask_id(payee.key), reason)

    def as_json(self) -> dict[str, str]:
        return {
            "county": self.county,
            "name": self.name,
            "id": self.id_masked,
            "reason": self.reason,
        }


def open_for_payment(conn: Connection, year: int) -> Allocation:
    a = read_allocation(conn, year)
    if a.finalized:
        raise finalized_error(year)
    return a


def finalized_error(year: int) -> UserError:
    return UserError(
        f"{year} 年的分配已经定稿，不能再付款或更改；如有遗漏请联系管理员",
        f"the {year} allocation is finalized; nothing more can be paid or changed",
    )
