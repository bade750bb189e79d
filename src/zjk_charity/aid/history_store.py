"""The history registry (``history``, migrations 0001 and 0007): every query on it lives here.

Who was aided in which year. It is written by ``aid history import`` (earlier rounds'
lists), ``aid finalize`` and a bank result that pays after finalize; validation and
allocation read it (REPEAT_RECIPIENT, POSSIBLE_REPEAT, the allocation's repeat set).
Callers pass their command's connection, so a write belongs to the command's one
transaction. A (year, ID) already present is kept as it is: a write never doubles a
person's year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from zjk_charity.ledger.db import Connection


class HistoryEntry(NamedTuple):
    """One row of the registry as stored (made by ``_make`` from a plain-tuple cursor:
    a history of 100,000 rows loads without a record built per field)."""

    id_number: str
    year: int
    name: str | None
    county: str | None  # the county's name
    id_checked: int  # 0: kept although its check character fails (integrity.md)


@dataclass(frozen=True, slots=True)
class NewHistoryEntry:
    """One person to enter in a year of the registry."""

    year: int
    id_number: str
    name: str | None
    county: str | None
    source: str  # a list's file name, or "finalize"
    id_checked: bool = True


@dataclass(frozen=True, slots=True)
class YearSummary:
    year: int
    people: int
    sources: str  # the distinct sources, comma-separated


def entries(conn: Connection) -> Iterator[HistoryEntry]:
    """Every row of the registry, in no particular order."""
    cursor = conn.cursor()
    cursor.row_factory = None
    query = f"SELECT {', '.join(HistoryEntry._fields)} FROM history"
    return map(HistoryEntry._make, cursor.execute(query))


def checked_ids_before(conn: Connection, year: int) -> set[str]:
    """The IDs aided before ``year`` whose check character holds (a kept row with a bad
    one matches no one exactly)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    query = "SELECT id_number FROM history WHERE year < ? AND id_checked = 1"
    return {r[0] for r in cursor.execute(query, (year,))}


def add(conn: Connection, run_id: int, people: Sequence[NewHistoryEntry]) -> int:
    """Enter ``people`` as the run ``run_id`` did; returns how many were new (a year's
    ID already there is kept)."""
    cursor = conn.executemany(
        "INSERT INTO history (year, id_number, name, county, source, id_checked, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        _values(people, run_id),
    )
    return cursor.rowcount  # rows inserted: both drivers add up executemany's


def _values(people: Iterable[NewHistoryEntry], run_id: int) -> Iterator[tuple[object, ...]]:
    for p in people:
        yield (p.year, p.id_number, p.name, p.county, p.source, int(p.id_checked), run_id)


def summary(conn: Connection) -> list[YearSummary]:
    """People in the registry per year, with the sources they came from (in name order)."""
    people: dict[int, int] = {}
    sources: dict[int, list[str]] = {}
    for year, source, n in conn.execute(
        "SELECT year, source, COUNT(*) FROM history GROUP BY year, source ORDER BY year, source"
    ):
        people[year] = people.get(year, 0) + n
        sources.setdefault(year, []).append(source)
    return [YearSummary(year=y, people=n, sources=",".join(sources[y])) for y, n in people.items()]
