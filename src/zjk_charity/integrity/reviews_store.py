"""The SQL of reviews and of the campaign's stored findings per person (migration 0007).

``warning_reviews`` keeps every review of a warning (``aid accept``), never rewritten: the
latest of a (campaign year, ID, code) is the one that counts. The findings a review may
refer to are those ``aid validate`` stored for the campaign's applicant rows
(``aid_findings``), found by the applicant's ID. Callers pass their command's connection.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from zjk_charity.ledger.db import Connection, Row, insert_id


@dataclass(frozen=True, slots=True)
class Review:
    """One recorded review of a warning on one person of a campaign."""

    year: int
    id_number: str
    code: str
    note: str
    operator: str
    at: str  # local time, ISO 8601 with offset
    run_id: int
    id: int = 0


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding ``aid validate`` stored on an applicant row of the campaign."""

    id_number: str
    name: str
    file: str  # the workbook's file name
    sheet: str
    row: int | None
    column: str | None
    code: str
    severity: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def where(self) -> tuple[str, str, int | None]:
        return (self.file, self.sheet, self.row)


def record(conn: Connection, review: Review) -> int:
    """Store ``review``; its id."""
    inserted = insert_id(
        conn,
        "INSERT INTO warning_reviews (year, id_number, code, note, operator, at, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            review.year,
            review.id_number,
            review.code,
            review.note,
            review.operator,
            review.at,
            review.run_id,
        ),
    )
    return inserted


def reviews(conn: Connection, year: int, id_number: str | None = None) -> list[Review]:
    """The campaign's reviews (of one person when ``id_number`` is given), oldest first."""
    query = (
        "SELECT year, id_number, code, note, operator, at, run_id, id FROM warning_reviews "
        "WHERE year = ?"
    )
    args: tuple[Any, ...] = (year,)
    if id_number is not None:
        query += " AND id_number = ?"
        args += (id_number,)
    return [
        Review(
            year=r[0],
            id_number=r[1],
            code=r[2],
            note=r[3],
            operator=r[4],
            at=r[5],
            run_id=r[6],
            id=r[7],
        )
        for r in conn.execute(query + " ORDER BY id", args)
    ]


_PERSON_FINDINGS = """
SELECT a.id_number, coalesce(a.name, ''), f.name, x.sheet, x.row, x.column_name, x.code,
       x.severity, x.params
FROM applicants a
JOIN aid_files f ON f.id = a.file_id
JOIN aid_findings x ON x.file_id = a.file_id AND x.sheet = a.sheet AND x.row = a.row
WHERE a.year = ? AND a.id_number = ?
ORDER BY a.file_id, a.sheet_index, a.row, x.id
"""


def person_findings(conn: Connection, year: int, id_number: str) -> list[StoredFinding]:
    """Every stored finding on the campaign's rows of this ID, in file order."""
    return [_finding(r) for r in conn.execute(_PERSON_FINDINGS, (year, id_number))]


def applicant_name(conn: Connection, year: int, id_number: str) -> str | None:
    """The name on the campaign's first row of this ID; None when nobody has the ID."""
    found = conn.execute(
        "SELECT coalesce(name, '') FROM applicants WHERE year = ? AND id_number = ? "
        "ORDER BY file_id, sheet_index, row LIMIT 1",
        (year, id_number),
    ).fetchone()
    return None if found is None else str(found[0])


def warnings_of(conn: Connection, year: int, ids: Collection[str]) -> list[StoredFinding]:
    """The stored warnings on the campaign's rows of these IDs, in file order.

    One pass over the year's warnings and one over its applicants (no per-person query:
    the report asks for every funded person).
    """
    wanted = set(ids)
    if not wanted:
        return []
    rows: dict[tuple[int, str, int], tuple[str, str, str]] = {}
    for file_id, sheet, row, number, name, file in conn.execute(
        "SELECT a.file_id, a.sheet, a.row, a.id_number, coalesce(a.name, ''), f.name "
        "FROM applicants a JOIN aid_files f ON f.id = a.file_id WHERE a.year = ?",
        (year,),
    ):
        if number in wanted:
            rows[(file_id, sheet, row)] = (number, name, file)
    found: list[tuple[tuple[int, str, int], StoredFinding]] = []
    for file_id, sheet, row, column, code, params in conn.execute(
        "SELECT file_id, sheet, row, column_name, code, params FROM aid_findings "
        "WHERE year = ? AND severity = 'warning' ORDER BY id",
        (year,),
    ):
        person = rows.get((file_id, sheet, row))
        if person is None:
            continue
        number, name, file = person
        finding = StoredFinding(
            number, name, file, sheet, row, column, code, "warning", _params(params)
        )
        found.append(((file_id, sheet, row), finding))
    found.sort(key=lambda item: (item[0][0], item[0][2]))  # file, then row (stable)
    return [f for _, f in found]


def code_counts(conn: Connection, year: int, codes: Collection[str]) -> dict[str, int]:
    """How many stored findings of each of ``codes`` the campaign has (0 for none)."""
    counts = dict.fromkeys(codes, 0)
    for code, n in conn.execute(
        "SELECT code, count(*) FROM aid_findings WHERE year = ? GROUP BY code", (year,)
    ):
        if code in counts:
            counts[code] = int(n)
    return counts


def stored_places(
    conn: Connection, year: int, codes: Collection[str]
) -> set[tuple[str, str, int | None, str, str | None]]:
    """(file name, sheet, row, code, ID) of the campaign's stored findings of ``codes``:
    what validation already said, to tell it apart from what a later re-check added.
    The ID tells apart two files of one name (two counties' 申请表.xlsx), which an
    allocation entry knows only by name."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    # Only the wanted codes reach the join with the year's applicants (a few rows, not
    # every finding of a 100,000-row campaign).
    marks = ", ".join("?" * len(wanted))
    return {
        (file, sheet, row, code, number)
        for file, sheet, row, code, number in conn.execute(
            "SELECT f.name, x.sheet, x.row, x.code, a.id_number FROM aid_findings x "
            "JOIN aid_files f ON f.id = x.file_id "
            "LEFT JOIN applicants a ON a.file_id = x.file_id AND a.sheet = x.sheet "
            f"AND a.row = x.row WHERE x.year = ? AND x.code IN ({marks})",
            (year, *wanted),
        )
    }


@dataclass(frozen=True, slots=True)
class ListUsed:
    """A reference list as the report names it."""

    id: int
    kind: str
    name: str
    sha256: str
    rows: int
    as_of: str
    run_id: int
    in_force: bool


def run_ids(conn: Connection, command: str) -> set[int]:
    """The ids of the runs of one command (e.g. ``aid pay``)."""
    return {int(r[0]) for r in conn.execute("SELECT id FROM runs WHERE command = ?", (command,))}


def lists_used(conn: Connection, year: int) -> list[ListUsed]:
    """The reference lists the campaign was checked against: those in force, and those
    replaced by a list loaded after the campaign's earliest validation still in effect
    (a list replaced before it never spoke about any stored finding)."""
    first = conn.execute("SELECT min(run_id) FROM aid_files WHERE year = ?", (year,)).fetchone()
    since = int(first[0]) if first and first[0] is not None else None
    found = []
    for r in conn.execute(
        "SELECT l.id, l.kind, l.name, l.sha256, l.rows, l.as_of, l.run_id, l.replaced_by, "
        "n.run_id FROM ref_lists l LEFT JOIN ref_lists n ON n.id = l.replaced_by ORDER BY l.id"
    ):
        in_force = r[7] is None
        if not in_force and (since is None or r[8] is None or int(r[8]) <= since):
            continue
        found.append(ListUsed(r[0], r[1], r[2], r[3], int(r[4]), r[5], int(r[6]), in_force))
    return found


def _params(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _finding(r: Row | tuple[Any, ...]) -> StoredFinding:
    return StoredFinding(
        id_number=r[0],
        name=r[1],
        file=r[2],
        sheet=r[3],
        row=r[4],
        column=r[5],
        code=r[6],
        severity=r[7],
        params=_params(r[8]),
    )
