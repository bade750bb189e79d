"""The tests on both ledgers: SQLite (always) and PostgreSQL (when a server is given).

``pytest --postgresql URL`` (or ``ZJK_CHARITY_TEST_POSTGRESQL=URL``) runs the whole suite
against that server: each workspace a test uses gets a schema of its own, made when the
test first opens its ledger and dropped after the test. Tests reach the ledger through
the helpers here rather than through the SQLite file:

- :func:`ledger_at` for a ``Ledger`` (instead of ``Ledger(ws / "zjk-charity.db")``),
- :func:`connect_ledger` to read or tamper with its tables (instead of ``sqlite3.connect``),
- :func:`ledger_exists`, and :func:`env_for` for a command run in a subprocess.

A test about the SQLite file itself (its mode, WAL, a damaged file, a network folder) is
marked ``@pytest.mark.sqlite_only`` and skipped on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from zjk_charity.ledger import Ledger
from zjk_charity.ledger import db as ledger_db
from zjk_charity.ledger.db import tables_by_migration

LEDGER_FILE = "zjk-charity.db"

_server: str | None = None
_schemas: dict[Path, str] = {}
_counter = itertools.count()
_real_open = ledger_db.open_ledger


def configure(url: str | None) -> None:
    global _server
    _server = url or None


def postgres() -> bool:
    """Whether this run's ledgers are on PostgreSQL."""
    return _server is not None


def _admin() -> Any:
    from zjk_charity.ledger.postgres import connect

    assert _server is not None
    return connect(_server)


def schema_url(schema: str) -> str:
    assert _server is not None
    joiner = "&" if "?" in _server else "?"
    return f"{_server}{joiner}options=-csearch_path%3D{schema}"


def _db_file(path: Path) -> Path:
    """The ledger file a test names: the workspace folder, or the file itself."""
    return path if path.suffix == ".db" else path / LEDGER_FILE


def target(path: Path) -> Path | str:
    """Where the ledger of workspace (or ledger file) ``path`` is in this run."""
    file = _db_file(path)
    if _server is None:
        return file
    folder = file.parent.resolve()
    if folder not in _schemas:
        name = f"t{os.getpid()}_{next(_counter)}"
        conn = _admin()
        try:
            conn.execute(f"CREATE SCHEMA {name}")
        finally:
            conn.close()
        _schemas[folder] = name
    return schema_url(_schemas[folder])


def ledger_at(path: Path, **kwargs: Any) -> Ledger:
    """The ledger of workspace (or ledger file) ``path``, on this run's backend."""
    return _real_open(target(path), **kwargs)


def connect_ledger(path: Path) -> Any:
    """A connection to the ledger's tables (``?`` placeholders on both backends; on
    PostgreSQL every statement commits at once)."""
    where = target(path)
    if isinstance(where, Path):
        return sqlite3.connect(where)
    from zjk_charity.ledger.postgres import connect

    return connect(where)


def ledger_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the ledger at ``path`` (its migrations' tables and
    schema_migrations), each table's rows sorted by their text: an order that does not
    depend on where the backend keeps a row (PostgreSQL moves an updated one). For
    "nothing changed" and "nothing left" checks on both backends."""
    names = sorted({"schema_migrations"}.union(*tables_by_migration().values()))
    with closing(connect_ledger(path)) as conn:
        return {
            n: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM {n}")), key=repr)
            for n in names
        }


def ledger_exists(path: Path) -> bool:
    return ledger_at(path).exists


def env_for(path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a command run in a subprocess on workspace ``path``."""
    result = dict(os.environ if env is None else env)
    if _server is not None:
        where = target(path)
        assert isinstance(where, str)
        result["ZJK_CHARITY_LEDGER"] = where
    return result


def _open_mapped(target_: Path | str, *args: Any, **kwargs: Any) -> Ledger:
    """``open_ledger`` in a PostgreSQL run: a workspace's SQLite file becomes its schema."""
    if isinstance(target_, Path):
        target_ = target(target_)
    return _real_open(target_, *args, **kwargs)


def each_test(patch: Callable[[object, str, object], None]) -> Iterator[None]:
    """Around every test: in a PostgreSQL run, workspaces' ledgers go to their schemas,
    which are dropped afterwards."""
    if _server is None:
        yield
        return
    import zjk_charity.ledger as package

    patch(package, "open_ledger", _open_mapped)
    patch(ledger_db, "open_ledger", _open_mapped)
    try:
        yield
    finally:
        names = list(_schemas.values())
        _schemas.clear()
        if names:
            conn = _admin()
            try:
                for name in names:
                    conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            finally:
                conn.close()
