"""``aid validate``: read county workbooks, check every row, store the campaign in the ledger.

Files are read and checked completely before the ledger is touched, so an unreadable
file changes nothing. Validating a file again (same resolved path, same year) replaces
its applicants and findings and keeps its place in the campaign's file order, which is
the order DUPLICATE_PERSON uses to decide which occurrence is "first".
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid import columns as col
from zjk_charity.aid.attachments import Attachments
from zjk_charity.aid.model import Applicant
from zjk_charity.aid.rules import RowContext, check_row
from zjk_charity.findings import Finding, Severity
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.ledger.db import Run
from zjk_charity.workbook.reader import Table, read_table

# The campaign-wide checks and the column each is reported in.
WIDE_COLUMN = {"DUPLICATE_PERSON": col.ID, "HOUSEHOLD_SHARED": "户号"}
_COLUMN_ORDER = {c.name: i for i, c in enumerate(col.COLUMNS)}


def campaign_name(year: int) -> str:
    return f"nuandong-{year}"


@dataclass
class FileReport:
    path: str  # as the user gave it
    sha256: str
    table: Table
    file_id: int = 0

    @property
    def name(self) -> str:
        return self.table.path.name


@dataclass
class CountyTally:
    rows: int = 0
    eligible: int = 0
    with_errors: int = 0
    with_warnings: int = 0


@dataclass
class ValidationResult:
    year: int
    as_of: date
    files: list[FileReport]
    applicants: list[Applicant]
    findings: list[Finding] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        rows = len(self.applicants)
        errors = sum(a.has_error for a in self.applicants)
        return {
            "rows": rows,
            "eligible": rows - errors,
            "with_errors": errors,
            "with_warnings": sum(a.has_warning for a in self.applicants),
        }

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def by_county(self) -> dict[str, CountyTally]:
        tallies: dict[str, CountyTally] = defaultdict(CountyTally)
        for a in self.applicants:
            tally = tallies[a.county or "（县区不明）"]
            tally.rows += 1
            tally.eligible += not a.has_error
            tally.with_errors += a.has_error
            tally.with_warnings += a.has_warning
        return dict(sorted(tallies.items()))

    def by_code(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "files": [
                {
                    "path": f.path,
                    "sha256": f.sha256,
                    "sheets": [
                        {"name": s.name, "header_row": s.header_row, "rows": len(s.rows)}
                        for s in f.table.sheets
                    ],
                }
                for f in self.files
            ],
            "summary": self.summary,
            "findings": [f.as_json(lang) for f in self.findings],
        }


def _history(conn: sqlite3.Connection) -> dict[str, list[int]]:
    years: dict[str, list[int]] = defaultdict(list)
    for id_number, year in conn.execute("SELECT id_number, year FROM history"):
        years[id_number].append(year)
    return years


def _column_findings(report: FileReport) -> list[Finding]:
    return [
        Finding(report.path, s.name, s.header_row, name, "COLUMN_MISSING", {"column": name})
        for s in report.table.sheets
        for name in s.missing
    ]


def _check_file(report: FileReport, ctx: RowContext) -> list[Applicant]:
    applicants: list[Applicant] = []
    for sheet in report.table.sheets:
        if sheet.missing:
            continue
        applicants.extend(check_row(ctx, sheet, row) for row in sheet.rows)
    return applicants


def _store_file(conn: sqlite3.Connection, run: Run, year: int, report: FileReport) -> int:
    path = str(report.table.path.resolve())
    sheets = json.dumps(
        [
            {"name": s.name, "header_row": s.header_row, "rows": len(s.rows), "headers": s.headers}
            for s in report.table.sheets
        ],
        ensure_ascii=False,
    )
    # The same file is the same path, or the same bytes under another path (a copy moved
    # from 下载 to the campaign folder): its earlier rows are replaced, never doubled.
    found = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM aid_files WHERE year = ? AND (path = ? OR sha256 = ?) "
            "ORDER BY path = ? DESC, id",
            (year, path, report.sha256, path),
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
            (path, report.sha256, sheets, run.id, report.name, keep),
        )
        return keep
    cursor = conn.execute(
        "INSERT INTO aid_files (year, path, name, sha256, sheets, run_id) VALUES (?, ?, ?, ?, ?, ?)",
        (year, path, report.name, report.sha256, sheets, run.id),
    )
    return int(cursor.lastrowid or 0)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _store_rows(
    conn: sqlite3.Connection,
    year: int,
    file_id: int,
    applicants: list[Applicant],
    extra: list[Finding],
) -> None:
    conn.executemany(
        "INSERT INTO applicants (file_id, year, sheet, sheet_index, row, county_code, county, "
        "township, village, name, id_number, birth_date, sex, household, care_level, bank, "
        "account, phone, apply_date, prior_years, exception_note, has_error, has_warning, cells) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                file_id,
                year,
                a.sheet,
                a.sheet_index,
                a.row,
                a.county_code,
                a.county,
                a.township,
                a.village,
                a.name,
                a.id_number,
                _iso(a.birth_date),
                a.sex,
                a.household,
                a.care_level,
                a.bank,
                a.account,
                a.phone,
                _iso(a.apply_date),
                a.prior_years,
                a.exception_note,
                int(a.has_error),
                int(a.has_warning),
                json.dumps(a.cells, ensure_ascii=False),
            )
            for a in applicants
        ),
    )
    _store_findings(conn, year, file_id, [f for a in applicants for f in a.findings] + extra, 0)


def _store_findings(
    conn: sqlite3.Connection, year: int, file_id: int, findings: Iterable[Finding], wide: int
) -> None:
    conn.executemany(
        "INSERT INTO aid_findings (file_id, year, sheet, row, column_name, code, severity, params, "
        "campaign_wide) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                file_id,
                year,
                f.sheet,
                f.row,
                f.column,
                f.code,
                f.severity.value,
                json.dumps(f.params, ensure_ascii=False),
                wide,
            )
            for f in findings
        ),
    )


@dataclass(frozen=True)
class _Member:
    file_id: int
    file: str
    sheet: str
    row: int
    id_number: str | None
    county_code: str | None
    household: str


def _campaign_members(conn: sqlite3.Connection, year: int) -> list[_Member]:
    query = (
        "SELECT a.file_id, f.name, a.sheet, a.row, a.id_number, a.county_code, a.household "
        "FROM applicants a JOIN aid_files f ON f.id = a.file_id WHERE a.year = ? "
        "ORDER BY a.file_id, a.sheet_index, a.row"
    )
    return [_Member(*r) for r in conn.execute(query, (year,))]


def campaign_findings(members: Sequence[_Member]) -> list[tuple[_Member, str, dict[str, Any]]]:
    """DUPLICATE_PERSON and HOUSEHOLD_SHARED over every file of the campaign, in file order."""
    out: list[tuple[_Member, str, dict[str, Any]]] = []
    first: dict[str, _Member] = {}
    households: dict[tuple[str, str], list[_Member]] = defaultdict(list)
    for m in members:
        if m.id_number:
            earlier = first.setdefault(m.id_number, m)
            if earlier is not m:
                where = f"{earlier.file}「{earlier.sheet}」第 {earlier.row} 行"
                out.append((m, "DUPLICATE_PERSON", {"where": where}))
        if m.county_code and m.household:
            households[(m.county_code, m.household)].append(m)
    for (_, household), group in households.items():
        people = {m.id_number or f"{m.file_id}:{m.sheet}:{m.row}" for m in group}
        if len(people) > 1:
            for m in group:
                out.append(
                    (m, "HOUSEHOLD_SHARED", {"household": household, "count": len(people) - 1})
                )
    return out


def _refresh_campaign(
    conn: sqlite3.Connection, year: int
) -> list[tuple[_Member, str, dict[str, Any]]]:
    conn.execute("DELETE FROM aid_findings WHERE year = ? AND campaign_wide = 1", (year,))
    wide = campaign_findings(_campaign_members(conn, year))
    for m, code, params in wide:
        finding = Finding(m.file, m.sheet, m.row, WIDE_COLUMN[code], code, params)
        _store_findings(conn, year, m.file_id, [finding], 1)
    conn.execute(
        "UPDATE applicants SET "
        "has_error = EXISTS (SELECT 1 FROM aid_findings f WHERE f.file_id = applicants.file_id "
        "AND f.sheet = applicants.sheet AND f.row = applicants.row AND f.severity = 'error'), "
        "has_warning = EXISTS (SELECT 1 FROM aid_findings f WHERE f.file_id = applicants.file_id "
        "AND f.sheet = applicants.sheet AND f.row = applicants.row AND f.severity = 'warning') "
        "WHERE year = ?",
        (year,),
    )
    return wide


def _sort_key(
    order: dict[str, int], sheet_order: dict[tuple[str, str], int]
) -> Callable[[Finding], tuple[int, int, int, int, str]]:
    def key(f: Finding) -> tuple[int, int, int, int, str]:
        return (
            order[f.file],
            sheet_order.get((f.file, f.sheet), 0),
            f.row or 0,
            _COLUMN_ORDER.get(f.column or "", -1),
            f.code,
        )

    return key


def read_files(
    paths: Sequence[Path], progress: Callable[[str], None] | None = None
) -> list[FileReport]:
    """Read every file first: one unreadable file stops the command before the ledger changes."""
    reports: dict[str, FileReport] = {}
    for path in dict.fromkeys(paths):  # the same path twice is read once
        table = read_table(path, col.COLUMNS, col.ID, progress)
        digest = file_sha256(path)
        reports.setdefault(digest, FileReport(str(path), digest, table))  # same bytes: one file
    return list(reports.values())


def validate(
    ledger: Ledger,
    paths: Sequence[Path],
    *,
    year: int,
    as_of: date,
    attachments: Path | None = None,
    arguments: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ValidationResult:
    """Validate application workbooks and store the campaign's applicants and findings."""
    folder = Attachments(attachments) if attachments else None
    reports = read_files(paths, progress)
    with ledger.run("aid validate", arguments or {}, list(paths)) as run:
        history = _history(run.conn)
        result = ValidationResult(year, as_of, reports, [])
        by_file: dict[int, FileReport] = {}
        for report in reports:
            ctx = RowContext(report.path, year, as_of, history, folder)
            applicants = _check_file(report, ctx)
            column_findings = _column_findings(report)
            report.file_id = _store_file(run.conn, run, year, report)
            by_file[report.file_id] = report
            _store_rows(run.conn, year, report.file_id, applicants, column_findings)
            result.applicants.extend(applicants)
            result.findings.extend(column_findings)
        index = {(a.file, a.sheet, a.row): a for a in result.applicants}
        for m, code, params in _refresh_campaign(run.conn, year):
            owner = by_file.get(m.file_id)
            if owner is None:
                continue
            finding = Finding(owner.path, m.sheet, m.row, WIDE_COLUMN[code], code, params)
            index[(owner.path, m.sheet, m.row)].findings.append(finding)
        result.findings.extend(f for a in result.applicants for f in a.findings)
        order = {r.path: i for i, r in enumerate(reports)}
        sheet_order = {(r.path, s.name): s.index for r in reports for s in r.table.sheets}
        result.findings.sort(key=_sort_key(order, sheet_order))
        run.outcome = "problems" if result.has_errors else "ok"
        run.result = result.summary
    return result
