"""Where each wish stands after the match: 待认领 → 已认领 → 已支付 / 已采购 → 已送达.

The one read model of 微心愿 after the match, shared by ``wishes payments status``,
``wishes pay``, ``wishes deliver import``, the donors' letters and the report, so they
can never disagree. A wish's **stage** (payout.md):

- **待认领**: not fully funded yet (partly funded wishes too: their money waits);
- **已认领**: fully funded, not yet paid nor on a 采购清单 (payment pending, failed, or
  none yet);
- **已支付**: a 资金 wish whose payment to the guardian's account succeeded;
- **已采购**: a wish fulfilled in kind that is on a 采购清单 (``purchasing``);
- **已送达**: a delivery was recorded (``wishes deliver import``), after 已支付 or 已采购.

A wish is **fulfilled in kind** when it is a 物资 wish, or when any of its money is
donated goods (a gift of goods designated to a 资金 wish): the federation hands over or
buys the goods, nothing is sent to an account. Decision (README, "Issue 18"): one wish,
one way of fulfilling it, so its payment state is one of payout.md's and the invariant
holds per wish.

Payments of wishes are read for every year (``year=None``): a wish's 编号 is unique in
the ledger, and it is paid once, whatever year the batch was made in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store as payments_store
from zjk_charity.payments.model import Instruction, Purpose
from zjk_charity.payments.status import (
    WISH_STATES,
    Funded,
    PayeeState,
    Status,
    by_payee,
    payee_state,
    payment_status,
)
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import Fen, to_decimal
from zjk_charity.wishes.columns import CASH
from zjk_charity.wishes.model import Wish, WishStatus
from zjk_charity.wishes.store import Delivery

PURPOSE: Purpose = "wishes"


class Stage(StrEnum):
    PENDING = "待认领"
    CLAIMED = "已认领"
    PAID = "已支付"
    PURCHASED = "已采购"
    DELIVERED = "已送达"


STAGE_EN: dict[Stage, str] = {
    Stage.PENDING: "waiting for donors",
    Stage.CLAIMED: "funded",
    Stage.PAID: "paid",
    Stage.PURCHASED: "purchasing",
    Stage.DELIVERED: "delivered",
}

# The stages a delivery may be recorded after.
DELIVERABLE: frozenset[Stage] = frozenset({Stage.PAID, Stage.PURCHASED})


def stage_of(funded: bool, payment: PayeeState | None, delivered: bool) -> Stage:
    """The stage of a wish from the three facts that decide it (see the module's list)."""
    if not funded:
        return Stage.PENDING
    if delivered:
        return Stage.DELIVERED
    if payment == "paid":
        return Stage.PAID
    if payment == "purchasing":
        return Stage.PURCHASED
    return Stage.CLAIMED


@dataclass(frozen=True)
class WishPayout:
    """One wish after the match: funded or not, how it is fulfilled, its payment and
    delivery."""

    wish: Wish
    funded: bool
    in_kind: bool  # fulfilled by goods bought or handed over (see the module)
    goods: Fen  # of its money, what is donated goods
    payment: PayeeState | None  # None while not fully funded
    instruction: Instruction | None  # the instruction that decides ``payment``
    delivery: Delivery | None

    @property
    def stage(self) -> Stage:
        return stage_of(self.funded, self.payment, self.delivery is not None)


@dataclass
class Progress:
    """Every wish's :class:`WishPayout`, from the accounts, the payments and deliveries."""

    accounts: Accounts
    instructions: list[Instruction] = field(default_factory=list)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    payouts: dict[str, WishPayout] = field(default_factory=dict)  # (登记日期, 编号) order

    @classmethod
    def load(cls, conn: Connection | None) -> Progress:
        """The ledger as it stands (empty without a ledger)."""
        accounts = Accounts.load(conn)
        if conn is None:
            return cls(accounts)
        return cls.build(
            accounts,
            payments_store.instructions(conn, PURPOSE, None),
            store.load_deliveries(conn),
        )

    @classmethod
    def build(
        cls,
        accounts: Accounts,
        instructions: list[Instruction],
        deliveries: dict[str, Delivery],
    ) -> Progress:
        goods = _goods_by_wish(accounts)
        grouped = by_payee(instructions)
        payouts: dict[str, WishPayout] = {}
        for w in accounts.wishes:
            funded = accounts.status(w) is WishStatus.FULFILLED
            state, deciding = payee_state(grouped.get(w.wish_id, []))
            payouts[w.wish_id] = WishPayout(
                wish=w,
                funded=funded,
                in_kind=w.kind != CASH or goods.get(w.wish_id, 0) > 0,
                goods=goods.get(w.wish_id, 0),
                payment=state if funded else None,
                instruction=deciding if funded else None,
                delivery=deliveries.get(w.wish_id),
            )
        return cls(accounts, instructions, deliveries, payouts)

    def funded(self) -> list[Funded]:
        """The fully funded wishes as the payment status counts them (amount in yuan)."""
        return [
            Funded(p.wish.wish_id, p.wish.county, to_decimal(p.wish.amount))
            for p in self.payouts.values()
            if p.funded
        ]

    def status(self) -> Status:
        """payout.md's status of the funded wishes: paid, pending, failed, unpaid,
        purchasing (and cash_pending, always empty)."""
        return payment_status(self.funded(), self.instructions, WISH_STATES)

    def stages(self) -> dict[Stage, int]:
        """How many wishes are at each stage, every stage listed."""
        counts = dict.fromkeys(Stage, 0)
        for p in self.payouts.values():
            counts[p.stage] += 1
        return counts


def _goods_by_wish(accounts: Accounts) -> dict[str, Fen]:
    """Per wish, the part of its money that is donated goods."""
    donations = accounts.donation_by_id
    goods: dict[str, Fen] = defaultdict(int)
    for record in accounts.matches:
        d = donations.get(record.match.donation_id)
        if d is not None and not d.is_cash:
            goods[record.match.wish_id] += record.match.amount
    return dict(goods)
