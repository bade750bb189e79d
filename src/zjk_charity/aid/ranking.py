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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
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
    # Never decided by :func:`allocate`: a funded person taken off the list afterwards
    # (``aid withdraw``, ``aid review import``; aid/changes.py).
    WITHDRAWN = "WITHDRAWN"  # 已撤销


REASON_ZH = {
    Reason.ERROR: "有错误",
    Reason.REPEAT: "往年已受助",
    Reason.HOUSEHOLD: "同户已入选",
    Reason.QUOTA: "名额已满",
    Reason.WITHDRAWN: "已撤销",
}
REASON_EN = {
    Reason.ERROR: "errors in the row",
    Reason.REPEAT: "aided in an earlier year",
    Reason.HOUSEHOLD: "household already funded",
    Reason.QUOTA: "no place left",
    Reason.WITHDRAWN: "withdrawn",
}


@dataclass(slots=True)
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


@dataclass(slots=True)
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


class _Classes:
    """The priority classes compiled for one reference date.

    ``age_on`` never increases with the birth date, so "aged ``min_age`` or more on
    ``as_of``" is "born on or before a cut-off day", found once per class instead of an
    age computed for every person and class.
    """

    def __init__(self, classes: Sequence[PriorityClass], as_of: date) -> None:
        self.last = len(classes)
        self.rules = [
            (
                frozenset(cls.care_levels) or None,
                cls.min_age is not None,
                _born_by(cls.min_age, as_of) if cls.min_age is not None else None,
            )
            for cls in classes
        ]

    def of(self, care_level: str, birth_date: date | None) -> int:
        for index, (levels, has_min_age, born_by) in enumerate(self.rules):
            if levels is not None and care_level not in levels:
                continue
            if has_min_age and (birth_date is None or born_by is None or birth_date > born_by):
                continue
            return index
        return self.last


def _born_by(min_age: int, as_of: date) -> date | None:
    """The last birth date aged ``min_age`` or more on ``as_of``; None when nobody can be."""
    try:
        day = as_of.replace(year=as_of.year - min_age, day=min(as_of.day, 28))
    except ValueError:  # before year 1: nobody is that old
        return None
    step = timedelta(days=1)
    while day < date.max and age_on(day + step, as_of) >= min_age:
        day += step
    while age_on(day, as_of) < min_age:
        if day == date.min:
            return None
        day -= step
    return day


# Dates as day numbers: the rank key becomes one integer (then the ID), which sorts in C
# without comparing tuples of dates. Each part is below its base, so the integer orders
# exactly as the tuple (exception, class, birth, blank 申请日期, 申请日期) would.
_DAYS = date.max.toordinal() + 1
_NO_DAY = date.max.toordinal()


def allocate(
    people: Sequence[Person],
    *,
    seats: int,
    classes: Sequence[PriorityClass],
    as_of: date,
    fixed: Mapping[str, int] | None = None,
) -> Outcome:
    """Apply the rule to every applicant row of a campaign (aid.md steps 1-5).

    ``Outcome.placed`` has one entry per person, in the order of ``people``.
    """
    placed, order = _eligible_in_rank_order(people, _Classes(classes, as_of))
    per_county = _one_per_household(placed, order)
    counts = {code: len(group) for code, group in sorted(per_county.items())}
    quotas = apportion(seats, counts, fixed)
    _fund(per_county, quotas)
    return Outcome(seats, quotas, counts, placed)


def _eligible_in_rank_order(
    people: Sequence[Person], classes: _Classes
) -> tuple[list[Placed], list[int]]:
    """Steps 1-2: everyone's ``Placed`` (ERROR/REPEAT decided), and the eligible in rank order.

    The order is a list of indexes into ``people``.
    """
    span = classes.last + 1
    placed: list[Placed] = []
    keyed: list[tuple[int, str, int, int]] = []
    for index, person in enumerate(people):
        if person.has_error or person.county_code is None:
            placed.append(Placed(person, "excluded", Reason.ERROR))
            continue
        exception = person.repeat and bool(person.exception_note.strip())
        if person.repeat and not exception:
            placed.append(Placed(person, "excluded", Reason.REPEAT))
            continue
        klass = classes.of(person.care_level, person.birth_date)
        placed.append(Placed(person, "", priority=klass))
        born, applied = person.birth_date, person.apply_date
        rank_key = (
            ((exception * span + klass) * _DAYS + (born.toordinal() if born else _NO_DAY)) * 2
            + (applied is None)
        ) * _DAYS + (applied.toordinal() if applied else _NO_DAY)
        keyed.append((rank_key, person.id_number or "", person.key, index))
    keyed.sort()  # equal keys (never in a campaign) keep the input order, like a stable sort
    return placed, [item[3] for item in keyed]


def _one_per_household(placed: list[Placed], order: list[int]) -> dict[str, list[Placed]]:
    """Step 3, and the ranks: each county's candidates in rank order."""
    first_of: dict[tuple[str, str], int] = {}  # (county, 户号) → index of who stays
    per_county: dict[str, list[Placed]] = defaultdict(list)
    rank = 0
    for index in order:
        entry = placed[index]
        person = entry.person
        code = person.county_code or ""
        household = person.household.strip()
        if household:
            first = first_of.setdefault((code, household), index)
            if first != index:
                entry.status, entry.reason = "excluded", Reason.HOUSEHOLD
                entry.better, entry.priority = placed[first].person.key, None
                continue
        group = per_county[code]
        group.append(entry)
        rank += 1
        entry.rank, entry.county_rank = rank, len(group)
    return per_county


def _fund(per_county: dict[str, list[Placed]], quotas: Mapping[str, int]) -> None:
    """Step 5: each county funds its first ``quota``; the rest wait, numbered in rank order."""
    waiting: list[Placed] = []
    for code, group in per_county.items():
        quota = quotas[code]
        for entry in group[:quota]:
            entry.status = "funded"
        for position, entry in enumerate(group[quota:], start=1):
            entry.status, entry.reason = "waitlist", Reason.QUOTA
            entry.county_position = position
            waiting.append(entry)
    waiting.sort(key=_by_rank)
    for position, entry in enumerate(waiting, start=1):
        entry.position = position
