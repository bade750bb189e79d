"""The published allocation rule (aid.md, "Allocation"), as pure functions.

Nothing here touches the ledger or prints: :func:`allocate` takes people and parameters
and returns who is funded, waitlisted or excluded, and why. ``aid/allocation.py`` loads
the people from the ledger and stores the outcome.

The rule, step by step:

1. Candidates are the campaign's applicants without an error. A repeat recipient is a
   candidate only with a recorded exception (特殊情况说明), and then ranks after every
   first-time candidate.
2. Rank ascending by (exception repeat, priority class, birth date, 申请日期 with blanks
   last, ID). The priority classes come from the settings; by default class 0 is
   失能/半失能 people aged 60 or more at the reference date.
3. One per household: of the candidates sharing (county, 户号), only the best ranked
   stays a candidate. A blank 户号 is a household of one.
4. Q = floor(budget / per person) places, apportioned over counties in proportion to
   their candidates by largest remainder (Hamilton); equal remainders go to the county
   with more candidates, then to the lower county code. With a quotas file, its quotas
   stand and each county's unused quota is re-apportioned the same way over the
   counties with candidates left.
5. Each county funds its best-ranked candidates up to its quota; the others form the
   waitlist in rank order.

Ranks are global (1 = first of all candidates of the campaign); the county rank and the
waitlist position within the county are kept beside them, since a place given up in a
county goes to that county's next waitlisted person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from zjk_charity.config import PriorityClass
from zjk_charity.ids import age_on


class Reason(StrEnum):
    """Why someone is not a candidate (the JSON's ``excluded[].reason``) or not funded."""

    ERROR = "ERROR"  # 有错误
    REPEAT = "REPEAT"  # 往年已受助
    HOUSEHOLD = "HOUSEHOLD"  # 同户已入选
    QUOTA = "QUOTA"  # 名额已满 (waitlisted)


REASON_ZH = {
    Reason.ERROR: "有错误",
    Reason.REPEAT: "往年已受助",
    Reason.HOUSEHOLD: "同户已入选",
    Reason.QUOTA: "名额已满",
}


@dataclass
class Person:
    """One applicant row of the campaign, as the rule sees it."""

    key: int  # the applicant's row id in the ledger; unique
    county_code: str | None
    id_number: str | None
    birth_date: date | None
    apply_date: date | None = None
    care_level: str = "自理"
    household: str = ""
    has_error: bool = False
    repeat: bool = False
    exception_note: str = ""


@dataclass
class Placed:
    """The outcome for one person."""

    person: Person
    status: str  # funded | waitlist | excluded
    reason: Reason | None = None
    priority: int | None = None  # class index, 0 first
    rank: int | None = None  # global rank among candidates, 1 first
    county_rank: int | None = None
    position: int | None = None  # waitlist position, campaign-wide
    county_position: int | None = None  # waitlist position in the county
    better: int | None = None  # HOUSEHOLD: the key of the household member who stays


@dataclass
class Outcome:
    quota_total: int
    quotas: dict[str, int]  # county code → effective quota
    candidates: dict[str, int]  # county code → candidates (after one per household)
    placed: list[Placed] = field(default_factory=list)

    @property
    def funded(self) -> list[Placed]:
        return sorted((p for p in self.placed if p.status == "funded"), key=_by_rank)

    @property
    def waitlist(self) -> list[Placed]:
        return sorted((p for p in self.placed if p.status == "waitlist"), key=_by_rank)

    @property
    def excluded(self) -> list[Placed]:
        return [p for p in self.placed if p.status == "excluded"]


def _by_rank(p: Placed) -> int:
    return p.rank or 0


def quota_total(budget: Decimal, per_person: Decimal) -> int:
    """Q = floor(budget / per person)."""
    return int((budget / per_person).to_integral_value(rounding=ROUND_FLOOR))


def priority_class(person: Person, classes: Sequence[PriorityClass], as_of: date) -> int:
    """Index of the first class whose conditions all hold; ``len(classes)`` for none."""
    for index, cls in enumerate(classes):
        if cls.care_levels and person.care_level not in cls.care_levels:
            continue
        if cls.min_age is not None and (
            person.birth_date is None or age_on(person.birth_date, as_of) < cls.min_age
        ):
            continue
        return index
    return len(classes)


def rank_key(person: Person, exception: bool, klass: int) -> tuple[int, int, date, int, date, str]:
    """(exception repeat, class, birth date, blank 申请日期 last, 申请日期, ID)."""
    return (
        int(exception),
        klass,
        person.birth_date or date.max,
        int(person.apply_date is None),
        person.apply_date or date.max,
        person.id_number or "",
    )


def hamilton(seats: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Largest-remainder apportionment of ``seats`` in proportion to ``weights``.

    Exact integer arithmetic; nobody gets more than their weight (if there are at least
    as many seats as the weights' total, every county gets its weight). Equal remainders
    go to the larger weight, then to the lower code.
    """
    total = sum(weights.values())
    if seats >= total:
        return dict(weights)
    if total == 0 or seats <= 0:
        return dict.fromkeys(weights, 0)
    shares = {code: seats * w // total for code, w in weights.items()}
    left = seats - sum(shares.values())
    order = sorted(weights, key=lambda c: (-(seats * weights[c] % total), -weights[c], c))
    for code in order[:left]:
        shares[code] += 1
    return shares


def apportion(
    seats: int, candidates: Mapping[str, int], fixed: Mapping[str, int] | None = None
) -> dict[str, int]:
    """County quotas: Hamilton over candidates, or ``fixed`` with unused quota re-apportioned.

    With ``fixed``, a county's quota beyond its candidates is pooled and apportioned by
    :func:`hamilton` over the counties that still have unfunded candidates, in proportion
    to how many they have left, until nothing is left to give. Places the quotas file did
    not give to any county are not handed out (they stay unspent and are reported).
    """
    if fixed is None:
        return hamilton(seats, candidates)
    quotas = {code: min(fixed.get(code, 0), n) for code, n in candidates.items()}
    unused = sum(fixed.values()) - sum(quotas.values())
    while unused > 0:
        left = {c: candidates[c] - quotas[c] for c in candidates if candidates[c] > quotas[c]}
        if not left:
            break
        extra = hamilton(unused, left)
        given = sum(extra.values())
        for code, k in extra.items():
            quotas[code] += k
        unused -= given
    return quotas


def _candidates(
    people: Iterable[Person], classes: Sequence[PriorityClass], as_of: date
) -> tuple[list[Placed], list[Placed]]:
    """Split into excluded (ERROR/REPEAT) and ranked candidates, one per household."""
    excluded: list[Placed] = []
    ranked: list[tuple[tuple[int, int, date, int, date, str], Placed]] = []
    for person in people:
        if person.has_error or person.county_code is None:
            excluded.append(Placed(person, "excluded", Reason.ERROR))
            continue
        exception = person.repeat and bool(person.exception_note.strip())
        if person.repeat and not exception:
            excluded.append(Placed(person, "excluded", Reason.REPEAT))
            continue
        klass = priority_class(person, classes, as_of)
        ranked.append((rank_key(person, exception, klass), Placed(person, "", priority=klass)))
    ranked.sort(key=lambda item: (item[0], item[1].person.key))
    stays: dict[tuple[str, str], Placed] = {}
    candidates: list[Placed] = []
    for _, placed in ranked:
        person = placed.person
        household = (person.county_code or "", person.household.strip())
        if household[1]:
            first = stays.setdefault(household, placed)
            if first is not placed:
                placed.status, placed.reason = "excluded", Reason.HOUSEHOLD
                placed.better = first.person.key
                placed.priority = None
                excluded.append(placed)
                continue
        candidates.append(placed)
    return excluded, candidates


def allocate(
    people: Sequence[Person],
    *,
    seats: int,
    classes: Sequence[PriorityClass],
    as_of: date,
    fixed: Mapping[str, int] | None = None,
) -> Outcome:
    """Apply the rule to every applicant row of a campaign."""
    excluded, candidates = _candidates(people, classes, as_of)
    per_county: dict[str, list[Placed]] = defaultdict(list)
    for rank, placed in enumerate(candidates, start=1):
        placed.rank = rank
        code = placed.person.county_code or ""
        per_county[code].append(placed)
        placed.county_rank = len(per_county[code])
    counts = {code: len(group) for code, group in sorted(per_county.items())}
    quotas = apportion(seats, counts, fixed)
    for code, group in per_county.items():
        for placed in group[: quotas[code]]:
            placed.status = "funded"
        for position, placed in enumerate(group[quotas[code] :], start=1):
            placed.status, placed.reason = "waitlist", Reason.QUOTA
            placed.county_position = position
    waiting = [p for p in candidates if p.status == "waitlist"]
    for position, placed in enumerate(waiting, start=1):
        placed.position = position
    order = {p.key: i for i, p in enumerate(people)}
    placed_all = sorted([*excluded, *candidates], key=lambda p: order[p.person.key])
    return Outcome(seats, quotas, counts, placed_all)
