"""Applying the bank's result files to the payments store, for any campaign.

The files are read (``results.read_results``) before the command's transaction, so an
unreadable file stops it before anything is recorded; each file is then matched
(``matching.match_results``) against the instructions as they stand after the files
before it, and what matched is recorded in the same transaction: rows without errors
are applied, rows with errors are left for the clerk (payout.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zjk_charity.errors import UserError
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.matching import Counts, Update, match_results
from zjk_charity.payments.model import Instruction, Purpose
from zjk_charity.payments.results import Note, ResultFile, read_results


@dataclass
class Imported:
    """What the result files did, summed over the files."""

    files: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    findings: list[PayFinding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    # Every instruction matched against, by id, as it was before this import (their
    # payee, account and amount do not change with the state): what a report of the
    # updated ones needs, without loading the campaign again.
    seen: dict[int, Instruction] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(f.severity.value == "error" for f in self.findings)


def read_files(paths: Sequence[Path]) -> list[ResultFile]:
    """Every result file read, or a UserError for the first that cannot be."""
    return [read_results(path) for path in paths]


def _chosen(
    conn: sqlite3.Connection, purpose: Purpose, year: int, profile: str | None
) -> list[Instruction]:
    instructions = store.instructions(conn, purpose, year)
    if profile is None:
        return instructions
    codes = {b.code for b in store.batches(conn, purpose, year) if b.profile == profile}
    if not codes:
        raise UserError(
            f"没有用格式 “{profile}” 生成的付款批次；请检查 --profile",
            f"no payment batch was written with the profile '{profile}'; check --profile",
        )
    return [i for i in instructions if i.batch in codes or i.method == "cash"]


def apply_files(
    conn: sqlite3.Connection,
    run_id: int,
    purpose: Purpose,
    year: int,
    files: Sequence[ResultFile],
    *,
    withdrawn: Mapping[str, str],
    profile: str | None = None,
) -> Imported:
    """Match and record each file in turn; ``profile``: only batches written with it."""
    if not store.batches(conn, purpose, year):
        raise UserError(
            f"{year} 年还没有付款批次，没有可以对应的回盘；请先运行 zjk-charity aid pay",
            f"no payment batch for {year} yet; run zjk-charity aid pay first",
        )
    done = Imported()
    for rf in files:
        current = _chosen(conn, purpose, year, profile)
        done.seen.update((i.id, i) for i in current)
        matching = match_results(
            rf.rows,
            current,
            sha256=rf.sha256,
            applied=store.applied_rows(conn),
            withdrawn=withdrawn,
        )
        store.set_state(
            conn,
            run_id,
            [(u.instruction, u.state, u.reason or None) for u in matching.updates],
            double=[u.instruction for u in matching.updates if u.double],
        )
        store.record_results(
            conn,
            run_id,
            rf.name,
            rf.sha256,
            [
                (m.instruction, m.row.sheet, m.row.row, m.row.outcome, m.row.reason or None)
                for m in matching.matched
            ],
        )
        done.files.append(rf.name)
        _add(done.counts, matching.counts)
        done.findings += [*rf.findings, *matching.findings]
        done.notes += rf.notes
        done.updates += matching.updates
    return done


def _add(total: Counts, more: Counts) -> None:
    for name in vars(total):
        setattr(total, name, getattr(total, name) + getattr(more, name))
