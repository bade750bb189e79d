"""The matching rule of wishes.md, step by step, on what earlier runs left.

1. Donations designated to a wish (cash or goods), in (到账日期, 捐赠编号) order, go to
   their wish up to its remaining need; the rest stays with that wish as a designated
   balance and is never used elsewhere.
2. Wishes that still need money, in (登记日期, 心愿编号) order, are funded from the
   eligible balances only when those cover the whole remaining need; money is taken by
   tier (category+county, category, county, general), and within a tier by
   (到账日期, 捐赠编号). A wish that cannot be covered is skipped (待认领).
3. Cash pays for 资金 and 物资 wishes alike; undesignated goods are never matched.

Speed by design: a donation's restrictions (定向类别, 定向县区) are one of at most
7 × 20 keys, and the donations eligible for a wish are exactly those under its four keys
(category+county, category only, county only, none), which are also its four tiers. Each
key holds a queue in (到账日期, 捐赠编号) order and its running total, so deciding a wish
costs four look-ups, and a donation leaves its queue once when it is spent. A run is
O((W + D) log(W + D) + matches); no wish is ever compared with every donation.

Decision where wishes.md is silent: 心愿编号 and 捐赠编号 are ordered naturally (``W2``
before ``W10``), as a person reads them; see :func:`~zjk_charity.wishes.model.natural_key`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zjk_charity.wishes.amounts import Fen
from zjk_charity.wishes.columns import CASH
from zjk_charity.wishes.model import Basis, Donation, Match, Wish, natural_key

TIERS: tuple[Basis, ...] = (Basis.CATEGORY_COUNTY, Basis.CATEGORY, Basis.COUNTY, Basis.GENERAL)
Restriction = tuple[str | None, str | None]  # (定向类别, 定向县区 code)


def restriction(donation: Donation) -> Restriction:
    return donation.category, donation.county_code


def tier_keys(wish: Wish) -> tuple[Restriction, ...]:
    """The restrictions a donation may carry to be eligible for ``wish``, by tier."""
    c, k = wish.category, wish.county_code
    return (c, k), (c, None), (None, k), (None, None)


def basis_of(key: Restriction) -> Basis:
    """The tier a restriction key belongs to."""
    category, county = key
    if category and county:
        return Basis.CATEGORY_COUNTY
    if category:
        return Basis.CATEGORY
    return Basis.COUNTY if county else Basis.GENERAL


def donation_order(donation: Donation) -> tuple[object, ...]:
    return donation.received, natural_key(donation.donation_id)


def wish_order(wish: Wish) -> tuple[object, ...]:
    return wish.registered, natural_key(wish.wish_id)


def poolable(donation: Donation) -> bool:
    """Cash that is not designated to a wish: the money of step 2."""
    return donation.wish_id is None and donation.kind == CASH


@dataclass(slots=True)
class _Gift:
    donation_id: str
    balance: Fen


@dataclass(slots=True)
class _Pool:
    """The balances under one restriction key, oldest first, and their total."""

    gifts: deque[_Gift] = field(default_factory=deque)
    total: Fen = 0

    def take(self, need: Fen, wish_id: str, basis: Basis, out: list[Match]) -> Fen:
        """Take up to ``need`` from the front; returns what is still needed."""
        gifts = self.gifts
        while need and gifts:
            gift = gifts[0]
            amount = min(gift.balance, need)
            out.append(Match(gift.donation_id, wish_id, amount, basis))
            gift.balance -= amount
            self.total -= amount
            need -= amount
            if not gift.balance:
                gifts.popleft()
        return need


def match_wishes(
    wishes: Iterable[Wish],
    donations: Iterable[Donation],
    raised: Mapping[str, Fen],
    given: Mapping[str, Fen],
) -> list[Match]:
    """The matches of one run, in the order the rule makes them.

    ``raised`` is what each wish has received in earlier runs and ``given`` what each
    donation has given; only what is left takes part, so earlier matches never change.
    """
    wish_list = list(wishes)
    need = {w.wish_id: w.amount - raised.get(w.wish_id, 0) for w in wish_list}
    balances = [(d, d.amount - given.get(d.donation_id, 0)) for d in donations]
    matches: list[Match] = []
    _designated(balances, need, matches)
    _pooled(wish_list, balances, need, matches)
    return matches


def _designated(
    balances: Sequence[tuple[Donation, Fen]], need: dict[str, Fen], out: list[Match]
) -> None:
    """Step 1: each designated donation to its wish, up to the wish's remaining need."""
    ready = [(d, b) for d, b in balances if d.wish_id is not None and b > 0]
    ready.sort(key=lambda pair: donation_order(pair[0]))
    for donation, balance in ready:
        wish_id = donation.wish_id
        assert wish_id is not None
        amount = min(balance, need.get(wish_id, 0))
        if amount > 0:
            out.append(Match(donation.donation_id, wish_id, amount, Basis.DESIGNATED))
            need[wish_id] -= amount


def _index(balances: Sequence[tuple[Donation, Fen]]) -> dict[Restriction, _Pool]:
    """Step 2's money: poolable balances by restriction, each queue oldest first."""
    ready = [(d, b) for d, b in balances if b > 0 and poolable(d)]
    ready.sort(key=lambda pair: donation_order(pair[0]))
    pools: dict[Restriction, _Pool] = {}
    for donation, balance in ready:
        key = donation.category, donation.county_code
        pool = pools.get(key)
        if pool is None:
            pool = pools[key] = _Pool()
        pool.gifts.append(_Gift(donation.donation_id, balance))
        pool.total += balance
    return pools


def _pooled(
    wishes: Sequence[Wish],
    balances: Sequence[tuple[Donation, Fen]],
    need: dict[str, Fen],
    out: list[Match],
) -> None:
    """Step 2: wishes in (登记日期, 心愿编号) order, funded whole or skipped."""
    pools = _index(balances)
    for wish in sorted((w for w in wishes if need[w.wish_id] > 0), key=wish_order):
        left = need[wish.wish_id]
        found = zip(TIERS, map(pools.get, tier_keys(wish)), strict=True)
        tiers = [(basis, pool) for basis, pool in found if pool and pool.total]
        if sum(pool.total for _, pool in tiers) < left:
            continue  # 待认领: skipped, the next wish is tried
        for basis, pool in tiers:
            left = pool.take(left, wish.wish_id, basis, out)
        need[wish.wish_id] = left
