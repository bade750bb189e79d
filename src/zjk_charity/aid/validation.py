"""``aid validate``: read county workbooks, check every row, store the campaign in the ledger.

Files are read and checked completely before the ledger is touched, so an unreadable
file changes nothing. Validating a file again (same resolved path, same year) replaces
its applicants and findings and keeps its place in the campaign's file order, which is
the order DUPLICATE_PERSON uses to decide which occurrence is "first".

A row's own findings (``rules``), the reference lists' (``integrity.reference``) and
POSSIBLE_REPEAT against the history registry (``integrity.people``) are stored with its
file. The campaign-wide findings (DUPLICATE_PERSON, HOUSEHOLD_SHARED, POSSIBLE_DUPLICATE,
ACCOUNT_SHARED, PHONE_SHARED) depend on every file of the campaign: they are stored with
``campaign_wide = 1`` and recomputed over all files on every validate, and the flags of
other files' rows they touch are brought up to date.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import compress, count
from operator import attrgetter, is_
from pathlib import Path
from typing import Any

from zjk_charity.aid import applicants_store as store
from zjk_charity.aid import campaign_name, history_store
from zjk_charity.aid import columns as col
from zjk_charity.aid.applicants_store import Flags, Member, WideFinding
from zjk_charity.aid.attachments import Attachments
from zjk_charity.aid.model import Applicant
from zjk_charity.aid.rules import RowContext, check_sheet
from zjk_charity.campaign_year import YearWarning, check_years, column_years
from zjk_charity.collector import collector_paused
from zjk_charity.counties import find_county
from zjk_charity.findings import CODES, Finding, Severity, place_params
from zjk_charity.integrity import people
from zjk_charity.integrity.likeness import SearchKeys, partners
from zjk_charity.integrity.people import PHONE_SHARED_LIMIT, HistoryRow
from zjk_charity.integrity.reference import ReferenceLists, load_reference
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.ledger.db import Connection, Run
from zjk_charity.workbook.reader import Table, read_table

# The campaign-wide checks and the column each is reported in.
WIDE_COLUMN = {
    "DUPLICATE_PERSON": col.ID,
    "HOUSEHOLD_SHARED": "户号",
    **{
        code: people.COLUMN[code]
        for code in ("POSSIBLE_DUPLICATE", "ACCOUNT_SHARED", "PHONE_SHARED")
    },
}
_COLUMN_ORDER = {c.name: i for i, c in enumerate(col.COLUMNS)}
_flags = store.flags


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
class EarlierFile:
    """A file of the campaign that an earlier run validated, as the ledger holds it now
    (its campaign-wide findings brought up to date by this run)."""

    name: str
    file_id: int
    findings: list[Finding]
    by_county: dict[str, CountyTally]


@dataclass
class ValidationResult:
    year: int
    as_of: date
    files: list[FileReport]
    applicants: list[Applicant]
    findings: list[Finding] = field(default_factory=list)
    # The campaign's other files, for the city-wide 问题清单; loaded only when a
    # workbook is written (``validate(write=...)``).
    earlier: list[EarlierFile] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        rows = len(self.applicants)
        flagged = [a for a in self.applicants if a.findings]  # most rows have none
        errors = sum(a.has_error for a in flagged)
        return {
            "rows": rows,
            "eligible": rows - errors,
            "with_errors": errors,
            "with_warnings": sum(a.has_warning for a in flagged),
        }

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def by_county(self) -> dict[str, CountyTally]:
        tallies: dict[str, CountyTally] = defaultdict(CountyTally)
        for a in self.applicants:
            tally = tallies[a.county or "（县区不明）"]
            tally.rows += 1
            if not a.findings:
                tally.eligible += 1
                continue
            error = a.has_error
            tally.eligible += not error
            tally.with_errors += error
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


def _history(conn: Connection, year: int) -> tuple[dict[str, list[int]], list[HistoryRow]]:
    """The registry's years by ID, for REPEAT_RECIPIENT (only IDs that pass their check:
    a kept row with a bad check character matches no one exactly), and the rows of
    earlier years, for POSSIBLE_REPEAT."""
    years: dict[str, list[int]] = defaultdict(list)
    rows: list[HistoryRow] = []
    county_code = _county_code
    for h in history_store.entries(conn):
        if h.id_checked:
            years[h.id_number].append(h.year)
        if h.year < year:
            rows.append(
                HistoryRow(
                    year=h.year,
                    id_number=h.id_number,
                    name=h.name or "",
                    county_code=county_code(h.county),
                    id_checked=bool(h.id_checked),
                )
            )
    return years, rows


@lru_cache(maxsize=256)
def _county_code(name: str | None) -> str | None:
    county = find_county(name) if name else None
    return county.code if county else None


def _screen_history(
    applicants: list[Applicant], history: list[HistoryRow], year: int
) -> SearchKeys | None:
    """POSSIBLE_REPEAT of this run's applicants (every file at once) against history;
    returns the applicants' search keys, kept for the campaign-wide search."""
    if not history:
        return None
    keys = SearchKeys(applicants)
    for a, code, params in people.possible_repeats(applicants, history, year, keys):
        a.findings.append(Finding(a.file, a.sheet, a.row, people.COLUMN[code], code, params))
    return keys


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
        applicants.extend(check_sheet(ctx, sheet))
    return applicants


def _screen_lists(applicants: list[Applicant], lists: ReferenceLists, path: str) -> None:
    """Each applicant's findings against the reference lists in force (integrity.md)."""
    if lists.empty:
        return
    for a in applicants:
        for code, column, params in lists.findings(a.id_number, a.name, a.county_code):
            a.findings.append(Finding(path, a.sheet, a.row, column, code, params))


def _store_file(conn: Connection, run: Run, year: int, report: FileReport) -> int:
    layouts = [
        store.SheetLayout(name=s.name, header_row=s.header_row, rows=len(s.rows), headers=s.headers)
        for s in report.table.sheets
    ]
    new = store.NewFile(
        year=year,
        path=str(report.table.path.resolve()),
        name=report.name,
        sha256=report.sha256,
        sheets=layouts,
    )
    return store.save_file(conn, run.id, new)


def _store_rows(
    conn: Connection,
    year: int,
    file_id: int,
    applicants: list[Applicant],
    extra: list[Finding],
) -> None:
    """The file's applicants (flags from their own findings) and findings, in two batches."""
    store.insert_applicants(conn, year, file_id, applicants)
    store.insert_findings(conn, year, file_id, [f for a in applicants for f in a.findings] + extra)


def _stored_members(conn: Connection, year: int, exclude: Sequence[int]) -> dict[int, list[Member]]:
    """The campaign's applicants in files other than ``exclude``, by file, in row order."""
    return store.members(conn, year, exclude)


def _campaign_members(
    conn: Connection,
    year: int,
    checked: Sequence[tuple[FileReport, list[Applicant]]],
    phone_limit: int = PHONE_SHARED_LIMIT,
    keys: SearchKeys | None = None,
) -> tuple[list[Member], dict[int, int]]:
    """The campaign's applicants, in file order, that can have a campaign-wide finding,
    and for each (position) likely the same person as another, the first such other.

    Those share an ID, a household or a usable account with another row, give a phone
    more than ``phone_limit`` rows give, or are likely the same person as another row
    (``likeness``). This run's come from memory, the others from the ledger. Values are
    counted first (and the likeness search runs over every row as it stands), so that a
    member record is made only for the few rows that qualify.
    """
    stored = _stored_members(conn, year, [report.file_id for report, _ in checked])
    files: dict[int, list[Any]] = {**stored}
    reports = {report.file_id: report for report, _ in checked}
    files.update((report.file_id, applicants) for report, applicants in checked)
    order = sorted(files)
    everyone: list[Any] = [r for file_id in order for r in files[file_id]]
    # This run's applicants alone (no other file in the campaign): their keys are made.
    search: Sequence[Any] | SearchKeys = everyone
    if keys is not None and _same_records(everyone, keys.records):
        search = keys
    alike = {i: js[0] for i, js in partners(search, most=1).items()}
    keep = set(alike)
    keep.update(_shared(map(attrgetter("id_number"), everyone), 2))
    keep.update(_shared(map(attrgetter("county_code", "household"), everyone), 2))
    keep.update(_shared(map(attrgetter("account"), everyone), 2))
    keep.update(_shared(map(attrgetter("phone"), everyone), phone_limit + 1))
    kept = sorted(keep)
    members: list[Member] = []
    position: dict[int, int] = {}  # place in everyone -> place in members
    at = 0
    for file_id in order:
        report = reports.get(file_id)
        rows = files[file_id]
        for k in kept[bisect_left(kept, at) : bisect_left(kept, at + len(rows))]:
            position[k] = len(members)
            i = k - at
            members.append(rows[i] if report is None else _member(report, rows[i], i))
        at += len(rows)
    return members, {position[i]: position[j] for i, j in alike.items()}


def _same_records(these: Sequence[object], those: Sequence[object]) -> bool:
    return len(these) == len(those) and all(map(is_, these, those))


def _shared(values: Iterable[Hashable], least: int) -> Iterator[int]:
    """The positions of the values given ``least`` times or more; a blank value (a
    household: a blank county or 户号) is never shared. Counted and found in C."""
    column = list(values)
    shared = {v for v, n in Counter(column).items() if n >= least and _given(v)}
    return compress(count(), map(shared.__contains__, column)) if shared else iter(())


def _given(value: object) -> bool:
    if isinstance(value, tuple):
        return all(value)
    return bool(value)


def _member(report: FileReport, a: Applicant, position: int) -> Member:
    """A member record for an applicant of this run."""
    return Member(
        file_id=report.file_id,
        file=report.name,
        sheet=a.sheet,
        row=a.row,
        id_number=a.id_number,
        county_code=a.county_code,
        household=a.household,
        name=a.name,
        account=a.account,
        phone=a.phone,
        owner=a,
        position=position,
    )


Wide = list[tuple[Member, str, dict[str, Any]]]


def campaign_findings(
    members: Sequence[Member],
    phone_limit: int = PHONE_SHARED_LIMIT,
    alike: Mapping[int, int] | None = None,
) -> Wide:
    """The campaign-wide findings over every file of the campaign, in file order:
    DUPLICATE_PERSON and HOUSEHOLD_SHARED, then the cross-person checks of integrity.md.
    ``alike``: each member likely the same person as another → the first such other."""
    out: Wide = []
    first: dict[str, Member] = {}
    households: dict[tuple[str, str], list[Member]] = defaultdict(list)
    for m in members:
        if m.id_number:
            earlier = first.setdefault(m.id_number, m)
            if earlier is not m:
                where = place_params(earlier.file, earlier.sheet, earlier.row)
                out.append((m, "DUPLICATE_PERSON", where))
        if m.county_code and m.household:
            households[(m.county_code, m.household)].append(m)
    for (_, household), group in households.items():
        persons = {m.id_number or f"{m.file_id}:{m.sheet}:{m.row}" for m in group}
        if len(persons) > 1:
            for m in group:
                out.append(
                    (m, "HOUSEHOLD_SHARED", {"household": household, "count": len(persons) - 1})
                )
    out.extend(people.possible_duplicates(members, alike))
    out.extend(people.shared_accounts(members))
    out.extend(people.shared_phones(members, phone_limit))
    return out


def _refresh_campaign(
    conn: Connection,
    year: int,
    checked: Sequence[tuple[FileReport, list[Applicant]]],
    phone_limit: int = PHONE_SHARED_LIMIT,
    keys: SearchKeys | None = None,
) -> None:
    """Recompute the campaign-wide findings over the campaign.

    The findings go to the ledger and to this run's applicants; then every applicant
    whose has_error/has_warning can have changed is brought in line with its findings.
    ``keys``: this run's applicants' search keys, if the history search made them.
    """
    wide_before = store.wide_rows(conn, year)
    store.delete_wide_findings(conn, year)
    members, alike = _campaign_members(conn, year, checked, phone_limit, keys)
    wide = campaign_findings(members, phone_limit, alike)
    _store_wide(conn, year, wide)
    paths = {report.file_id: report.path for report, _ in checked}
    changed: dict[int, list[Member]] = defaultdict(list)
    for m, code, params in wide:
        if m.owner is None:
            continue
        before = _flags(m.owner.findings)
        finding = Finding(paths[m.file_id], m.sheet, m.row, WIDE_COLUMN[code], code, params)
        m.owner.findings.append(finding)
        if _flags(m.owner.findings) != before:
            changed[m.file_id].append(m)
    _update_checked_flags(conn, changed)
    others = {(f, s, r) for f, s, r in wide_before if f not in paths}
    others |= {(m.file_id, m.sheet, m.row) for m, _, _ in wide if m.owner is None}
    _update_stored_flags(conn, others)


def _store_wide(conn: Connection, year: int, wide: Wide) -> None:
    store.insert_wide_findings(
        conn,
        year,
        (
            WideFinding(
                file_id=m.file_id,
                sheet=m.sheet,
                row=m.row,
                column=WIDE_COLUMN[code],
                code=code,
                severity=CODES[code].severity,
                params=params,
            )
            for m, code, params in wide
        ),
    )


def _update_checked_flags(conn: Connection, changed: dict[int, list[Member]]) -> None:
    """Flags of this run's applicants that a campaign-wide finding changed, by row id.

    A file's applicants were inserted in order, so their row ids ascend in that order.
    """
    for file_id, members in changed.items():
        ids = store.applicant_ids(conn, file_id)
        store.set_flags(
            conn,
            (
                Flags(ids[m.position], *_flags(m.owner.findings))
                for m in members
                if m.owner is not None
            ),
        )


def _update_stored_flags(conn: Connection, rows: set[tuple[int, str, int]]) -> None:
    """Flags of other files' applicants that had or have a campaign-wide finding."""
    store.refresh_flags(conn, rows)


def _earlier_files(conn: Connection, year: int, exclude: set[int]) -> list[EarlierFile]:
    """The campaign's files other than ``exclude``, in the order they were first validated,
    with their stored findings (in sheet, row and column order) and county tallies."""
    earlier: list[EarlierFile] = []
    for file in store.files(conn, year):
        if file.id in exclude:
            continue
        path = file.path
        sheet_order = {(path, s.name): i for i, s in enumerate(file.sheets)}
        findings = [
            Finding(path, f.sheet, f.row, f.column, f.code, f.params)
            for f in store.file_findings(conn, file.id)
            if f.code in CODES
        ]
        findings.sort(key=_sort_key({path: 0}, sheet_order))
        tallies: dict[str, CountyTally] = {}
        for c in store.county_counts(conn, file.id):
            tally = tallies.setdefault(c.county or "（县区不明）", CountyTally())  # NULL and ''
            tally.rows += c.rows
            tally.eligible += c.rows - c.with_errors
            tally.with_errors += c.with_errors
            tally.with_warnings += c.with_warnings
        earlier.append(EarlierFile(file.name, file.id, findings, tallies))
    return earlier


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
    write: Callable[[ValidationResult], object] | None = None,
    warn_year: YearWarning | None = None,
    phone_shared_limit: int = PHONE_SHARED_LIMIT,
) -> ValidationResult:
    """Validate application workbooks and store the campaign's applicants and findings.

    ``write`` makes the marked-up workbook inside the ledger transaction: when it cannot
    be written, nothing of the validation is recorded either. ``warn_year`` is called,
    after the files are read and before the ledger or any file is written, when most
    申请日期 lie outside ``year`` (:mod:`zjk_charity.campaign_year`).
    ``phone_shared_limit`` is the setting ``aid.phone_shared_limit`` (PHONE_SHARED).
    """
    with collector_paused():
        return _validate(
            ledger,
            paths,
            year,
            as_of,
            attachments,
            arguments,
            progress,
            write,
            warn_year,
            phone_shared_limit,
        )


def _validate(
    ledger: Ledger,
    paths: Sequence[Path],
    year: int,
    as_of: date,
    attachments: Path | None,
    arguments: dict[str, Any] | None,
    progress: Callable[[str], None] | None,
    write: Callable[[ValidationResult], object] | None = None,
    warn_year: YearWarning | None = None,
    phone_limit: int = PHONE_SHARED_LIMIT,
) -> ValidationResult:
    folder = Attachments(attachments) if attachments else None
    reports = read_files(paths, progress)
    sheets = (s for r in reports for s in r.table.sheets)
    check_years(column_years(sheets, "申请日期"), year, "申请日期", warn_year)
    # parallel: on a shared server, other counties' files are checked at the same time;
    # the writes, and the campaign-wide findings over every file, wait their turn.
    with ledger.run("aid validate", arguments or {}, list(paths), parallel=True) as run:
        history, earlier_rows = _history(run.conn, year)
        lists = load_reference(run.conn)
        result = ValidationResult(year, as_of, reports, [])
        checked: list[tuple[FileReport, list[Applicant]]] = []
        for report in reports:
            ctx = RowContext(report.path, year, as_of, history, folder)
            applicants = _check_file(report, ctx)
            _screen_lists(applicants, lists, report.path)
            checked.append((report, applicants))
            result.applicants.extend(applicants)
        keys = _screen_history(result.applicants, earlier_rows, year)
        run.begin_writes()
        for report, applicants in checked:
            column_findings = _column_findings(report)
            report.file_id = _store_file(run.conn, run, year, report)
            _store_rows(run.conn, year, report.file_id, applicants, column_findings)
            result.findings.extend(column_findings)
        _refresh_campaign(run.conn, year, checked, phone_limit, keys)
        result.findings.extend(f for a in result.applicants for f in a.findings)
        order = {r.path: i for i, r in enumerate(reports)}
        sheet_order = {(r.path, s.name): s.index for r in reports for s in r.table.sheets}
        result.findings.sort(key=_sort_key(order, sheet_order))
        run.outcome = "problems" if result.has_errors else "ok"
        run.result = result.summary
        if write is not None:
            result.earlier = _earlier_files(run.conn, year, {r.file_id for r in reports})
            write(result)
    return result
