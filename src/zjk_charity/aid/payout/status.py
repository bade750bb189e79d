"""``aid payments status``: where each funded person's money is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import (
    read_allocation,
)
from zjk_charity.aid.payout.common import (
    PURPOSE,
    funded_list,
)
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.status import Status, payment_status

# ------------------------------------------------------------------ payments status


@dataclass
class PaymentsStatus:
    year: int
    status: Status
    withdrawn: int
    backfilled: int
    names: dict[str, str] = field(default_factory=dict)  # ID -> the recipient's name

    def as_json(self) -> dict[str, Any]:
        s = self.status
        return {
            "campaign": campaign_name(self.year),
            **s.totals_json(),
            "withdrawn": self.withdrawn,
            "backfilled": self.backfilled,
            "people": [
                {
                    "id": line.key,
                    "county": line.county,
                    "state": line.state,
                    "batch": line.batch,
                    "reason": line.reason,
                }
                for line in s.lines
            ],
        }


def read_status(conn: Connection, year: int) -> PaymentsStatus:
    """The payment status of the year's funded people, on an open connection."""
    a = read_allocation(conn, year)
    status = payment_status(funded_list(a), store.instructions(conn, PURPOSE, year))
    withdrawn = sum(1 for e in a.entries if e.status == "withdrawn")
    backfilled = sum(1 for e in a.entries if getattr(e, "backfilled", False))
    names = {e.id_number: e.name for e in a.funded if e.id_number}
    return PaymentsStatus(year, status, withdrawn, backfilled, names)


def payments_status(ledger: Ledger, year: int) -> PaymentsStatus:
    with ledger.read() as conn:
        if conn is None:
            raise UserError(
                f"{year} 年还没有分配结果；请先运行 zjk-charity aid allocate",
                f"no allocation for {year} yet; run zjk-charity aid allocate first",
            )
        return read_status(conn, year)
