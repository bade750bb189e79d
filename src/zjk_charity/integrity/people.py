"""The cross-person checks of a campaign (integrity.md), each a small function.

Every check takes the rows it needs and yields ``(row, code, params)``; the caller
(``aid/validation.py``) turns them into findings at the row's cell in :data:`COLUMN`
and stores them. None of them prints an ID, account or phone whole.

- POSSIBLE_REPEAT (warning): an applicant likely the same person (``likeness``) as an
  earlier year's recipient under another ID; one finding per other ID, naming its years.
- POSSIBLE_DUPLICATE (warning): two applicants of the campaign likely the same person
  under different IDs; both rows get it, each naming the first such other row.
- ACCOUNT_SHARED (error): one bank account for applicants of different households.
- PHONE_SHARED (warning): one phone for more than ``limit`` households.

Households: two rows are one household when they have the same ID, or the same county
and 户号; a row with a blank 户号 is a household of its own (one person).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from zjk_charity.aid import columns as col
from zjk_charity.findings import place_params
from zjk_charity.integrity.likeness import Named, SearchKeys, explain, partners

# The cell each check's finding is reported in.
COLUMN = {
    "POSSIBLE_REPEAT": col.ID,
    "POSSIBLE_DUPLICATE": col.ID,
    "ACCOUNT_SHARED": col.ACCOUNT,
    "PHONE_SHARED": "联系电话",
}
PHONE_SHARED_LIMIT = 3  # integrity.md's default of the phone_shared_limit setting
MOST_OTHERS = 3  # history rows one applicant's POSSIBLE_REPEAT findings name, at most


class Person(Protocol):
    """An applicant row as the checks see it (validation's campaign member)."""

    @property
    def file(self) -> str: ...
    @property
    def sheet(self) -> str: ...
    @property
    def row(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def id_number(self) -> str | None: ...
    @property
    def county_code(self) -> str | None: ...
    @property
    def household(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def phone(self) -> str: ...


P = TypeVar("P", bound=Person)
Flag = tuple[P, str, dict[str, Any]]


A = TypeVar("A", bound=Named)  # what POSSIBLE_REPEAT needs of an applicant


class HistoryRow(NamedTuple):
    """A row of the history registry. ``id_checked`` False: the ID fails its check
    character (kept by ``aid history import``), so it can only match here."""

    year: int
    id_number: str
    name: str
    county_code: str | None
    id_checked: bool = True


def possible_repeats(
    applicants: Sequence[A],
    history: Sequence[HistoryRow],
    year: int,
    keys: SearchKeys | None = None,
) -> Iterator[tuple[A, str, dict[str, Any]]]:
    """POSSIBLE_REPEAT: each applicant against the recipients of years before ``year``.

    One finding per other ID, naming every year that ID was aided (a typo repeated in
    the 2023 and 2024 lists is one suspicion, not two), with the latest year's name; at
    most :data:`MOST_OTHERS` history rows per applicant are searched for (the first
    found), and each one's ID is then named with all its years. ``keys``: the
    applicants' search keys, when the caller keeps them for a later search.
    """
    earlier = [h for h in history if h.year < year]
    found: dict[tuple[int, str], list[HistoryRow]] = defaultdict(list)
    search = applicants if keys is None else keys
    for i, js in partners(search, earlier, MOST_OTHERS).items():
        for j in js:
            found[(i, earlier[j].id_number)].append(earlier[j])
    # Every year each found ID was aided, not only the rows the capped search met.
    wanted = {number for _, number in found}
    aided: dict[str, list[HistoryRow]] = defaultdict(list)
    for h in earlier:
        if h.id_number in wanted:
            aided[h.id_number].append(h)
    for i, number in sorted(found):
        rows = sorted(aided[number], key=lambda h: h.year)
        latest = rows[-1]
        params: dict[str, Any] = explain(applicants[i], latest)
        params["year"] = "、".join(str(h.year) for h in rows)
        yield applicants[i], "POSSIBLE_REPEAT", params


def possible_duplicates(
    people: Sequence[P], first: Mapping[int, int] | None = None
) -> Iterator[Flag[P]]:
    """POSSIBLE_DUPLICATE: each row likely the same person as another row (another ID),
    naming the first such row in file order: one finding a row is enough to stop a
    clerk, and a sheet of 1,000 namesakes born on 1 January does not yield a million.

    ``first``: row → its first such row, when the caller has found them.
    """
    if first is None:
        first = {i: js[0] for i, js in partners(people, most=1).items()}
    named = first
    for i in sorted(named):
        a, b = people[i], people[named[i]]
        yield a, "POSSIBLE_DUPLICATE", {**explain(a, b), **place_params(b.file, b.sheet, b.row)}


def _households(group: Sequence[Person]) -> list[int]:
    """A household label for each row of ``group`` (same ID, or same county and 户号)."""
    parent = list(range(len(group)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[object, int] = {}
    for i, p in enumerate(group):
        keys: list[object] = [("id", p.id_number)] if p.id_number else []
        if p.household:
            keys.append(("household", p.county_code, p.household))
        for key in keys:
            parent[root(i)] = root(seen.setdefault(key, i))
    return [root(i) for i in range(len(group))]


def _groups(people: Sequence[P], value: str, least: int) -> Iterator[list[P]]:
    """Rows sharing one non-blank ``value`` attribute, in groups of at least ``least``."""
    groups: dict[str, list[P]] = defaultdict(list)
    for p in people:
        key = getattr(p, value)
        if key:
            groups[key].append(p)
    return (g for g in groups.values() if len(g) >= least)


def _account_usable(account: str) -> bool:
    """An account a transfer could go to (12–30 digits); others already have an error."""
    return 12 <= len(account) <= 30 and account.isascii() and account.isdigit()


def shared_accounts(people: Sequence[P]) -> Iterator[Flag[P]]:
    """ACCOUNT_SHARED: every row whose account other households' applicants give too.

    ``count`` is how many applicants of other households give it; ``where`` the first
    of them in file order.
    """
    for group in _groups(people, "account", 2):
        if not _account_usable(group[0].account):
            continue
        labels = _households(group)
        sizes = Counter(labels)
        if len(sizes) < 2:
            continue
        # The first row of another household: group[0], or the first row not of its own.
        other_first = next(q for q, label in zip(group, labels, strict=True) if label != labels[0])
        for p, label in zip(group, labels, strict=True):
            first = group[0] if label != labels[0] else other_first
            yield (
                p,
                "ACCOUNT_SHARED",
                {
                    "account": f"尾号 {p.account[-4:]}",
                    "account_en": f"ending {p.account[-4:]}",
                    "count": len(group) - sizes[label],
                    **place_params(first.file, first.sheet, first.row),
                },
            )


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits of a phone (a landline too)."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def shared_phones(people: Sequence[P], limit: int = PHONE_SHARED_LIMIT) -> Iterator[Flag[P]]:
    """PHONE_SHARED: every row whose phone more than ``limit`` households give."""
    for group in _groups(people, "phone", limit + 1):
        households = len(set(_households(group)))
        if households <= limit:
            continue
        for p in group:
            params = {"phone": mask_phone(p.phone), "count": households, "limit": limit}
            yield p, "PHONE_SHARED", params
