"""Workspaces built once per module (a signed report, a whole campaign), on both ledgers.

A module-scoped fixture runs before the first test's ``_ledger_backend`` (higher scopes
first), and ``backends.each_test`` drops every schema a test touched when the test ends.
So in a PostgreSQL run a workspace built once for a module would be built on SQLite and
read on an empty schema, or lose its schema after the first test. This keeps it:

- build the workspace inside ``with building():`` (its ledgers go to their schemas, as
  in a test, and those schemas are kept until the module ends);
- import ``kept_ledgers`` and ``drop_kept_ledgers`` into the test module (autouse): each
  test sees the kept schemas under their folders, and they are dropped after the module.

On SQLite all of it does nothing: the workspace's file stays in its folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import backends
import zjk_charity.ledger as ledger_package
from zjk_charity.ledger import db as ledger_db

_kept: dict[Path, str] = {}


@contextmanager
def building() -> Iterator[None]:
    """Around the building of a module's workspace: its ledgers on this run's backend."""
    if not backends.postgres():
        yield
        return
    before = set(backends._schemas)
    backends._schemas.update(_kept)  # a fixture building on another module fixture's ledger
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger_package, "open_ledger", backends._open_mapped)
        patch.setattr(ledger_db, "open_ledger", backends._open_mapped)
        try:
            yield
        finally:
            for folder in set(backends._schemas) - before:
                _kept[folder] = backends._schemas.pop(folder)


@pytest.fixture(autouse=True)
def kept_ledgers(_ledger_backend: None) -> Iterator[None]:
    """Each test of the module finds the kept workspaces' ledgers (after the backend's
    set-up, and handed back before its teardown drops the test's own schemas)."""
    backends._schemas.update(_kept)
    yield
    for folder in _kept:
        backends._schemas.pop(folder, None)


@pytest.fixture(autouse=True, scope="module")
def drop_kept_ledgers() -> Iterator[None]:
    """After the module: drop the schemas its workspaces kept."""
    yield
    if not _kept:
        return
    conn = backends._admin()
    try:
        for name in _kept.values():
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    finally:
        conn.close()
        _kept.clear()


def copy_workspace(
    source: Path, target: Path, names: tuple[str, ...] = ("zjk-charity.toml",)
) -> None:
    """A copy of workspace ``source`` at ``target``: the files ``names`` and its ledger
    (the SQLite file, or on PostgreSQL every table of its schema into ``target``'s)."""
    target.mkdir()
    for name in names:
        (target / name).write_bytes((source / name).read_bytes())
    if not backends.postgres():
        db = backends.LEDGER_FILE
        (target / db).write_bytes((source / db).read_bytes())
        return
    _copy_schema(_schema_of(source), _schema_of(target))


def _schema_of(ws: Path) -> str:
    backends.target(ws)  # made when it is first named
    return backends._schemas[ws.resolve()]


def _copy_schema(source: str, target: str) -> None:
    """Every table of schema ``source`` into ``target``, rows and all, with its identity
    columns continuing after the copied rows (no foreign keys: a copy to read and add to)."""
    conn = backends._admin()
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename",
                (source,),
            )
        ]
        for table in tables:
            conn.execute(f"CREATE TABLE {target}.{table} (LIKE {source}.{table} INCLUDING ALL)")
            conn.execute(f"INSERT INTO {target}.{table} SELECT * FROM {source}.{table}")
        identities = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND is_identity = 'YES'",
            (target,),
        ).fetchall()
        for table, column in identities:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{target}.{table}', '{column}'), "
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {target}.{table}), false)"
            )
    finally:
        conn.close()
