"""The two texts of every migration make the same ledger (issue 19).

``ledger/migrations/sqlite`` and ``ledger/migrations/postgresql`` hold one text per
backend: the same numbers and names, and, applied, the same tables with the same
columns in the same order and the same indexes. The one difference on purpose:
PostgreSQL's ``ref_people`` has a ``rowid`` column standing for SQLite's own rowid, so
that a list's people are read in the order they were stored on both.
"""

from __future__ import annotations

import sqlite3

import pytest

from backends import connect_ledger, target
from zjk_charity.ledger.db import migrations, tables_by_migration

EXTRA_POSTGRES_COLUMNS = {("ref_people", "rowid")}


def _sqlite_schema() -> tuple[dict[str, list[str]], set[str]]:
    conn = sqlite3.connect(":memory:")
    for _number, _name, sql in migrations("sqlite"):
        conn.executescript(sql)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    indexes = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        if not r[0].startswith("sqlite_autoindex")
    }
    conn.close()
    return columns, indexes


def test_both_backends_have_the_same_migrations_by_number_and_name() -> None:
    sqlite = [(n, name) for n, name, _ in migrations("sqlite")]
    postgres = [(n, name) for n, name, _ in migrations("postgresql")]
    assert sqlite == postgres
    assert [n for n, _ in sqlite] == list(range(1, len(sqlite) + 1))


def test_the_tables_each_migration_creates_are_read_from_its_sql() -> None:
    columns, _ = _sqlite_schema()
    made = set().union(*tables_by_migration().values())
    assert made == set(columns)
    assert {"runs", "applicants", "payment_instructions", "wish_deliveries"} <= made


@pytest.mark.postgresql
def test_postgresql_makes_the_same_tables_columns_and_indexes(tmp_path) -> None:
    from zjk_charity.ledger.postgres import PostgresLedger

    url = target(tmp_path)
    assert isinstance(url, str)
    with PostgresLedger(url).run("test", {}):
        pass
    sqlite_columns, sqlite_indexes = _sqlite_schema()
    conn = connect_ledger(tmp_path)
    try:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ).fetchall()
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'"
            )
        }
    finally:
        conn.close()
    postgres_columns: dict[str, list[str]] = {}
    for table, column in rows:
        if (table, column) not in EXTRA_POSTGRES_COLUMNS and table != "schema_migrations":
            postgres_columns.setdefault(table, []).append(column)
    assert postgres_columns == sqlite_columns
    assert indexes == sqlite_indexes
