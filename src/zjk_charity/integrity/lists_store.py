"""The SQL of the reference lists (migration 0007: ``ref_lists`` and ``ref_people``).

No other module holds a cursor on these two tables. A list row stays for good as the
record of what was loaded (file name, SHA-256, rows, date, run); its people are kept
only while it is in force: replacing a list deletes them (minimum personal data), and
``purge --lists`` deletes every list and its people.

A person's ``county_code`` is the county their row's 县(区) names, or, when the row
names none, the list's only county when it covers exactly one; otherwise NULL. It is
deliberately not taken from the ID: an ID's address code never has to match the county
a person lives in (DOMAIN.md), and the roster's "elsewhere" wording must not guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from zjk_charity.ledger.db import Connection, insert_id


@dataclass(frozen=True)
class StoredList:
    """One loaded list, in force or replaced."""

    id: int
    kind: str
    name: str
    path: str
    sha256: str
    rows: int
    counties: tuple[str, ...]  # county codes, sorted
    as_of: date
    run_id: int
    loaded_at: str  # when its run started (ISO 8601)
    replaced_by: int | None

    @property
    def in_force(self) -> bool:
        return self.replaced_by is None


@dataclass(frozen=True)
class NewPerson:
    """One person to store: the row it came from and what the list says."""

    sheet: str
    row: int
    id_number: str
    name: str
    county_code: str | None
    detail: dict[str, str]


class PersonRow(NamedTuple):
    """One person of a list in force, with its list's id, name and kind.

    ``stored_detail`` is the detail as the ledger holds it (JSON text), or a mapping
    when made in code; :attr:`detail` parses it when asked. A check of 100,000
    applicants against a roster of 100,000 reads the detail of a few, so the rows are
    made straight from the cursor (a tuple each) and no detail is parsed up front.
    """

    list_id: int
    list_name: str
    kind: str
    sheet: str
    row: int
    id_number: str
    name: str
    county_code: str | None
    stored_detail: str | Mapping[str, str]

    @property
    def detail(self) -> dict[str, str]:
        """What the list says beyond the name (death_date, institution, relation and
        staff, certificate), as :class:`NewPerson` gave it."""
        stored = self.stored_detail
        parsed: dict[str, str] = json.loads(stored) if isinstance(stored, str) else dict(stored)
        return parsed


_LIST_COLUMNS = (
    "l.id, l.kind, l.name, l.path, l.sha256, l.rows, l.counties, l.as_of, l.run_id, "
    "COALESCE(r.started_at, ''), l.replaced_by"
)
_LISTS = f"SELECT {_LIST_COLUMNS} FROM ref_lists l LEFT JOIN runs r ON r.id = l.run_id"


def _stored(row: Sequence[Any]) -> StoredList:
    return StoredList(
        id=int(row[0]),
        kind=str(row[1]),
        name=str(row[2]),
        path=str(row[3]),
        sha256=str(row[4]),
        rows=int(row[5]),
        counties=tuple(json.loads(row[6])),
        as_of=date.fromisoformat(row[7]),
        run_id=int(row[8]),
        loaded_at=str(row[9]),
        replaced_by=None if row[10] is None else int(row[10]),
    )


def all_lists(conn: Connection) -> list[StoredList]:
    """Every list ever loaded (in force and replaced), in the order they were loaded."""
    return [_stored(r) for r in conn.execute(f"{_LISTS} ORDER BY l.id")]


def lists_in_force(conn: Connection, kinds: Iterable[str] | None = None) -> list[StoredList]:
    """The lists in force (of ``kinds``, default all), in the order they were loaded."""
    found = [
        _stored(r) for r in conn.execute(f"{_LISTS} WHERE l.replaced_by IS NULL ORDER BY l.id")
    ]
    wanted = None if kinds is None else set(kinds)
    return [s for s in found if wanted is None or s.kind in wanted]


def same_file_in_force(
    conn: Connection, kind: str, sha256: str, counties: Sequence[str]
) -> StoredList | None:
    """The list in force of ``kind`` loaded from a file with this SHA-256 and covering
    these counties, if any (the same file with another ``--county`` is a new load)."""
    wanted = tuple(sorted(set(counties)))
    for row in conn.execute(
        f"{_LISTS} WHERE l.kind = ? AND l.sha256 = ? AND l.replaced_by IS NULL ORDER BY l.id",
        (kind, sha256),
    ):
        if _stored(row).counties == wanted:
            return _stored(row)
    return None


@dataclass(frozen=True)
class Added:
    """What storing a list did to the lists in force of its kind."""

    id: int
    replaced: list[StoredList]  # wholly covered by the new list: emptied
    narrowed: list[StoredList]  # partly covered: the covered counties' people deleted
    dropped: int  # deaths lists: people of the replaced lists the new one does not name


def add_list(
    conn: Connection,
    *,
    kind: str,
    name: str,
    path: str,
    sha256: str,
    counties: Sequence[str],
    as_of: date,
    run_id: int,
    people: Sequence[NewPerson],
) -> Added:
    """Store a list and its people, then, per county, make it the list in force of its
    kind: a list of the same kind whose counties are all among ``counties`` is replaced
    (and emptied); one that shares only some of them keeps its other counties and loses
    its people of the shared ones. ``dropped`` counts the people of replaced deaths lists
    the new list does not name (a monthly export replacing the month before)."""
    codes = sorted(set(counties))
    inserted = insert_id(
        conn,
        "INSERT INTO ref_lists (kind, name, path, sha256, rows, counties, as_of, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, name, path, sha256, len(people), json.dumps(codes), as_of.isoformat(), run_id),
    )
    new_id = inserted
    conn.executemany(
        "INSERT INTO ref_people (list_id, sheet, row, id_number, name, county_code, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                new_id,
                p.sheet,
                p.row,
                p.id_number,
                p.name,
                p.county_code,
                json.dumps(p.detail, ensure_ascii=False, sort_keys=True),
            )
            for p in people
        ],
    )
    covered = set(codes)
    olds = [old for old in lists_in_force(conn, (kind,)) if old.id != new_id]
    replaced = [old for old in olds if set(old.counties) <= covered]
    narrowed = [old for old in olds if old not in replaced and covered & set(old.counties)]
    dropped = _dropped(conn, new_id, replaced) if kind == "deaths" else 0
    for old in replaced:
        conn.execute("UPDATE ref_lists SET replaced_by = ? WHERE id = ?", (new_id, old.id))
        conn.execute("DELETE FROM ref_people WHERE list_id = ?", (old.id,))
    for old in narrowed:
        _narrow(conn, old, covered)
    return Added(new_id, replaced, narrowed, dropped)


def _dropped(conn: Connection, new_id: int, replaced: Sequence[StoredList]) -> int:
    """People of the ``replaced`` lists whose ID the list ``new_id`` does not hold."""
    if not replaced:
        return 0
    marks = ", ".join("?" * len(replaced))
    row = conn.execute(
        f"SELECT count(DISTINCT id_number) FROM ref_people WHERE list_id IN ({marks}) "
        "AND id_number NOT IN (SELECT id_number FROM ref_people WHERE list_id = ?)",
        (*[old.id for old in replaced], new_id),
    ).fetchone()
    return int(row[0])


def _narrow(conn: Connection, old: StoredList, covered: set[str]) -> None:
    """Take the counties ``covered`` (and their people) out of the list ``old``."""
    taken = sorted(covered & set(old.counties))
    marks = ", ".join("?" * len(taken))
    conn.execute(
        f"DELETE FROM ref_people WHERE list_id = ? AND county_code IN ({marks})",
        (old.id, *taken),
    )
    rows = conn.execute("SELECT count(*) FROM ref_people WHERE list_id = ?", (old.id,))
    conn.execute(
        "UPDATE ref_lists SET counties = ?, rows = ? WHERE id = ?",
        (json.dumps(sorted(set(old.counties) - covered)), int(rows.fetchone()[0]), old.id),
    )


# One list's people in the order they were stored: the index on list_id keeps them in
# rowid order, so nothing is sorted. The list's id, name and kind come in as parameters.
_PEOPLE = (
    "SELECT ?, ?, ?, sheet, row, id_number, name, county_code, detail FROM ref_people "
    "WHERE list_id = ? ORDER BY rowid"
)


def people_of(conn: Connection, stored: StoredList) -> list[PersonRow]:
    """The people of one list, in the order of its file."""
    params = (stored.id, stored.name, stored.kind, stored.id)
    return list(map(PersonRow._make, conn.execute(_PEOPLE, params)))


def people_in_force(conn: Connection, kinds: Iterable[str]) -> list[PersonRow]:
    """Every person of the lists in force of ``kinds``, list by list in loading order."""
    return [p for stored in lists_in_force(conn, kinds) for p in people_of(conn, stored)]


def count_lists(conn: Connection) -> dict[str, int]:
    """What ``purge --lists`` would delete: people of the lists, and the list records."""
    people = int(conn.execute("SELECT count(*) FROM ref_people").fetchone()[0])
    lists = int(conn.execute("SELECT count(*) FROM ref_lists").fetchone()[0])
    return {"ref_people": people, "ref_lists": lists}


def delete_lists(conn: Connection) -> dict[str, int]:
    """Delete every reference list and its people; returns the rows deleted per table."""
    people = conn.execute("DELETE FROM ref_people").rowcount
    # replaced_by points within the table: clear it first so no row refers to a deleted one.
    conn.execute("UPDATE ref_lists SET replaced_by = NULL")
    lists = conn.execute("DELETE FROM ref_lists").rowcount
    return {"ref_people": people, "ref_lists": lists}
