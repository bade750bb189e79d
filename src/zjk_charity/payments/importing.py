"""Applying the bank's result files to the payments store, for any campaign.

The files are read (``results.read_results``) before the command's transaction, so an
unreadable file stops it before anything is recorded; each file is then matched
(``matching.match_results``) against the instructions as they stand after the files
before it, and what matched is recorded in the same transaction: rows without errors
are applied, rows with errors are left for the clerk (payout.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.matching import Counts, Update, match_results
from zjk_charity.payments.model import Instruction, Purpose, State
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

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        """The part of a ``payments import --json`` document both campaigns share: the
        files, the counts, the notes and the findings."""
        c = self.counts
        return {
            "files": self.files,
            "paid": c.paid,
            "failed": c.failed,
            "pending": c.pending,
            "already": c.already,
            "not_applied": c.skipped,
            "double_paid": c.double,
            "late_corrections": c.corrected,
            "notes": [n.message(lang) for n in self.notes],
            "findings": [f.as_json(lang) for f in self.findings],
        }


def read_files(paths: Sequence[Path]) -> list[ResultFile]:
    """Every result file read, or a UserError for the first that cannot be."""
    return [read_results(path) for path in paths]


def _only(
    conn: Connection, purpose: Purpose, year: int | None, profile: str | None
) -> set[str] | None:
    """The batch codes a profile's result file may answer for (None: any batch)."""
    if profile is None:
        return None
    codes = {b.code for b in store.batches(conn, purpose, year) if b.profile == profile}
    if not codes:
        raise UserError(
            f"没有用格式 “{profile}” 生成的付款批次；请检查 --profile",
            f"no payment batch was written with the profile '{profile}'; check --profile",
        )
    return codes


def _batch(conn: Connection, purpose: Purpose, year: int | None, batch: str | None) -> None:
    if batch is None:
        return
    codes = [b.code for b in store.batches(conn, purpose, year) if b.method == "bank"]
    if batch.strip().upper() not in codes:
        raise UserError(
            f"--batch {batch}：没有这个代发批次（已有：{'、'.join(codes) or '无'}）",
            f"--batch {batch}: no such bank batch (there are: {', '.join(codes) or 'none'})",
        )


def apply_files(
    conn: Connection,
    run_id: int,
    purpose: Purpose,
    year: int | None,
    files: Sequence[ResultFile],
    *,
    withdrawn: Mapping[str, str],
    profile: str | None = None,
    batch: str | None = None,
) -> Imported:
    """Match and record each file in turn.

    ``profile``: rows match only batches written with it (every instruction still counts
    for "already paid"); ``batch``: the batch a file without a 批次 column answers for.
    When a row pays someone who still has another open instruction (a cash sheet not
    yet handed out, or a batch still at the bank), the cash one is cancelled and both
    are named in the notes: the money must not go out a second time.
    """
    if not store.batches(conn, purpose, year):
        command = "aid pay" if purpose == "aid" else "wishes pay"
        when = f"{year} 年" if year is not None else ""
        raise UserError(
            f"{when}还没有付款批次，没有可以对应的回盘；请先运行 zjk-charity {command}",
            f"no payment batch{f' for {year}' if year is not None else ''} yet; "
            f"run zjk-charity {command} first",
        )
    _batch(conn, purpose, year, batch)
    codes = _only(conn, purpose, year, profile)
    done = Imported()
    for rf in files:
        current = store.instructions(conn, purpose, year)
        done.seen.update((i.id, i) for i in current)
        matching = match_results(
            rf.rows,
            current,
            sha256=rf.sha256,
            applied=store.applied_rows(conn),
            withdrawn=withdrawn,
            batch=batch.strip().upper() if batch else None,
            only=None if codes is None else {i.id for i in current if i.batch in codes},
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
        done.notes += _stop_others(conn, run_id, purpose, current, matching.updates)
        done.updates += matching.updates
    return done


def _stop_others(
    conn: Connection,
    run_id: int,
    purpose: Purpose,
    current: Sequence[Instruction],
    updates: Sequence[Update],
) -> list[Note]:
    """Cancel the open cash instructions of people this file paid, and name any bank
    instruction of theirs still at the bank (only the bank can stop that one)."""
    paid = {u.instruction: u for u in updates if u.state == "paid" and not u.double}
    by_id = {i.id: i for i in current}
    payees = {by_id[i].payee: by_id[i] for i in paid}
    cancel: list[tuple[int, State, str | None]] = []
    notes = []
    settled = {u.instruction for u in updates}  # answered by this file already
    for other in current:
        sent = payees.get(other.payee)
        if sent is None or other.id == sent.id or other.id in settled:
            continue
        # aid: the person, ID masked; 微心愿: the wish's 编号 (not personal data).
        key = mask_id(other.payee) if purpose == "aid" else other.payee
        who = f"{mask_name(other.name)}（{key}）"
        if other.state == "cash_pending":
            cancel.append((other.id, "cancelled", f"银行已付款成功（{sent.batch}）"))
            notes.append(
                Note(
                    f"{who} 已由批次 {sent.batch} 付款成功，现金领取表 {other.batch} 第 {other.line} 行作废，"
                    "请勿再发放现金",
                    f"{mask_name(other.name)} was paid by batch {sent.batch}: line {other.line} of "
                    f"cash sheet {other.batch} is cancelled, do not hand out the cash",
                )
            )
        elif other.state == "pending":
            notes.append(
                Note(
                    f"{who} 已由批次 {sent.batch} 付款成功，但批次 {other.batch} 第 {other.line} 笔仍在银行处理；"
                    "请联系银行撤回，否则将重复付款",
                    f"{mask_name(other.name)} was paid by batch {sent.batch}, yet line {other.line} "
                    f"of batch {other.batch} is still at the bank: ask the bank to stop it",
                )
            )
    store.set_state(conn, run_id, cancel)
    return notes


def _add(total: Counts, more: Counts) -> None:
    for name in vars(total):
        setattr(total, name, getattr(total, name) + getattr(more, name))
