"""Where every fen stands: wishes, donations and matches as the ledger holds them.

:class:`Accounts` is what ``wishes match`` reports, ``wishes status`` shows and the
workbook lists. It holds the invariant of wishes.md: money received = money matched +
balances, to the fen, where a balance is one of three kinds —

- a **designated balance** (定向余额): what is left of a gift designated to a wish after
  that wish was covered; it waits for a decision (ask the donor), never used elsewhere;
- **goods aside** (未定向物资): goods not designated to a wish, never matched automatically;
- a **pool balance**: cash waiting for a wish its restrictions (定向类别, 定向县区) allow.

Money refunded to a donor (``donations settle … --to refund``) leaves the accounts:
received = matched + balances + refunded. A balance the donor let go (``--to general``)
is undesignated money from then on: the donation is loaded without its designation (its
matches keep the basis they were made with), so the next ``wishes match`` may use it;
``Accounts.as_imported`` gives it back as imported, for what donors and staff read.

Decision where wishes.md is silent: ``children_helped`` counts distinct children (by ID)
with at least one fully funded wish.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from zjk_charity.counties import BY_CODE
from zjk_charity.ids import mask_name
from zjk_charity.ledger.db import Connection
from zjk_charity.wishes import store
from zjk_charity.wishes.amounts import Fen, yuan
from zjk_charity.wishes.matching import (
    TIERS,
    Restriction,
    basis_of,
    donation_order,
    poolable,
    restriction,
    tier_keys,
    wish_order,
)
from zjk_charity.wishes.model import Donation, Wish, WishStatus
from zjk_charity.wishes.store import MatchRecord, Settlement


@dataclass(frozen=True)
class PoolBalance:
    """Cash under one restriction that no wish has taken yet."""

    key: Restriction
    donations: int
    amount: Fen
    open_wishes: int  # open wishes this money is eligible for (together short of covering them)

    @property
    def category(self) -> str | None:
        return self.key[0]

    @property
    def county(self) -> str | None:
        code = self.key[1]
        return BY_CODE[code].name if code in BY_CODE else code


@dataclass
class Accounts:
    wishes: list[Wish] = field(default_factory=list)  # (登记日期, 心愿编号) order
    donations: list[Donation] = field(default_factory=list)  # (到账日期, 捐赠编号) order
    matches: list[MatchRecord] = field(default_factory=list)  # the order they were made
    raised: dict[str, Fen] = field(default_factory=dict)  # per wish
    given: dict[str, Fen] = field(default_factory=dict)  # per donation
    settlements: list[Settlement] = field(default_factory=list)  # the order decided
    refunded: dict[str, Fen] = field(default_factory=dict)  # per donation
    # The donations a ``--to general`` settlement took the designation off, as imported.
    imported: dict[str, Donation] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection | None) -> Accounts:
        """The ledger's wishes, donations, matches and settlements (empty without a ledger)."""
        if conn is None:
            return cls()
        settlements = store.load_settlements(conn)
        released = {s.donation_id for s in settlements if s.target == "general"}
        wishes = sorted(store.load_wishes(conn), key=wish_order)
        originals = store.load_donations(conn)
        donations = sorted(
            (_undesignated(d) if d.donation_id in released else d for d in originals),
            key=donation_order,
        )
        accounts = cls(wishes, donations)
        accounts.imported = {d.donation_id: d for d in originals if d.donation_id in released}
        accounts.set_matches(store.load_matches(conn))
        accounts.set_settlements(settlements)
        return accounts

    def set_settlements(self, settlements: list[Settlement]) -> None:
        refunded: dict[str, Fen] = defaultdict(int)
        for s in settlements:
            if s.target == "refund":
                refunded[s.donation_id] += s.amount
        self.settlements, self.refunded = settlements, dict(refunded)

    def spent(self) -> dict[str, Fen]:
        """Per donation, what no match may take any more: matched plus refunded."""
        spent = dict(self.given)
        for donation_id, fen in self.refunded.items():
            spent[donation_id] = spent.get(donation_id, 0) + fen
        return spent

    def set_matches(self, matches: list[MatchRecord]) -> None:
        raised: dict[str, Fen] = defaultdict(int)
        given: dict[str, Fen] = defaultdict(int)
        for record in matches:
            raised[record.match.wish_id] += record.match.amount
            given[record.match.donation_id] += record.match.amount
        self.matches, self.raised, self.given = matches, dict(raised), dict(given)

    # ---- one wish, one donation ---------------------------------------------------
    def as_imported(self, donation: Donation) -> Donation:
        """The donation as imported, with the designation a ``--to general`` settlement
        took off (the matcher must not see it; a donor's letter and the workbook show it)."""
        return self.imported.get(donation.donation_id, donation)

    def short(self, wish: Wish) -> Fen:
        """尚缺: what the wish still needs."""
        return wish.amount - self.raised.get(wish.wish_id, 0)

    def status(self, wish: Wish) -> WishStatus:
        raised = self.raised.get(wish.wish_id, 0)
        if raised >= wish.amount:
            return WishStatus.FULFILLED
        return WishStatus.PARTIAL if raised else WishStatus.PENDING

    def balance(self, donation: Donation) -> Fen:
        """What is left of a donation: its amount less what was matched and refunded."""
        key = donation.donation_id
        return donation.amount - self.given.get(key, 0) - self.refunded.get(key, 0)

    @property
    def wish_by_id(self) -> dict[str, Wish]:
        return {w.wish_id: w for w in self.wishes}

    @property
    def donation_by_id(self) -> dict[str, Donation]:
        return {d.donation_id: d for d in self.donations}

    # ---- totals -------------------------------------------------------------------
    def totals(self) -> dict[str, Any]:
        """The scalar figures of the ``wishes match`` JSON, money as "300.00"."""
        cash = sum(d.amount for d in self.donations if d.is_cash)
        goods = sum(d.amount for d in self.donations if not d.is_cash)
        matched = sum(r.match.amount for r in self.matches)
        refunded = sum(self.refunded.values())
        statuses = [self.status(w) for w in self.wishes]
        helped = {
            w.id_number
            for w, s in zip(self.wishes, statuses, strict=True)
            if s is WishStatus.FULFILLED
        }
        return {
            "donations_total": yuan(cash + goods),
            "cash_total": yuan(cash),
            "goods_total": yuan(goods),
            "matched": yuan(matched),
            "balance": yuan(cash + goods - matched - refunded),
            "refunded": yuan(refunded),
            "wishes": len(self.wishes),
            "fulfilled": statuses.count(WishStatus.FULFILLED),
            "partial": statuses.count(WishStatus.PARTIAL),
            "pending": statuses.count(WishStatus.PENDING),
            "children_helped": len(helped),
        }

    def as_json(self) -> dict[str, Any]:
        """The ``wishes match --json`` document of wishes.md: every match in the ledger."""
        return {
            **self.totals(),
            "matches": [
                {
                    "donation": r.match.donation_id,
                    "wish": r.match.wish_id,
                    "amount": yuan(r.match.amount),
                    "basis": r.match.basis.value,
                }
                for r in self.matches
            ],
        }

    # ---- balances -----------------------------------------------------------------
    def open_wishes(self) -> list[Wish]:
        return [w for w in self.wishes if self.short(w) > 0]

    def designated_balances(self) -> list[Donation]:
        """Gifts designated to a wish with money left after the wish was covered."""
        return [d for d in self.donations if d.designated and self.balance(d) > 0]

    def goods_aside(self) -> list[Donation]:
        return [d for d in self.donations if d.set_aside and self.balance(d) > 0]

    def pool_balances(self) -> list[PoolBalance]:
        """Cash waiting, by restriction, with the open wishes it is eligible for."""
        amounts: dict[Restriction, Fen] = defaultdict(int)
        counts: dict[Restriction, int] = defaultdict(int)
        for d in self.donations:
            left = self.balance(d)
            if left > 0 and poolable(d):
                key = restriction(d)
                amounts[key] += left
                counts[key] += 1
        eligible: dict[Restriction, int] = defaultdict(int)
        for w in self.open_wishes():
            for key in tier_keys(w):
                if key in amounts:
                    eligible[key] += 1
        ordered = sorted(amounts, key=lambda k: (_TIER_RANK[basis_of(k)], k[0] or "", k[1] or ""))
        return [PoolBalance(k, counts[k], amounts[k], eligible[k]) for k in ordered]

    def status_json(self) -> dict[str, Any]:
        """``wishes status --json``: open wishes, balances by restriction, what waits, and
        what donors decided."""
        wishes = self.wish_by_id
        return {
            **self.totals(),
            "open_wishes": [
                {
                    "wish": w.wish_id,
                    "child": mask_name(w.child_name),
                    "county": w.county,
                    "category": w.category,
                    "kind": w.kind,
                    "registered": w.registered.isoformat(),
                    "amount": yuan(w.amount),
                    "raised": yuan(self.raised.get(w.wish_id, 0)),
                    "short": yuan(self.short(w)),
                    "status": self.status(w).value,
                }
                for w in self.open_wishes()
            ],
            "balances": [
                {
                    "basis": basis_of(b.key).value,
                    "category": b.category,
                    "county": b.county,
                    "donations": b.donations,
                    "amount": yuan(b.amount),
                    "open_wishes": b.open_wishes,
                }
                for b in self.pool_balances()
            ],
            "designated_balances": [
                {
                    "donation": d.donation_id,
                    "donor": d.donor,
                    "wish": d.wish_id,
                    "wish_status": self.status(wishes[d.wish_id]).value
                    if d.wish_id in wishes
                    else None,
                    "amount": yuan(self.balance(d)),
                }
                for d in self.designated_balances()
            ],
            "goods_aside": [
                {
                    "donation": d.donation_id,
                    "donor": d.donor,
                    "goods": d.goods,
                    "amount": yuan(self.balance(d)),
                }
                for d in self.goods_aside()
            ],
            "settlements": self.settlements_json(),
        }

    def settlements_json(self) -> list[dict[str, Any]]:
        """What donors decided (``donations settle``), in the order decided: a settled
        balance is no longer listed as waiting, so it is listed here."""
        donations = self.donation_by_id
        return [
            {
                "donation": s.donation_id,
                "donor": donations[s.donation_id].donor if s.donation_id in donations else None,
                "to": s.target,
                "wish": s.wish_id,
                "amount": yuan(s.amount),
                "note": s.note,
                "operator": s.operator,
                "at": s.at,
            }
            for s in self.settlements
        ]


_TIER_RANK = {basis: rank for rank, basis in enumerate(TIERS)}


def _undesignated(donation: Donation) -> Donation:
    """A donation whose donor let its designated balance go (``--to general``)."""
    return donation._replace(wish_id=None, category=None, county_code=None, county=None)
