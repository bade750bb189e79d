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
Afterwards the ledger is VACUUMed so the deleted rows are gone from the file itself,
not just unlinked. Output files under ``out/`` are the user's to delete; the result
lists those that look like they belong to the year: besides the lists, the bank batch
files and their 批次汇总 (``P2025-001-basic.csv``), the cash 领取表 (``领取表-C2025-001``),
the 失败名单 and the 补充公示 all carry the year (or a batch code holding it) in their
names, and hold names, IDs or accounts like the 申请审批表 do.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError
from zjk_charity.integrity import lists_store
from zjk_charity.ledger import Ledger

# (key, table, condition): the rows of one table that go. A key names the rows in the
# result (wishes' payments live in the same tables as the campaign's).
_Part = tuple[str, str, str]


def _payments(purpose: str, where: str) -> tuple[_Part, ...]:
    """A purpose's payments (``where`` narrows its instructions), children first."""
    prefix = "" if purpose == "aid" else f"{purpose}_"
    mine = f"purpose = '{purpose}'{where}"
    return (
        (
            f"{prefix}payment_results",
            "payment_results",
            f"instruction_id IN (SELECT id FROM payment_instructions WHERE {mine})",
        ),
        (f"{prefix}payment_instructions", "payment_instructions", mine),
        (f"{prefix}payment_batches", "payment_batches", mine),
        (f"{prefix}payee_accounts", "payee_accounts", mine),
    )


_OF_YEAR = "allocation_id IN (SELECT id FROM allocations WHERE year = ?)"
# The campaign of one year (every condition takes the year), children before parents.
_TABLES: tuple[_Part, ...] = (
    *_payments("aid", " AND year = ?"),
    ("aid_changes", "aid_changes", _OF_YEAR),
    ("allocation_people", "allocation_people", _OF_YEAR),
    ("allocations", "allocations", "year = ?"),
    ("warning_reviews", "warning_reviews", "year = ?"),
    ("aid_findings", "aid_findings", "year = ?"),
    ("applicants", "applicants", "year = ?"),
    ("aid_files", "aid_files", "year = ?"),
)

# 微心愿 has no campaign year (the platform runs all year): --wishes deletes all of it,
# its payments (收款账号) included.
_WISHES: tuple[_Part, ...] = (
    *_payments("wishes", ""),
    ("wish_deliveries", "wish_deliveries", "1"),
    ("donation_settlements", "donation_settlements", "1"),
    ("wish_matches", "wish_matches", "1"),
    ("donations", "donations", "1"),
    ("wishes", "wishes", "1"),
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


def _count(conn: sqlite3.Connection, table: str, where: str, args: tuple[int, ...]) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", args).fetchone()[0])


def count_campaign(
    ledger: Ledger, year: int | None, history: bool, wishes: bool = False, lists: bool = False
) -> dict[str, int]:
    """What ``purge`` would delete, per table."""
    found: dict[str, int] = {}
    with ledger.read() as conn:
        if conn is None:
            return found
        if year is not None:
            for key, table, where in _TABLES:
                found[key] = _count(conn, table, where, (year,) * where.count("?"))
            if history:
                found["history"] = _count(conn, "history", "year = ?", (year,))
        if wishes:
            for key, table, where in _WISHES:
                found[key] = _count(conn, table, where, ())
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
            for key, table, where in _TABLES:
                cursor = run.conn.execute(
                    f"DELETE FROM {table} WHERE {where}", (year,) * where.count("?")
                )
                result.rows[key] = cursor.rowcount
        if wishes:
            for key, table, where in _WISHES:
                result.rows[key] = run.conn.execute(f"DELETE FROM {table} WHERE {where}").rowcount
        if history and year is not None:
            cursor = run.conn.execute("DELETE FROM history WHERE year = ?", (year,))
            result.rows["history"] = cursor.rowcount
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
