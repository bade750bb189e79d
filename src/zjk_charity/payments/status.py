"""Where each payee's money is, and the campaign's totals (``… payments status``).

A payee's state comes from their instructions: ``paid`` once any succeeded (bank or
cash); otherwise the state of their latest instruction that was not cancelled
(``pending``, ``failed``, ``cash_pending``, or ``purchasing`` for a 物资 wish on a
采购清单); ``unpaid`` when they have none. The invariant, to the cent: the funded amount
= the sum over the campaign's states (福彩暖冬: paid + pending + failed + cash_pending +
unpaid; 微心愿: paid + pending + failed + unpaid + purchasing, and cash_pending, always
0); a second success (DOUBLE_PAYMENT) is money to recover, counted on top.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from zjk_charity.payments.model import Instruction, yuan

PayeeState = Literal["paid", "pending", "failed", "cash_pending", "unpaid", "purchasing"]
STATES: tuple[PayeeState, ...] = ("paid", "pending", "failed", "cash_pending", "unpaid")
# 微心愿 (payout.md): no cash sheets (cash_pending stays 0, kept for the shape of the
# document), and a 物资 wish on a 采购清单 is ``purchasing``.
WISH_STATES: tuple[PayeeState, ...] = (*STATES, "purchasing")
# The states as a clerk reads them, in every list and message.
STATE_ZH: dict[str, str] = {
    "paid": "已到账",
    "pending": "等待银行回盘",
    "failed": "付款失败",
    "cash_pending": "现金待领取",
    "unpaid": "未付款",
    "purchasing": "已列入采购清单",
}


def by_payee(instructions: Iterable[Instruction]) -> dict[str, list[Instruction]]:
    """Instructions grouped by payee, oldest first."""
    grouped: dict[str, list[Instruction]] = defaultdict(list)
    for i in instructions:
        grouped[i.payee].append(i)
    return grouped


def payee_state(own: Sequence[Instruction]) -> tuple[PayeeState, Instruction | None]:
    """A payee's state and the instruction that decides it (None for ``unpaid``)."""
    for i in own:
        if i.state == "paid":
            return "paid", i
    live = [i for i in own if i.state != "cancelled"]
    if not live:
        return "unpaid", None
    last = live[-1]
    return _OPEN[last.state], last


# The state of a payee whose latest instruction is in this state (paid and cancelled
# never reach here: paid is found first, cancelled is skipped).
_OPEN: dict[str, PayeeState] = {
    "pending": "pending",
    "failed": "failed",
    "cash_pending": "cash_pending",
    "purchasing": "purchasing",
}


@dataclass(frozen=True)
class Funded:
    """A payee the campaign owes money to, as the status counts them."""

    key: str
    county: str
    amount: Decimal


@dataclass
class Tally:
    count: int = 0
    amount: Decimal = Decimal(0)

    def add(self, amount: Decimal) -> None:
        self.count += 1
        self.amount += amount

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "amount": yuan(self.amount)}


@dataclass
class PayeeLine:
    key: str
    county: str
    amount: Decimal
    state: PayeeState
    batch: str | None
    reason: str | None


@dataclass
class Status:
    """The payment status of a campaign's funded payees."""

    funded: list[Funded]
    lines: list[PayeeLine]
    tallies: dict[PayeeState, Tally]
    double_paid: Tally
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return sum((f.amount for f in self.funded), Decimal(0))

    def totals_json(self) -> dict[str, Any]:
        """The totals of payout.md's status document, in its order: funded, amount, one
        count and amount per state, double_paid (both campaigns' documents start so)."""
        return {
            "funded": len(self.funded),
            "amount": yuan(self.amount),
            **{state: tally.as_json() for state, tally in self.tallies.items()},
            "double_paid": self.double_paid.as_json(),
        }

    def balanced(self) -> bool:
        """The invariant: every funded fen is in exactly one state."""
        return self.amount == sum((t.amount for t in self.tallies.values()), Decimal(0))


def payment_status(
    funded: Sequence[Funded],
    instructions: Iterable[Instruction],
    states: Sequence[PayeeState] = STATES,
) -> Status:
    """Each funded payee's state from the instructions, and the totals per state
    (``states``: the campaign's, in the order its document lists them).

    Instructions of payees no longer funded (withdrawn) count only when they paid twice
    or paid someone withdrawn (``double``): that money is to recover.
    """
    grouped = by_payee(instructions)
    tallies = {s: Tally() for s in states}
    lines = []
    for f in funded:
        state, deciding = payee_state(grouped.get(f.key, []))
        tallies[state].add(f.amount)
        lines.append(
            PayeeLine(
                f.key,
                f.county,
                f.amount,
                state,
                deciding.batch if deciding else None,
                (deciding.reason or None) if deciding and state == "failed" else None,
            )
        )
    double = Tally()
    for own in grouped.values():
        for i in own:
            if i.double:
                double.add(i.amount)
    return Status(list(funded), lines, tallies, double)
