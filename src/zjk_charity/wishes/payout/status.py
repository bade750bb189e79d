"""``wishes payments status``: where each funded wish's money is (payout.md).

The document is ``aid payments status``'s with ``wishes`` in place of ``people``: every
key of it is kept (``cash_pending``, ``withdrawn`` and ``backfilled`` are always 0 for
微心愿, which has no cash sheets and no funded list to withdraw from), ``purchasing``
follows ``unpaid`` among the states, and ``missing_account`` lists the unpaid 资金
wishes whose account is not usable (the same rule as ``wishes pay``). Invariant, to the
cent: amount = paid + pending + failed + unpaid + purchasing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zjk_charity.ids import mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.status import STATE_ZH, PayeeLine, Status
from zjk_charity.wishes.payout.common import PURPOSE, WishRef, campaign_name
from zjk_charity.wishes.payout.pay import MissingAccount, plan_payout
from zjk_charity.wishes.progress import Progress, Stage

# How a funded wish is fulfilled, as the document names it.
CASH_KIND, GOODS_KIND = "资金", "物资"


@dataclass
class WishPaymentsStatus:
    """The payment status of the funded wishes, their stages and missing accounts."""

    year: int
    progress: Progress
    status: Status
    missing: dict[str, MissingAccount] = field(default_factory=dict)

    @property
    def stages(self) -> dict[Stage, int]:
        return self.progress.stages()

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        s = self.status
        return {
            "campaign": campaign_name(self.year),
            **s.totals_json(),
            "withdrawn": 0,
            "backfilled": 0,
            "missing_account": list(self.missing),
            "wishes": [self._line(line, lang) for line in s.lines],
        }

    def _line(self, line: PayeeLine, lang: str) -> dict[str, Any]:
        p = self.progress.payouts[line.key]
        gap = self.missing.get(line.key)
        return {
            "id": line.key,
            "county": line.county,
            "kind": GOODS_KIND if p.in_kind else CASH_KIND,
            "state": line.state,
            "batch": line.batch,
            "reason": line.reason or (gap.reason(lang) if gap is not None else None),
            "delivered": p.delivery.delivered_on.isoformat() if p.delivery else None,
        }

    def waiting(self, lang: str = "zh") -> list[WishRef]:
        """The funded wishes not paid yet (nor on a 采购清单), the child's name masked;
        ``reason``: the payment state, or what the account lacks."""
        found = []
        for line in self.status.lines:
            if line.state in ("paid", "purchasing"):
                continue
            p = self.progress.payouts[line.key]
            gap = self.missing.get(line.key)
            found.append(
                WishRef(
                    line.key,
                    line.county,
                    mask_name(p.wish.child_name),
                    gap.reason(lang) if gap is not None else _said(line.state, line.reason, lang),
                )
            )
        return found


def _said(state: str, reason: str | None, lang: str) -> str:
    """A state as the list shows it; a failure with the bank's reason (账户已销户)."""
    if state != "failed" or not reason:
        return state
    return f"{STATE_ZH['failed']}（{reason}）" if lang == "zh" else f"failed ({reason})"


def read_status(conn: Connection | None, year: int) -> WishPaymentsStatus:
    """The status on an open connection (None: no ledger yet, an empty status)."""
    progress = Progress.load(conn)
    fixes = store.latest_accounts(conn, PURPOSE, None) if conn is not None else {}
    missing = {m.wish_id: m for m in plan_payout(progress, fixes).missing}
    return WishPaymentsStatus(year, progress, progress.status(), missing)


def wish_payments_status(ledger: Ledger, year: int) -> WishPaymentsStatus:
    """``wishes payments status``: read only; ``year`` names the campaign."""
    with ledger.read() as conn:
        return read_status(conn, year)
