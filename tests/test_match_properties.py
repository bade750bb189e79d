"""The invariants of wishes.md, over random wishes and donations (hypothesis).

``rule`` below is the matching rule written out as literally as wishes.md states it —
for every wish, scan every donation — so the indexed matcher is checked against the rule
itself, not against a copy of its own design.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import backends
from test_wishes_support import empty_ledger, gift, wish
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.match_run import run_match
from zjk_charity.wishes.matching import match_wishes
from zjk_charity.wishes.model import Donation, Match, Source, Wish, natural_key
from zjk_charity.wishes.store import MatchRecord

CATEGORIES = ("孤儿", "农村留守儿童", "残疾儿童")
COUNTIES = ("130722", "130726")
START = date(2025, 4, 1)
Row = tuple[str, str, int, str]


# ---- the rule as written ----------------------------------------------------------------
def _tier(d: Donation) -> int:
    """0 category+county, 1 category, 2 county, 3 unrestricted."""
    return {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}[
        (d.category is not None, d.county_code is not None)
    ]


BASES = ("category+county", "category", "county", "general")


def rule(
    wishes: Sequence[Wish],
    donations: Sequence[Donation],
    raised: dict[str, int] | None = None,
    given_: dict[str, int] | None = None,
) -> list[Row]:
    need = {w.wish_id: w.amount - (raised or {}).get(w.wish_id, 0) for w in wishes}
    left = {d.donation_id: d.amount - (given_ or {}).get(d.donation_id, 0) for d in donations}
    out: list[Row] = []
    by_arrival = sorted(donations, key=lambda d: (d.received, natural_key(d.donation_id)))
    for d in by_arrival:  # 1. designated, in order of arrival
        if d.wish_id is not None and left[d.donation_id] > 0:
            amount = min(left[d.donation_id], need[d.wish_id])
            if amount > 0:
                out.append((d.donation_id, d.wish_id, amount, "designated"))
                left[d.donation_id] -= amount
                need[d.wish_id] -= amount
    for w in sorted(wishes, key=lambda w: (w.registered, natural_key(w.wish_id))):  # 2.
        if need[w.wish_id] <= 0:
            continue
        eligible = [
            d
            for d in by_arrival
            if d.kind == "资金"
            and d.wish_id is None
            and left[d.donation_id] > 0
            and d.category in (None, w.category)
            and d.county_code in (None, w.county_code)
        ]
        if sum(left[d.donation_id] for d in eligible) < need[w.wish_id]:
            continue  # skipped
        for d in sorted(eligible, key=_tier):  # stable: arrival order within a tier
            amount = min(left[d.donation_id], need[w.wish_id])
            if amount:
                out.append((d.donation_id, w.wish_id, amount, BASES[_tier(d)]))
                left[d.donation_id] -= amount
                need[w.wish_id] -= amount
    return out


def compact(matches: Sequence[Match]) -> list[Row]:
    return [(m.donation_id, m.wish_id, m.amount, m.basis.value) for m in matches]


def sums(rows: Sequence[Row]) -> tuple[dict[str, int], dict[str, int]]:
    raised: dict[str, int] = defaultdict(int)
    given_: dict[str, int] = defaultdict(int)
    for d, w, amount, _ in rows:
        raised[w] += amount
        given_[d] += amount
    return dict(raised), dict(given_)


# ---- random scenarios -------------------------------------------------------------------
amounts = st.one_of(st.sampled_from([5000, 10000, 20000, 30000, 50000]), st.integers(1, 60000))
days = st.integers(0, 9).map(lambda n: START + timedelta(days=n))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Wish], list[Donation]]:
    wishes = [
        wish(
            f"W{i}",
            draw(amounts),
            draw(days),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.sampled_from(COUNTIES)),
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    ids = [w.wish_id for w in wishes]
    donations = []
    for i in range(draw(st.integers(0, 14))):
        to = draw(st.none() | st.sampled_from(ids)) if ids and draw(st.booleans()) else None
        donations.append(
            gift(
                f"D{i}",
                draw(amounts),
                draw(days),
                goods=draw(st.integers(0, 5)) == 0,
                to=to,
                category=draw(st.none() | st.sampled_from(CATEGORIES)),
                county=draw(st.none() | st.sampled_from(COUNTIES)),
            )
        )
    return wishes, donations


@given(scenarios())
def test_the_indexed_matcher_is_the_rule_as_written(
    case: tuple[list[Wish], list[Donation]],
) -> None:
    wishes, donations = case
    assert compact(match_wishes(wishes, donations, {}, {})) == rule(wishes, donations)


@given(scenarios())
def test_invariants(case: tuple[list[Wish], list[Donation]]) -> None:
    wishes, donations = case
    matches = match_wishes(wishes, donations, {}, {})
    accounts = Accounts(wishes, donations)
    accounts.set_matches([MatchRecord(i, 1, m) for i, m in enumerate(matches)])
    by_wish = {w.wish_id: w for w in wishes}
    assert all(m.amount > 0 for m in matches)
    # no donation gives more than its amount; no wish receives more than its amount
    assert all(accounts.balance(d) >= 0 for d in donations)
    assert all(accounts.short(w) >= 0 for w in wishes)
    # money received = money matched + balances, to the fen, every balance of one kind
    received = sum(d.amount for d in donations)
    matched = sum(m.amount for m in matches)
    designated = sum(accounts.balance(d) for d in accounts.designated_balances())
    aside = sum(accounts.balance(d) for d in accounts.goods_aside())
    pooled = sum(p.amount for p in accounts.pool_balances())
    assert received == matched + designated + aside + pooled
    totals = accounts.totals()
    assert totals["balance"] == f"{(received - matched) / 100:.2f}"
    # designations and restrictions honoured; undesignated goods never matched
    gifts = {d.donation_id: d for d in donations}
    for m in matches:
        d, w = gifts[m.donation_id], by_wish[m.wish_id]
        if d.wish_id is not None:
            assert (m.wish_id, m.basis.value) == (d.wish_id, "designated")
        else:
            assert d.kind == "资金"
            assert d.category in (None, w.category) and d.county_code in (None, w.county_code)
            assert m.basis.value == BASES[_tier(d)]
    # after a run, no skipped wish could be covered by the balances eligible for it
    for w in wishes:
        short = accounts.short(w)
        if short > 0:
            eligible = sum(
                accounts.balance(d)
                for d in donations
                if d.kind == "资金"
                and d.wish_id is None
                and d.category in (None, w.category)
                and d.county_code in (None, w.county_code)
            )
            assert eligible < short


@given(scenarios(), days)
def test_two_rounds_equal_the_rule_round_by_round(
    case: tuple[list[Wish], list[Donation]], cut: date
) -> None:
    wishes, donations = case
    first = [d for d in donations if d.received <= cut]
    round_one = rule(wishes, first)
    round_two = rule(wishes, donations, *sums(round_one))
    one = match_wishes(wishes, first, {}, {})
    raised, given_ = sums(compact(one))
    two = match_wishes(wishes, donations, raised, given_)
    assert compact(one) == round_one and compact(two) == round_two


@settings(
    max_examples=15 if backends.postgres() else 25,  # a server: a connection per command
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenarios(), days)
def test_two_rounds_through_the_ledger(
    tmp_path: Path, case: tuple[list[Wish], list[Donation]], cut: date
) -> None:
    """Import, match, import the later donations, match: what the rule does round by round."""
    wishes, donations = case
    first = [d for d in donations if d.received <= cut]
    later = [d for d in donations if d.received > cut]
    assume(wishes or first)  # an empty ledger is refused: nothing to match
    expected_one = rule(wishes, first)
    expected_two = rule(wishes, donations, *sums(expected_one))
    source = Source("t.xlsx", "s", 3)
    ledger = empty_ledger(tmp_path / "ws")  # one workspace for every example, emptied
    with ledger.run("seed", {}) as run:
        store.insert_wishes(run.conn, run.id, [(w, source) for w in wishes])
        store.insert_donations(run.conn, run.id, [(d, source) for d in first])
    one = run_match(ledger, standard=30000)
    with ledger.run("seed", {}) as run:
        store.insert_donations(run.conn, run.id, [(d, source) for d in later])
    two = run_match(ledger, standard=30000)
    assert compact(one.new) == expected_one
    assert compact(two.new) == expected_two
    listed = [(m["donation"], m["wish"], m["amount"], m["basis"]) for m in two.as_json()["matches"]]
    assert listed == [(d, w, f"{a / 100:.2f}", b) for d, w, a, b in expected_one + expected_two]
