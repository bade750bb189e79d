"""``purge_store``: which rows of which table a purge deletes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ledger_at
from zjk_charity import purge_store
from zjk_charity.ledger import Ledger

# Tables a purge leaves alone on purpose: the run records are the audit trail (commands,
# file names and hashes, no personal data), the migrations are the schema's own record.
KEPT = {"runs", "schema_migrations"}
# The reference lists' rows, deleted by ``integrity.lists_store.delete_lists`` (--lists).
LISTS = {"ref_lists", "ref_people"}
# The ledger's tables, in each backend's own catalogue.
TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
}


def _tables(ledger: Ledger) -> set[str]:
    with ledger.read() as conn:
        assert conn is not None
        return {str(r[0]) for r in conn.execute(TABLES[ledger.dialect])}


def test_every_table_of_the_ledger_is_purged_or_kept_on_purpose(tmp_path: Path) -> None:
    """A migration that adds a table must decide whether ``purge`` deletes its rows."""
    ledger = ledger_at(tmp_path)
    with ledger.run("test", {}):
        pass
    parts = (*purge_store.CAMPAIGN_PARTS, purge_store.HISTORY_PART, *purge_store.WISH_PARTS)
    purged = {part.table for part in parts}
    assert _tables(ledger) == purged | LISTS | KEPT
    assert not purged & (LISTS | KEPT)


def test_keys_name_each_part_once_and_children_go_before_parents() -> None:
    parts = (*purge_store.CAMPAIGN_PARTS, purge_store.HISTORY_PART, *purge_store.WISH_PARTS)
    keys = [part.key for part in parts]
    assert len(keys) == len(set(keys))
    for group in (purge_store.CAMPAIGN_PARTS, purge_store.WISH_PARTS):
        tables = [part.table for part in group]
        assert tables.index("payment_results") < tables.index("payment_instructions")
        assert tables.index("payment_instructions") < tables.index("payment_batches")
    campaign = [part.table for part in purge_store.CAMPAIGN_PARTS]
    assert campaign.index("allocation_people") < campaign.index("allocations")
    wishes = [part.table for part in purge_store.WISH_PARTS]
    assert wishes.index("wish_matches") < min(wishes.index("wishes"), wishes.index("donations"))


def test_counts_are_what_delete_removes_and_a_year_part_needs_a_year(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path)
    with ledger.run("test", {}) as run:
        for year, n in ((2024, 2), (2025, 3)):
            run.conn.executemany(
                "INSERT INTO history (year, id_number, name, county, source, run_id) "
                "VALUES (?, ?, '测试', '张北县', 'test', ?)",
                [(year, f"{year}-{i}", run.id) for i in range(n)],
            )
        history = [purge_store.HISTORY_PART]
        with pytest.raises(ValueError):
            purge_store.count_rows(run.conn, history)
        assert purge_store.count_rows(run.conn, history, 2025) == {"history": 3}
        assert purge_store.delete_rows(run.conn, history, 2025) == {"history": 3}
        assert purge_store.count_rows(run.conn, history, 2025) == {"history": 0}
        assert purge_store.count_rows(run.conn, history, 2024) == {"history": 2}
