"""The history registry (``history``, migrations 0001 and 0007): every query on it lives here.

Who was aided in which year. It is written by ``aid history import`` (earlier rounds'
lists), ``aid finalize`` and a bank result that pays after finalize; validation and
allocation read it (REPEAT_RECIPIENT, POSSIBLE_REPEAT, the allocation's repeat set).
Callers pass their command's connection, so a write belongs to the command's one
transaction. A (year, ID) already present is kept as it is: a write never doubles a
person's year.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple


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


def entries(conn: sqlite3.Connection) -> Iterator[HistoryEntry]:
    """Every row of the registry, in no particular order."""
    cursor = conn.cursor()
    cursor.row_factory = None
    query = f"SELECT {', '.join(HistoryEntry._fields)} FROM history"
    return map(HistoryEntry._make, cursor.execute(query))


def checked_ids_before(conn: sqlite3.Connection, year: int) -> set[str]:
    """The IDs aided before ``year`` whose check character holds (a kept row with a bad
    one matches no one exactly)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    query = "SELECT id_number FROM history WHERE year < ? AND id_checked = 1"
    return {r[0] for r in cursor.execute(query, (year,))}


def add(conn: sqlite3.Connection, run_id: int, people: Sequence[NewHistoryEntry]) -> int:
    """Enter ``people`` as the run ``run_id`` did; returns how many were new (a year's
    ID already there is kept)."""
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO history "
        "(year, id_number, name, county, source, id_checked, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        _values(people, run_id),
    )
    return conn.total_changes - before


def _values(people: Iterable[NewHistoryEntry], run_id: int) -> Iterator[tuple[object, ...]]:
    for p in people:
        yield (p.year, p.id_number, p.name, p.county, p.source, int(p.id_checked), run_id)


def summary(conn: sqlite3.Connection) -> list[YearSummary]:
    """People in the registry per year, with the sources they came from."""
    return [
        YearSummary(year=y, people=n, sources=s)
        for y, n, s in conn.execute(
            "SELECT year, COUNT(*), GROUP_CONCAT(DISTINCT source) FROM history "
            "GROUP BY year ORDER BY year"
        )
    ]
