"""The ``aid_changes`` table (migration 0006): every query on it lives here.

An allocation's own rows (``allocation_people``) are never rewritten; what happened to
the list afterwards is one row per (person, kind): ``withdrawn`` (with the reason, the
note, who and when, and who took the place) and ``backfilled`` (whose place was taken,
and the 补充公示 that posted them). Callers pass their command's connection
(``Ledger.run``), so a change is written in the command's one transaction or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from zjk_charity.ledger.db import Connection, insert_id

ChangeKind = Literal["withdrawn", "backfilled"]


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change of an allocation's funded list."""

    seq: int  # the person: allocation_people.seq
    kind: ChangeKind
    reason: str | None  # withdrawn: 去世 | 放弃 | 复审未通过 | 无法联系 | 其他
    note: str
    related_seq: int | None  # withdrawn: who took the place; backfilled: whose place
    operator: str
    at: str  # local time, ISO 8601 with offset
    run_id: int
    notice_run_id: int | None = None  # backfilled: the 补充公示 run that posted them
    notice_from: date | None = None  # first day of that 补充公示's period
    notice_days: int | None = None
    id: int = 0


def changes(conn: Connection, allocation_id: int) -> list[Change]:
    """The allocation's changes in the order they were made."""
    return [
        Change(
            seq=r[0],
            kind=cast(ChangeKind, r[1]),
            reason=r[2],
            note=r[3] or "",
            related_seq=r[4],
            operator=r[5],
            at=r[6],
            run_id=r[7],
            notice_run_id=r[8],
            notice_from=date.fromisoformat(r[9]) if r[9] else None,
            notice_days=r[10],
            id=r[11],
        )
        for r in conn.execute(
            "SELECT seq, kind, reason, note, related_seq, operator, at, run_id, notice_run_id, "
            "notice_from, notice_days, id FROM aid_changes WHERE allocation_id = ? ORDER BY id",
            (allocation_id,),
        )
    ]


def withdrawn_ids(conn: Connection, allocation_id: int) -> dict[str, str]:
    """ID number -> withdrawal reason of everyone withdrawn from the allocation."""
    return {
        r[0]: r[1] or ""
        for r in conn.execute(
            "SELECT p.id_number, c.reason FROM aid_changes c JOIN allocation_people p "
            "ON p.allocation_id = c.allocation_id AND p.seq = c.seq "
            "WHERE c.allocation_id = ? AND c.kind = 'withdrawn' AND p.id_number IS NOT NULL",
            (allocation_id,),
        )
    }


def has_changes(conn: Connection, allocation_id: int) -> bool:
    found = conn.execute(
        "SELECT 1 FROM aid_changes WHERE allocation_id = ? LIMIT 1", (allocation_id,)
    ).fetchone()
    return found is not None


def record(conn: Connection, allocation_id: int, change: Change) -> int:
    """Store one change; returns its id."""
    inserted = insert_id(
        conn,
        "INSERT INTO aid_changes (allocation_id, seq, kind, reason, note, related_seq, "
        "operator, at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            allocation_id,
            change.seq,
            change.kind,
            change.reason,
            change.note or None,
            change.related_seq,
            change.operator,
            change.at,
            change.run_id,
        ),
    )
    return inserted


def supplement_rounds(conn: Connection, allocation_id: int) -> int:
    """How many 补充公示 have posted people of this allocation so far."""
    found = conn.execute(
        "SELECT count(DISTINCT notice_run_id) FROM aid_changes WHERE allocation_id = ?",
        (allocation_id,),
    ).fetchone()
    return int(found[0]) if found else 0


def mark_posted(
    conn: Connection,
    allocation_id: int,
    seqs: Iterable[int],
    run_id: int,
    start: date,
    days: int,
) -> None:
    """The backfilled people ``seqs`` were posted by the 补充公示 of ``run_id``."""
    conn.executemany(
        "UPDATE aid_changes SET notice_run_id = ?, notice_from = ?, notice_days = ? "
        "WHERE allocation_id = ? AND seq = ? AND kind = 'backfilled'",
        [(run_id, start.isoformat(), days, allocation_id, seq) for seq in seqs],
    )
