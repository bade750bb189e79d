"""The allocation rule itself: Hamilton quotas, ranking, households, repeats (aid.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
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
from zjk_charity.config import AidSettings, PriorityClass
from zjk_charity.ids import age_on

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


# ----------------------------------------------- the optimized rule against a plain one


def reference_allocate(
    people: list[Person],
    seats: int,
    classes: list[PriorityClass],
    as_of: date,
    fixed: dict[str, int] | None,
) -> tuple[list[tuple[object, ...]], dict[str, int], dict[str, int]]:
    """aid.md steps 1-5 written as plainly as possible (quotas: the tested ``apportion``).

    Returns one tuple per person in input order: (key, status, reason, class, rank,
    county rank, waitlist position, county waitlist position, better key).
    """

    def klass(p: Person) -> int:
        for index, cls in enumerate(classes):
            if cls.care_levels and p.care_level not in cls.care_levels:
                continue
            too_young = p.birth_date is None or age_on(p.birth_date, as_of) < (cls.min_age or 0)
            if cls.min_age is not None and too_young:
                continue
            return index
        return len(classes)

    result: dict[int, dict[str, object]] = {}
    eligible = []
    for p in people:  # step 1
        if p.has_error or p.county_code is None:
            result[p.key] = {"status": "excluded", "reason": Reason.ERROR}
        elif p.repeat and not p.exception_note.strip():
            result[p.key] = {"status": "excluded", "reason": Reason.REPEAT}
        else:
            eligible.append(p)

    def rank_order(p: Person) -> tuple[object, ...]:  # step 2; equal keys keep input order
        return (
            1 if p.repeat else 0,
            klass(p),
            p.birth_date or date.max,
            1 if p.apply_date is None else 0,
            p.apply_date or date.max,
            p.id_number or "",
            p.key,
        )

    candidates = []
    best_of_household: dict[tuple[str, str], Person] = {}
    for p in sorted(eligible, key=rank_order):  # step 3
        household = (p.county_code or "", p.household.strip())
        if household[1] and household in best_of_household:
            better = best_of_household[household].key
            result[p.key] = {"status": "excluded", "reason": Reason.HOUSEHOLD, "better": better}
            continue
        if household[1]:
            best_of_household[household] = p
        candidates.append(p)

    counts: dict[str, int] = {}
    for p in candidates:
        counts[p.county_code or ""] = counts.get(p.county_code or "", 0) + 1
    counts = dict(sorted(counts.items()))
    quotas = apportion(seats, counts, fixed)  # step 4

    seen: dict[str, int] = {}
    waiting = 0
    for rank, p in enumerate(candidates, start=1):  # step 5
        code = p.county_code or ""
        seen[code] = seen.get(code, 0) + 1
        row: dict[str, object] = {"rank": rank, "county_rank": seen[code], "class": klass(p)}
        if seen[code] <= quotas[code]:
            row["status"] = "funded"
        else:
            waiting += 1
            row |= {
                "status": "waitlist",
                "reason": Reason.QUOTA,
                "position": waiting,
                "county_position": seen[code] - quotas[code],
            }
        result[p.key] = row
    fields = ("status", "reason", "class", "rank", "county_rank", "position", "county_position")
    rows = [
        (p.key, *(result[p.key].get(f) for f in fields), result[p.key].get("better"))
        for p in people
    ]
    return rows, quotas, counts


def _near(as_of: date) -> st.SearchStrategy[date]:
    """Birth dates on and around the 60th and 80th birthdays (leap days included)."""
    offsets = st.integers(-3, 3).map(lambda d: timedelta(days=d))
    years = st.sampled_from([60, 80, 90])

    def birthday(years_back: int, offset: timedelta) -> date:
        try:
            day = as_of.replace(year=as_of.year - years_back)
        except ValueError:  # 29 February in a common year
            day = as_of.replace(year=as_of.year - years_back, day=28)
        return day + offset

    return st.builds(birthday, years, offsets)


@st.composite
def rule_inputs(
    draw: st.DrawFn,
) -> tuple[list[Person], int, list[PriorityClass], date, dict[str, int] | None]:
    as_of = draw(st.sampled_from([date(2025, 10, 20), date(2024, 2, 29), date(2025, 3, 1)]))
    classes = draw(
        st.lists(
            st.builds(
                PriorityClass,
                name=st.just("类"),
                care_levels=st.lists(st.sampled_from(["失能", "半失能", "自理"]), unique=True),
                min_age=st.none() | st.sampled_from([0, 60, 80, 150]),
            ),
            max_size=3,
        )
    )
    n = draw(st.integers(0, 80))
    keys = draw(st.permutations(range(0, 7 * n, 7)))  # keys unrelated to the input order
    birth = st.none() | _near(as_of) | st.sampled_from([date(1940, 1, 1), date(1950, 6, 30)])
    people = [
        Person(
            key=key,
            county_code=draw(st.none() | st.sampled_from(COUNTY_CODES[:3]))
            if draw(st.integers(0, 9)) == 0
            else draw(st.sampled_from(COUNTY_CODES[:3])),
            id_number=draw(st.none() | st.sampled_from(["ID1", "ID2", "ID3", "ID10"])),
            birth_date=draw(birth),
            apply_date=draw(st.none() | st.sampled_from([date(2025, 9, 1), date(2025, 9, 2)])),
            care_level=draw(st.sampled_from(["失能", "半失能", "自理"])),
            household=draw(st.sampled_from(["", " ", "H1", "H1 ", "H2"])),
            has_error=draw(st.integers(0, 5)) == 0,
            repeat=draw(st.integers(0, 3)) == 0,
            exception_note=draw(st.sampled_from(["", " ", "重病"])),
        )
        for key in keys
    ]
    seats = draw(st.integers(0, 90))
    fixed = draw(st.none() | st.dictionaries(st.sampled_from(COUNTY_CODES), st.integers(0, 30)))
    if fixed is not None:
        seats = max(seats, sum(fixed.values()))  # the CLI refuses quotas above Q
    return people, seats, classes, as_of, fixed


@settings(max_examples=600, deadline=None)
@given(rule_inputs())
def test_allocate_equals_the_plain_reference(
    inputs: tuple[list[Person], int, list[PriorityClass], date, dict[str, int] | None],
) -> None:
    people, seats, classes, as_of, fixed = inputs
    outcome = allocate(people, seats=seats, classes=classes, as_of=as_of, fixed=fixed)
    rows, quotas, counts = reference_allocate(people, seats, classes, as_of, fixed)
    got = [
        (
            p.person.key,
            p.status,
            p.reason,
            p.priority,
            p.rank,
            p.county_rank,
            p.position,
            p.county_position,
            p.better,
        )
        for p in outcome.placed
    ]
    assert got == rows
    assert (outcome.quotas, outcome.candidates, outcome.quota_total) == (quotas, counts, seats)
    for p in outcome.placed:
        assert p.person is next(q for q in people if q.key == p.person.key)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([date(2025, 10, 20), date(2024, 2, 29), date(2025, 3, 1)]),
    st.integers(0, 150),
    st.dates(date(1870, 1, 1), date(2025, 12, 31)),
)
def test_priority_class_at_every_age_boundary(as_of: date, min_age: int, born: date) -> None:
    classes = [PriorityClass(name="长者", min_age=min_age)]
    p = person(1, born=born)
    expected = 0 if age_on(born, as_of) >= min_age else 1
    assert priority_class(p, classes, as_of) == expected
    outcome = allocate([p], seats=1, classes=classes, as_of=as_of)
    assert outcome.placed[0].priority == expected
