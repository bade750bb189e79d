"""``zjk-charity purge --year Y [--wishes]``: delete personal data from the ledger.

Removes the year's applications and their findings, the validated-file records and
every allocation snapshot. The history registry is kept unless ``--history`` is given,
because it is what stops people being aided twice in later years (DOMAIN.md); the run
records stay as the audit trail (commands, file names and hashes, no personal data).
Afterwards the ledger is VACUUMed so the deleted rows are gone from the file itself,
not just unlinked. Output files under ``out/`` are the user's to delete; the result
lists those that look like they belong to the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger

# (table, condition) in deletion order: children before parents.
_TABLES = (
    ("allocation_people", "allocation_id IN (SELECT id FROM allocations WHERE year = ?)"),
    ("allocations", "year = ?"),
    ("aid_findings", "year = ?"),
    ("applicants", "year = ?"),
    ("aid_files", "year = ?"),
)


@dataclass
class Purged:
    year: int
    rows: dict[str, int] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "deleted": self.rows,
            "outputs_left": [str(p) for p in self.outputs],
        }


# 微心愿 has no campaign year (the platform runs all year): --wishes deletes all of it.
_WISHES = ("wish_matches", "donations", "wishes")


def count_campaign(
    ledger: Ledger, year: int | None, history: bool, wishes: bool = False
) -> dict[str, int]:
    """What ``purge`` would delete, per table."""
    found: dict[str, int] = {}
    with ledger.read() as conn:
        if conn is None:
            return found
        if year is not None:
            for t, w in _TABLES:
                found[t] = int(
                    conn.execute(f"SELECT count(*) FROM {t} WHERE {w}", (year,)).fetchone()[0]
                )
            if history:
                found["history"] = int(
                    conn.execute("SELECT count(*) FROM history WHERE year = ?", (year,)).fetchone()[
                        0
                    ]
                )
        if wishes:
            for t in _WISHES:
                found[t] = int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
    return found


def purge(
    ledger: Ledger, year: int | None, history: bool, out_dir: Path, wishes: bool = False
) -> Purged:
    """Delete the year's (and/or all 微心愿) personal data in one transaction, then VACUUM."""
    if not ledger.exists:
        raise UserError("工作目录中没有台账，无需删除", "there is no ledger in this workspace")
    result = Purged(year or 0)
    with ledger.run("purge", {"year": year, "history": history, "wishes": wishes}) as run:
        if year is not None:
            for table, where in _TABLES:
                cursor = run.conn.execute(f"DELETE FROM {table} WHERE {where}", (year,))
                result.rows[table] = cursor.rowcount
        if wishes:
            for table in _WISHES:
                result.rows[table] = run.conn.execute(f"DELETE FROM {table}").rowcount
        if history and year is not None:
            cursor = run.conn.execute("DELETE FROM history WHERE year = ?", (year,))
            result.rows["history"] = cursor.rowcount
        run.result = dict(result.rows)
    ledger.vacuum()
    if out_dir.is_dir():
        # A file's marked-up copy (校验结果-张北县.xlsx) and the forms printed from it
        # (申请审批表-张北县.pdf) are named without the year: they hold full IDs and
        # accounts of whatever year wrote them last, so they are listed.
        named_by_file = ["校验结果-*.xlsx", "申请审批表-*.pdf"]
        by_year = [f"*{year}*", *named_by_file] if year is not None else []
        patterns = by_year + (["*微心愿*"] if wishes else [])
        result.outputs = sorted(
            {p for pattern in patterns for p in out_dir.rglob(pattern) if p.is_file()}
        )
    return result
