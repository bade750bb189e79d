"""The SQL that only the reports run: no other module of ``reports/`` holds a cursor.

Two kinds of read, both by a report and by nothing else:

- figures of the 福彩暖冬 report that no capability's store already gives: counts of the
  validated applications and their findings, eligible people per county, the history
  registry per year;
- the provenance a report's ``manifest.json`` records: which ledger runs it rests on
  (the validations, history imports, finalize; the runs behind the payment figures; the
  微心愿 commands) and those runs' records with the input files they read.

Every other figure comes from the store of its capability (``payments.store``,
``integrity.reviews_store``, ``wishes.store``, the allocation), so that a report and the
command it summarises read the same rows the same way. Results are typed records or
plain mappings (code → count), never positional tuples.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from zjk_charity.ledger.db import Connection


@dataclass(frozen=True)
class ApplicationCounts:
    """The validated application rows of a year: all, without errors, with errors, with
    warnings."""

    rows: int
    eligible: int
    with_errors: int
    with_warnings: int


@dataclass(frozen=True)
class HistoryYear:
    """How many people the history registry holds for one earlier year."""

    year: int
    people: int


@dataclass(frozen=True)
class RunRecord:
    """One run of the ledger as a manifest cites it; ``inputs`` as the run recorded them
    (``{"path": ..., "sha256": ...}`` each)."""

    id: int
    command: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    inputs: list[dict[str, str]]


# ---- figures --------------------------------------------------------------------------


def application_counts(conn: Connection, year: int) -> ApplicationCounts:
    """Counts over the year's validated application rows (0 each when there are none)."""
    rows, eligible, errors, warnings = conn.execute(
        # CASE, not sum(has_error = 0): a comparison is a boolean on PostgreSQL, no number
        "SELECT count(*), coalesce(sum(CASE WHEN has_error = 0 THEN 1 ELSE 0 END), 0), "
        "coalesce(sum(has_error), 0), coalesce(sum(has_warning), 0) "
        "FROM applicants WHERE year = ?",
        (year,),
    ).fetchone()
    return ApplicationCounts(
        rows=rows, eligible=eligible, with_errors=errors, with_warnings=warnings
    )


def finding_counts(conn: Connection, year: int, severity: str) -> dict[str, int]:
    """How often each finding code of ``severity`` (error, warning) was stored for the
    year's applications, in code order."""
    query = (
        "SELECT code, count(*) FROM aid_findings WHERE year = ? AND severity = ? "
        "GROUP BY code ORDER BY code"
    )
    return {str(code): int(n) for code, n in conn.execute(query, (year, severity))}


def eligible_by_county(conn: Connection, year: int) -> dict[str, int]:
    """Application rows without errors per county code (rows with no county left out)."""
    query = (
        "SELECT county_code, count(*) FROM applicants WHERE year = ? AND has_error = 0 "
        "AND county_code IS NOT NULL GROUP BY county_code"
    )
    return {str(code): int(n) for code, n in conn.execute(query, (year,))}


def history_before(conn: Connection, year: int) -> list[HistoryYear]:
    """People in the history registry per year before ``year``, oldest first."""
    query = "SELECT year, count(*) FROM history WHERE year < ? GROUP BY year ORDER BY year"
    return [HistoryYear(year=int(y), people=int(n)) for y, n in conn.execute(query, (year,))]


# ---- provenance -----------------------------------------------------------------------


def validation_runs(conn: Connection, year: int) -> set[int]:
    """The ``aid validate`` runs that stored the year's files."""
    query = "SELECT run_id FROM aid_files WHERE year = ?"
    return {int(r[0]) for r in conn.execute(query, (year,))}


def history_runs(conn: Connection, year: int) -> set[int]:
    """The runs that wrote the history registry up to and including ``year`` (history
    imports and finalize)."""
    query = "SELECT DISTINCT run_id FROM history WHERE year <= ?"
    return {int(r[0]) for r in conn.execute(query, (year,))}


def finalized_run(conn: Connection, allocation_id: int) -> int | None:
    """The ``aid finalize`` run of an allocation, or None while it is not finalized."""
    query = "SELECT finalized_run_id FROM allocations WHERE id = ?"
    found = conn.execute(query, (allocation_id,)).fetchone()
    return int(found[0]) if found and found[0] else None


def payment_runs(conn: Connection, allocation_id: int, year: int) -> set[int]:
    """The runs behind a campaign's payment figures: the changes to the allocation's list
    and their 补充公示, the year's aid batches, updated instructions, bank results, cash
    confirmations and corrected accounts."""
    queries = (
        ("SELECT run_id, notice_run_id FROM aid_changes WHERE allocation_id = ?", allocation_id),
        ("SELECT run_id, NULL FROM payment_batches WHERE purpose = 'aid' AND year = ?", year),
        (
            "SELECT updated_run_id, NULL FROM payment_instructions "
            "WHERE purpose = 'aid' AND year = ?",
            year,
        ),
        (
            "SELECT r.run_id, NULL FROM payment_results r JOIN payment_instructions i "
            "ON i.id = r.instruction_id WHERE i.purpose = 'aid' AND i.year = ?",
            year,
        ),
        ("SELECT run_id, NULL FROM payee_accounts WHERE purpose = 'aid' AND year = ?", year),
    )
    found: set[int] = set()
    for query, value in queries:
        for first, second in conn.execute(query, (value,)):
            found.update(int(r) for r in (first, second) if r is not None)
    return found


def runs_of_commands(conn: Connection, commands: Sequence[str]) -> list[int]:
    """The ids of every run of any of ``commands`` (the 微心愿 report's provenance)."""
    if not commands:
        return []
    marks = ",".join("?" * len(commands))
    query = f"SELECT id FROM runs WHERE command IN ({marks}) ORDER BY id"
    return [int(r[0]) for r in conn.execute(query, tuple(commands))]


def run_records(conn: Connection, ids: Sequence[int]) -> list[RunRecord]:
    """The records of the runs ``ids``, in id order (an unknown id is left out)."""
    if not ids:
        return []  # "IN ()" is SQLite's; PostgreSQL refuses an empty list
    marks = ",".join("?" * len(ids))
    query = (
        "SELECT id, command, started_at, finished_at, outcome, inputs FROM runs "
        f"WHERE id IN ({marks}) ORDER BY id"
    )
    return [
        RunRecord(
            id=r[0],
            command=r[1],
            started_at=r[2],
            finished_at=r[3],
            outcome=r[4],
            inputs=json.loads(r[5] or "[]"),
        )
        for r in conn.execute(query, tuple(ids))
    ]
