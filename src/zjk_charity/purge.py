"""``zjk-charity purge --year Y [--history] [--wishes] [--lists]``: delete personal data.

Removes the year's applications and their findings, the reviews of their warnings (aid
accept), the validated-file records, every allocation snapshot with its changes
(withdrawals, 递补), and the year's payments: batches, instructions (names, accounts), the
bank's result rows and corrected accounts. The history registry is kept unless
``--history`` is given, because it is what stops people being aided twice in later years
(DOMAIN.md); the run records stay as the audit trail (commands, file names and hashes,
no personal data).

The reference lists (``lists import``: rosters, care homes, deaths, relatives of staff)
belong to no campaign year: the lists in force screen next year's applications too, so
``--year`` keeps them. ``--lists`` deletes every list, its people and its record (given
alone or with ``--year``); the next campaign then loads fresh lists.
Afterwards the ledger is VACUUMed: on SQLite that rewrites the file, so the deleted rows
are gone from the file itself, not just unlinked; on a PostgreSQL server it frees their
space for reuse (the server's own log and backups are its administrators' to clear, and
the CLI says so). Output files under ``out/`` are the user's to delete; the result
lists those that look like they belong to the year: besides the lists, the bank batch
files and their 批次汇总 (``P2025-001-basic.csv``), the cash 领取表 (``领取表-C2025-001``),
the 失败名单 and the 补充公示 all carry the year (or a batch code holding it) in their
names, and hold names, IDs or accounts like the 申请审批表 do.

Which rows of which table go, and the SQL that counts and deletes them, is in
``purge_store``; this module decides what to purge, runs it as one ledger run and lists
the outputs left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity import purge_store
from zjk_charity.errors import UserError
from zjk_charity.integrity import lists_store
from zjk_charity.ledger import Ledger


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


def count_campaign(
    ledger: Ledger, year: int | None, history: bool, wishes: bool = False, lists: bool = False
) -> dict[str, int]:
    """What ``purge`` would delete, per table."""
    found: dict[str, int] = {}
    with ledger.read() as conn:
        if conn is None:
            return found
        if year is not None:
            found |= purge_store.count_rows(conn, purge_store.CAMPAIGN_PARTS, year)
            if history:
                found |= purge_store.count_rows(conn, [purge_store.HISTORY_PART], year)
        if wishes:
            found |= purge_store.count_rows(conn, purge_store.WISH_PARTS)
        if lists:
            found |= lists_store.count_lists(conn)
    return found


def purge(
    ledger: Ledger,
    year: int | None,
    history: bool,
    out_dir: Path,
    wishes: bool = False,
    lists: bool = False,
) -> Purged:
    """Delete the year's (and/or all 微心愿, and/or every reference list's) personal data
    in one transaction, then VACUUM."""
    if not ledger.exists:
        raise UserError("工作目录中没有台账，无需删除", "there is no ledger in this workspace")
    result = Purged(year or 0)
    arguments = {"year": year, "history": history, "wishes": wishes, "lists": lists}
    with ledger.run("purge", arguments) as run:
        if year is not None:
            result.rows |= purge_store.delete_rows(run.conn, purge_store.CAMPAIGN_PARTS, year)
        if wishes:
            result.rows |= purge_store.delete_rows(run.conn, purge_store.WISH_PARTS)
        if history and year is not None:
            result.rows |= purge_store.delete_rows(run.conn, [purge_store.HISTORY_PART], year)
        if lists:
            result.rows |= lists_store.delete_lists(run.conn)
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
