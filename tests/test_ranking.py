"""The allocation rule itself: Hamilton quotas, ranking, households, repeats (aid.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from zjk_charity.aid.ranking import (
    Person,
    Reason,
    allocate,
    apportion,
    hamilton,
    priority_class,
    quota_total,
)
from zjk_charity.config import AidSettings

CLASSES = AidSettings().priority
AS_OF = date(2025, 10, 20)


def person(key: int, county: str = "130722", born: date = date(1950, 1, 1), **kw: object) -> Person:
    return Person(key=key, county_code=county, id_number=f"ID{key:04d}", birth_date=born, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ hand-computed quotas


def test_equal_remainders_go_to_the_county_with_more_candidates() -> None:
    # 3 seats over 1, 2, 3 candidates: shares 0.5, 1.0, 1.5 → floors 0, 1, 1; one seat
    # left; 张北县 and 蔚县 both have remainder 1/2 → 蔚县 has more candidates.
    assert hamilton(3, {"130722": 1, "130723": 2, "130726": 3}) == {
        "130722": 0,
        "130723": 1,
        "130726": 2,
    }


def test_equal_remainders_and_counts_go_to_the_lower_county_code() -> None:
    assert hamilton(1, {"130726": 1, "130722": 1}) == {"130722": 1, "130726": 0}
    assert hamilton(3, {"130731": 2, "130702": 2, "130725": 2}) == {
        "130702": 1,
        "130725": 1,
        "130731": 1,
    }


def test_larger_remainder_wins_before_size() -> None:
    # 10 seats over 7 and 4 candidates: 6.36 and 3.64 → the smaller county's .64 wins.
    assert hamilton(10, {"130722": 7, "130723": 4}) == {"130722": 6, "130723": 4}


def test_enough_places_for_everyone_funds_everyone() -> None:
    assert hamilton(810, {"130722": 300, "130723": 200}) == {"130722": 300, "130723": 200}
    people = [person(i, "130722" if i % 2 else "130723") for i in range(20)]
    outcome = allocate(people, seats=810, classes=CLASSES, as_of=AS_OF)
    assert len(outcome.funded) == 20 and not outcome.waitlist


def test_quotas_file_county_that_cannot_fill_its_quota() -> None:
    # 张北县 is given 5 but has 2 candidates: 3 places are re-apportioned over 康保县 (4
    # left) and 蔚县 (3 left): 3×4/7 = 1.71, 3×3/7 = 1.29 → 1 + 1, the last to 康保县.
    quotas = apportion(7, {"130722": 2, "130723": 6, "130726": 3}, fixed={"130722": 5, "130723": 2})
    assert quotas == {"130722": 2, "130723": 4, "130726": 1}


def test_quotas_file_with_places_nobody_can_use() -> None:
    quotas = apportion(10, {"130722": 2}, fixed={"130722": 3, "130723": 4})
    assert quotas == {"130722": 2}


def test_quota_total_floors_and_reports_remainder() -> None:
    assert quota_total(Decimal("810000"), Decimal("1000")) == 810
    assert quota_total(Decimal("810999.99"), Decimal("1000")) == 810
    assert quota_total(Decimal("999.99"), Decimal("1000")) == 0


# ----------------------------------------------------------------------------- ranking


def test_priority_class_needs_care_level_and_age() -> None:
    old_disabled = person(1, born=date(1960, 10, 20), care_level="失能")
    young_disabled = person(2, born=date(1965, 10, 21), care_level="半失能")
    old_independent = person(3, born=date(1930, 1, 1), care_level="自理")
    assert priority_class(old_disabled, CLASSES, AS_OF) == 0  # 60 on the reference day
    assert priority_class(young_disabled, CLASSES, AS_OF) == 1
    assert priority_class(old_independent, CLASSES, AS_OF) == 1


def test_rank_order_class_then_older_then_apply_date_then_id() -> None:
    people = [
        person(0, born=date(1930, 1, 1)),  # independent, oldest
        person(1, born=date(1950, 1, 1), care_level="失能"),
        person(2, born=date(1945, 1, 1), care_level="半失能"),
        person(3, born=date(1945, 1, 1), care_level="失能", apply_date=date(2025, 10, 1)),
        person(4, born=date(1945, 1, 1), care_level="失能", apply_date=date(2025, 9, 1)),
    ]
    outcome = allocate(people, seats=5, classes=CLASSES, as_of=AS_OF)
    by_rank = [p.person.key for p in outcome.funded]
    # class 0 first, older first; same birth: earlier 申请日期 first, blank last; then class 1
    assert by_rank == [4, 3, 2, 1, 0]


def test_repeat_needs_an_exception_and_then_ranks_after_first_timers() -> None:
    people = [
        person(0, born=date(1920, 1, 1), care_level="失能", repeat=True),
        person(1, born=date(1921, 1, 1), care_level="失能", repeat=True, exception_note="重病"),
        person(2, born=date(1970, 1, 1)),
    ]
    outcome = allocate(people, seats=1, classes=CLASSES, as_of=AS_OF)
    assert [(p.person.key, p.reason) for p in outcome.excluded] == [(0, Reason.REPEAT)]
    assert [p.person.key for p in outcome.funded] == [2]
    assert [p.person.key for p in outcome.waitlist] == [1]


def test_one_per_household_keeps_the_best_ranked() -> None:
    people = [
        person(0, born=date(1950, 1, 1), household="H1"),
        person(1, born=date(1940, 1, 1), household="H1"),
        person(2, "130723", born=date(1940, 1, 1), household="H1"),  # another county's H1
        person(3, born=date(1960, 1, 1), household=""),
        person(4, born=date(1961, 1, 1), household=" "),
    ]
    outcome = allocate(people, seats=10, classes=CLASSES, as_of=AS_OF)
    excluded = [(p.person.key, p.reason, p.better) for p in outcome.excluded]
    assert excluded == [(0, Reason.HOUSEHOLD, 1)]
    assert sorted(p.person.key for p in outcome.funded) == [1, 2, 3, 4]


def test_errors_are_excluded_first() -> None:
    people = [person(0, has_error=True, household="H"), person(1, household="H")]
    outcome = allocate(people, seats=1, classes=CLASSES, as_of=AS_OF)
    assert [(p.person.key, p.reason) for p in outcome.excluded] == [(0, Reason.ERROR)]
    assert [p.person.key for p in outcome.funded] == [1]


# ------------------------------------------------------------------------- properties

COUNTY_CODES = ["130702", "130722", "130723", "130726", "130731"]


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[list[Person], int]:
    n = draw(st.integers(0, 60))
    people = []
    for key in range(n):
        people.append(
            Person(
                key=key,
                county_code=draw(st.sampled_from(COUNTY_CODES)),
                id_number=f"ID{draw(st.integers(0, 40)):04d}",
                birth_date=draw(st.dates(date(1920, 1, 1), date(2010, 1, 1))),
                apply_date=draw(st.none() | st.dates(date(2025, 9, 1), date(2025, 10, 20))),
                care_level=draw(st.sampled_from(["失能", "半失能", "自理"])),
                household=draw(st.sampled_from(["", "H1", "H2", "H3"])),
                has_error=draw(st.booleans()) and draw(st.booleans()),
                repeat=draw(st.booleans()) and draw(st.booleans()),
                exception_note=draw(st.sampled_from(["", "", "重病"])),
            )
        )
    return people, draw(st.integers(0, 70))


@settings(max_examples=300, deadline=None)
@given(campaigns())
def test_rule_invariants(campaign: tuple[list[Person], int]) -> None:
    people, seats = campaign
    outcome = allocate(people, seats=seats, classes=CLASSES, as_of=AS_OF)
    candidates = sum(outcome.candidates.values())
    # quotas sum to min(Q, candidates)
    assert sum(outcome.quotas.values()) == min(seats, candidates)
    assert len(outcome.funded) == min(seats, candidates)
    funded_by_county: dict[str, int] = defaultdict(int)
    households: set[tuple[str, str]] = set()
    for placed in outcome.funded:
        p = placed.person
        funded_by_county[p.county_code or ""] += 1
        # no repeat recipient without an exception; never anyone with an error
        assert not p.has_error
        assert not p.repeat or p.exception_note.strip()
        if p.household.strip():
            key = (p.county_code or "", p.household.strip())
            assert key not in households  # at most one per household
            households.add(key)
    for code, n in funded_by_county.items():
        assert n <= outcome.candidates[code]
        assert n == outcome.quotas[code]
    # within a county nobody unfunded outranks anyone funded
    for code in outcome.candidates:
        funded = [p.rank or 0 for p in outcome.funded if p.person.county_code == code]
        waiting = [p.rank or 0 for p in outcome.waitlist if p.person.county_code == code]
        if funded and waiting:
            assert max(funded) < min(waiting)
    # everyone is placed exactly once
    assert sorted(p.person.key for p in outcome.placed) == [p.key for p in people]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 200),
    st.dictionaries(st.sampled_from(COUNTY_CODES), st.integers(0, 50), min_size=1),
)
def test_hamilton_invariants(seats: int, weights: dict[str, int]) -> None:
    shares = hamilton(seats, weights)
    total = sum(weights.values())
    assert sum(shares.values()) == min(seats, total)
    for code, w in weights.items():
        assert 0 <= shares[code] <= w
        if seats < total and total:
            exact = seats * w / total
            assert abs(shares[code] - exact) < 1 + 1e-9  # quota property


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(COUNTY_CODES), st.integers(0, 30), min_size=1),
    st.dictionaries(st.sampled_from(COUNTY_CODES), st.integers(0, 30)),
)
def test_quotas_file_never_exceeds_candidates_or_file_total(
    candidates: dict[str, int], fixed: dict[str, int]
) -> None:
    quotas = apportion(sum(fixed.values()), candidates, fixed)
    assert sum(quotas.values()) == min(sum(fixed.values()), sum(candidates.values()))
    for code, n in candidates.items():
        assert 0 <= quotas[code] <= n
        assert quotas[code] >= min(fixed.get(code, 0), n)  # a file's quota is honoured
