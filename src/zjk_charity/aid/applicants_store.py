"""The validated campaign (``aid_files``, ``applicants``, ``aid_findings``; migrations 0001
and 0002): every query on these tables lives here.

``aid validate`` writes them: a file, its applicant rows and their findings, and the
campaign-wide findings (``campaign_wide = 1``) recomputed over every file of the year.
Allocation, the 申请审批表 and the reports read them. Callers pass their command's
connection (``Ledger.run`` or ``Ledger.read``), so a validation is stored in the
command's one transaction or not at all. Records go in and come out typed; bulk rows
use plain-tuple cursors and ``executemany``, which is where the speed of 100,000 rows is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any, NamedTuple

from zjk_charity.aid.model import Applicant
from zjk_charity.findings import Finding, Severity
from zjk_charity.ledger.db import Connection, Cursor, insert_id

Where = tuple[int, str, int]  # (file id, sheet, row) of an applicant row

# ``json.dumps(x, ensure_ascii=False)`` without building an encoder for every call.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _plain(conn: Connection) -> Cursor:
    """A cursor yielding plain tuples (not ``Row``): 100,000 rows load faster."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


# ------------------------------------------------------------------------------ files


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A sheet of a validated file as the ledger keeps it (``aid_files.sheets``)."""

    name: str
    header_row: int
    rows: int
    headers: list[str]


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file this run validated: ``path`` resolved, ``name`` as shown to people."""

    year: int
    path: str
    name: str
    sha256: str
    sheets: list[SheetLayout]


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    path: str
    name: str
    sheets: list[SheetLayout]


def _layouts(text: str) -> list[SheetLayout]:
    return [
        SheetLayout(
            name=s["name"], header_row=s["header_row"], rows=s["rows"], headers=s.get("headers", [])
        )
        for s in json.loads(text)
    ]


def save_file(conn: Connection, run_id: int, file: NewFile) -> int:
    """Store ``file`` for its year and return its id, its earlier rows and findings gone.

    The same file is the same path, or the same bytes under another path (a copy moved
    from 下载 to the campaign folder): it keeps the id (and so the place in the
    campaign's file order) of its earliest record, preferring the one of the same path,
    and is never doubled.
    """
    sheets = json.dumps(
        [
            {"name": s.name, "header_row": s.header_row, "rows": s.rows, "headers": s.headers}
            for s in file.sheets
        ],
        ensure_ascii=False,
    )
    found = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM aid_files WHERE year = ? AND (path = ? OR sha256 = ?) "
            "ORDER BY path = ? DESC, id",
            (file.year, file.path, file.sha256, file.path),
        )
    ]
    for file_id in found:
        conn.execute("DELETE FROM applicants WHERE file_id = ?", (file_id,))
        conn.execute("DELETE FROM aid_findings WHERE file_id = ?", (file_id,))
    if found:
        keep, *extra = found
        for file_id in extra:
            conn.execute("DELETE FROM aid_files WHERE id = ?", (file_id,))
        conn.execute(
            "UPDATE aid_files SET path = ?, sha256 = ?, sheets = ?, run_id = ?, name = ? "
            "WHERE id = ?",
            (file.path, file.sha256, sheets, run_id, file.name, keep),
        )
        return keep
    inserted = insert_id(
        conn,
        "INSERT INTO aid_files (year, path, name, sha256, sheets, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (file.year, file.path, file.name, file.sha256, sheets, run_id),
    )
    return inserted


def files(conn: Connection, year: int) -> list[StoredFile]:
    """The year's files in the order they were first validated."""
    return [
        StoredFile(id=i, path=p, name=n, sheets=_layouts(s))
        for i, p, n, s in conn.execute(
            "SELECT id, path, name, sheets FROM aid_files WHERE year = ? ORDER BY id", (year,)
        ).fetchall()
    ]


def file_names(conn: Connection) -> dict[int, str]:
    """Every validated file's name, by id."""
    return {int(i): str(n) for i, n in conn.execute("SELECT id, name FROM aid_files")}


def campaign_inputs(conn: Connection, year: int) -> list[dict[str, str]]:
    """The year's files as an allocation records them: ``[{"path", "sha256"}]`` in order."""
    return [
        {"path": r[0], "sha256": r[1]}
        for r in conn.execute(
            "SELECT path, sha256 FROM aid_files WHERE year = ? ORDER BY id", (year,)
        )
    ]


# ------------------------------------------------------------------------- applicants


def flags(findings: Iterable[Finding]) -> tuple[int, int]:
    """(has_error, has_warning) of a row's findings, as the ledger stores them."""
    severities = {f.severity for f in findings}
    return int(Severity.ERROR in severities), int(Severity.WARNING in severities)


@lru_cache(maxsize=65536)
def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _cells_json(cells: list[str]) -> str:
    """``json.dumps(cells, ensure_ascii=False)`` for a list of texts, in one C-level pass."""
    return "[" + ", ".join(map(encode_basestring, cells)) + "]"


# The applicant fields stored as they are, read in one C-level call per row.
_PLAIN_FIELDS = (
    "sheet",
    "sheet_index",
    "row",
    "county_code",
    "county",
    "township",
    "village",
    "name",
    "id_number",
    "sex",
    "household",
    "care_level",
    "bank",
    "account",
    "phone",
    "prior_years",
    "exception_note",
)
_plain_fields = attrgetter(*_PLAIN_FIELDS)


def insert_applicants(
    conn: Connection, year: int, file_id: int, applicants: Iterable[Applicant]
) -> None:
    """The file's applicants in order (their row ids ascend in that order), each flagged
    from its own findings so far."""
    columns = ", ".join(_PLAIN_FIELDS)
    marks = ", ".join("?" * len(_PLAIN_FIELDS))
    conn.executemany(
        f"INSERT INTO applicants ({columns}, birth_date, apply_date, has_error, has_warning, "
        f"cells, file_id, year) VALUES ({marks}, ?, ?, ?, ?, ?, {int(file_id)}, {int(year)})",
        (
            (
                *_plain_fields(a),
                _iso(a.birth_date),
                _iso(a.apply_date),
                *(flags(a.findings) if a.findings else (0, 0)),
                _cells_json(a.cells),
            )
            for a in applicants
        ),
    )


def applicant_ids(conn: Connection, file_id: int) -> list[int]:
    """The file's applicant row ids in insertion order (which is the file's row order)."""
    query = "SELECT id FROM applicants WHERE file_id = ? ORDER BY id"
    return [r[0] for r in _plain(conn).execute(query, (file_id,))]


class Flags(NamedTuple):
    applicant_id: int
    has_error: int
    has_warning: int


def set_flags(conn: Connection, rows: Iterable[Flags]) -> None:
    conn.executemany(
        "UPDATE applicants SET has_error = ?, has_warning = ? WHERE id = ?",
        ((r.has_error, r.has_warning, r.applicant_id) for r in rows),
    )


def refresh_flags(conn: Connection, rows: set[Where]) -> None:
    """Bring the flags of the applicant rows ``rows`` in line with their stored findings."""
    if not rows:
        return
    ids = [
        (applicant_id,)
        for file_id in sorted({f for f, _, _ in rows})
        for applicant_id, sheet, row in _plain(conn).execute(
            "SELECT id, sheet, row FROM applicants WHERE file_id = ?", (file_id,)
        )
        if (file_id, sheet, row) in rows
    ]
    # CASE: the flags are INTEGER columns, and PostgreSQL's EXISTS is a boolean, not 0/1.
    conn.executemany(
        "UPDATE applicants SET "
        "has_error = CASE WHEN EXISTS (SELECT 1 FROM aid_findings f "
        "WHERE f.file_id = applicants.file_id AND f.sheet = applicants.sheet "
        "AND f.row = applicants.row AND f.severity = 'error') THEN 1 ELSE 0 END, "
        "has_warning = CASE WHEN EXISTS (SELECT 1 FROM aid_findings f "
        "WHERE f.file_id = applicants.file_id AND f.sheet = applicants.sheet "
        "AND f.row = applicants.row AND f.severity = 'warning') THEN 1 ELSE 0 END "
        "WHERE id = ?",
        ids,
    )


class Member(NamedTuple):
    """An applicant row as the campaign-wide checks see it."""

    file_id: int
    file: str  # the file's name
    sheet: str
    row: int
    id_number: str | None
    county_code: str | None
    household: str
    name: str
    account: str
    phone: str
    owner: Applicant | None = None  # the applicant, for files of this run
    position: int = 0  # its place among its file's applicants, for files of this run


# The stored columns of a Member, in its field order (owner and position are this run's).
_MEMBER_COLUMNS = ", ".join(
    {"file": "f.name"}.get(name, f"a.{name}") for name in Member._fields[:10]
)


def members(conn: Connection, year: int, exclude: Sequence[int]) -> dict[int, list[Member]]:
    """The year's applicants in files other than ``exclude``, by file, in row order."""
    found: dict[int, list[Member]] = {}
    query = (
        f"SELECT {_MEMBER_COLUMNS} FROM applicants a JOIN aid_files f ON f.id = a.file_id "
        "WHERE a.file_id = ? ORDER BY a.sheet_index, a.row"
    )
    cursor = _plain(conn)
    for (file_id,) in conn.execute("SELECT id FROM aid_files WHERE year = ?", (year,)).fetchall():
        if file_id not in exclude:
            found[file_id] = [Member(*r) for r in cursor.execute(query, (file_id,))]
    return found


@dataclass(frozen=True, slots=True)
class CountyCount:
    """A file's applicant rows of one county (``county`` as written; None when blank)."""

    county: str | None
    rows: int
    with_errors: int
    with_warnings: int


def county_counts(conn: Connection, file_id: int) -> list[CountyCount]:
    return [
        CountyCount(county=c, rows=n, with_errors=e, with_warnings=w)
        for c, n, e, w in conn.execute(
            "SELECT county, count(*), sum(has_error), sum(has_warning) FROM applicants "
            "WHERE file_id = ? GROUP BY county ORDER BY county IS NOT NULL, county",  # NULL first on both
            (file_id,),
        )
    ]


def has_applicants(conn: Connection, year: int) -> bool:
    found = conn.execute("SELECT 1 FROM applicants WHERE year = ? LIMIT 1", (year,)).fetchone()
    return found is not None


def validated_years(conn: Connection) -> list[int]:
    """The years that have applicants, in order."""
    return [int(r[0]) for r in conn.execute("SELECT DISTINCT year FROM applicants ORDER BY year")]


def apply_years(conn: Connection, year: int) -> dict[int, int]:
    """How many of the year's applicants have a 申请日期 in each year (ISO text in the ledger)."""
    query = (
        "SELECT substr(apply_date, 1, 4), count(*) FROM applicants "
        "WHERE year = ? AND apply_date IS NOT NULL AND apply_date != '' GROUP BY 1"
    )
    return {int(y): int(n) for y, n in conn.execute(query, (year,)) if str(y).isdigit()}


@dataclass(frozen=True, slots=True)
class OriginalRow:
    """A validated row's place, phone and original cells, with its file's sheet layouts."""

    file: str  # the file's name
    sheets: list[SheetLayout]
    sheet: str
    row: int
    id_number: str | None
    phone: str | None
    cells: list[Any]


def original_rows(conn: Connection, year: int) -> list[OriginalRow]:
    """The year's applicant rows with the cells as they were read (the 申请审批表)."""
    rows = conn.execute(
        "SELECT f.name, f.sheets, a.sheet, a.row, a.id_number, a.phone, a.cells "
        "FROM applicants a JOIN aid_files f ON f.id = a.file_id WHERE a.year = ? "
        "ORDER BY a.id",  # stored order on both backends (PostgreSQL has no rowid order)
        (year,),
    ).fetchall()
    layouts: dict[str, list[SheetLayout]] = {}
    out: list[OriginalRow] = []
    for name, sheets, sheet, row, id_number, phone, cells in rows:
        if sheets not in layouts:
            layouts[sheets] = _layouts(sheets)
        out.append(
            OriginalRow(
                file=name,
                sheets=layouts[sheets],
                sheet=sheet,
                row=row,
                id_number=id_number,
                phone=phone,
                cells=json.loads(cells),
            )
        )
    return out


# --------------------------------------------------------------------------- findings


def insert_findings(conn: Connection, year: int, file_id: int, findings: Iterable[Finding]) -> None:
    """A file's own findings (``campaign_wide = 0``)."""
    conn.executemany(
        "INSERT INTO aid_findings (file_id, year, sheet, row, column_name, code, severity, params, "
        "campaign_wide) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
        (
            (
                file_id,
                year,
                f.sheet,
                f.row,
                f.column,
                f.code,
                f.severity.value,
                _to_json(f.params),
            )
            for f in findings
        ),
    )


class WideFinding(NamedTuple):
    """A campaign-wide finding of a row of any file of the campaign."""

    file_id: int
    sheet: str
    row: int
    column: str
    code: str
    severity: Severity
    params: dict[str, Any]


def insert_wide_findings(conn: Connection, year: int, findings: Iterable[WideFinding]) -> None:
    conn.executemany(
        "INSERT INTO aid_findings (file_id, year, sheet, row, column_name, code, severity, params, "
        "campaign_wide) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
        (
            (
                f.file_id,
                year,
                f.sheet,
                f.row,
                f.column,
                f.code,
                f.severity.value,
                _to_json(f.params),
            )
            for f in findings
        ),
    )


def delete_wide_findings(conn: Connection, year: int) -> None:
    conn.execute("DELETE FROM aid_findings WHERE year = ? AND campaign_wide = 1", (year,))


def wide_rows(conn: Connection, year: int) -> set[Where]:
    """The rows that have a campaign-wide finding now."""
    query = "SELECT file_id, sheet, row FROM aid_findings WHERE year = ? AND campaign_wide = 1"
    return {(int(f), str(s), int(r)) for f, s, r in conn.execute(query, (year,))}


@dataclass(frozen=True, slots=True)
class StoredFinding:
    sheet: str
    row: int | None
    column: str | None
    code: str
    params: dict[str, Any]


def file_findings(conn: Connection, file_id: int) -> list[StoredFinding]:
    """A file's findings (its own and campaign-wide), in no particular order."""
    return [
        StoredFinding(sheet=s, row=r, column=c, code=code, params=json.loads(p))
        for s, r, c, code, p in conn.execute(
            "SELECT sheet, row, column_name, code, params FROM aid_findings WHERE file_id = ?",
            (file_id,),
        )
    ]


class RowFinding(NamedTuple):
    """A row's error, or its REPEAT_RECIPIENT warning: what allocation needs to know."""

    file_id: int
    sheet: str
    row: int
    code: str
    severity: str


def errors_and_repeats(conn: Connection, year: int) -> Iterator[RowFinding]:
    """The year's errors and REPEAT_RECIPIENT findings, in the order they were stored,
    read once for the campaign rather than by two subqueries per applicant."""
    query = (
        f"SELECT {', '.join('x.' + n for n in RowFinding._fields)} "
        "FROM aid_findings x JOIN aid_files f ON f.id = x.file_id "
        "WHERE f.year = ? AND (x.severity = 'error' OR x.code = 'REPEAT_RECIPIENT') "
        "ORDER BY x.id"
    )
    return map(RowFinding._make, _plain(conn).execute(query, (year,)))
