"""Connection, numbered migrations, one transaction and one run record per command.

A command opens the ledger with :meth:`Ledger.run`, which begins an IMMEDIATE
transaction (so two processes never interleave writes), records the run, and commits
only when the command's work finished; any exception rolls everything back, run record
included, so a failed command leaves the ledger exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError

BUSY_TIMEOUT_MS = 30_000
# SQLite's page cache per connection (its default is 2 MiB). A campaign of 100,000 rows
# is a transaction of ~60 MB; with the default cache, index pages are spilled to the WAL
# and written again many times (storing 100,000 applicants: 1.3 s instead of 1.8 s).
# 64 MiB would add ~25 MB to validate's peak memory, close to its 400 MB budget (issue 6).
CACHE_KIB = 32768


def busy_timeout_ms() -> int:
    """How long a command waits for another one holding the ledger (default 30 s).

    ``ZJK_CHARITY_BUSY_TIMEOUT`` (seconds) changes it, e.g. for a shared workspace
    where a long import may run while someone else starts a command.
    """
    value = os.environ.get("ZJK_CHARITY_BUSY_TIMEOUT", "")
    try:
        return max(0, int(float(value) * 1000)) if value else BUSY_TIMEOUT_MS
    except ValueError:
        return BUSY_TIMEOUT_MS


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("zjk_charity.ledger") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Run:
    """The run record of the command in progress."""

    id: int
    conn: sqlite3.Connection
    outcome: str = "ok"
    result: dict[str, Any] | None = None


class Ledger:
    """The workspace's ``zjk-charity.db``; created (mode 0600) on first write.

    ``on_wait`` is called once when another command holds the ledger and this one starts
    waiting for it; the CLI sets :attr:`default_on_wait` to print a line on stderr.
    """

    default_on_wait: Callable[[float], None] | None = None

    def __init__(self, path: Path, on_wait: Callable[[float], None] | None = None) -> None:
        self.path = path
        self.on_wait = on_wait or Ledger.default_on_wait

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            # Personal data: readable by the owner only, from the first byte.
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlite3.DatabaseError as exc:
            raise UserError(
                f"{self.path} 不是可用的台账数据库（{exc}）；请检查工作目录，或从备份恢复",
                f"{self.path} is not a usable ledger ({exc}); check the workspace or restore it",
            ) from None
        conn.row_factory = sqlite3.Row
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in conn.execute("SELECT number FROM schema_migrations")}
        for number, name, sql in _migrations():
            if number in done:
                continue
            for statement in sql.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, _now()))

    def vacuum(self) -> None:
        """Rewrite the file so deleted rows are gone from disk, and fold the WAL in."""
        conn = self._connect()
        try:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only view; None when no ledger exists yet (nothing is created)."""
        if not self.path.exists():
            yield None
            return
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            self._migrate(conn)
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE; when another command holds the ledger, say so and wait."""
        timeout = busy_timeout_ms()
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError:
            if self.on_wait is not None:
                self.on_wait(timeout / 1000)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {timeout}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise UserError(
                f"台账 {self.path} 正被其他命令占用，等待 {timeout // 1000} 秒后仍未释放；"
                "请等其完成后重试",
                f"the ledger {self.path} is busy with another command ({exc}); retry later",
            ) from None

    @contextmanager
    def run(
        self, command: str, arguments: dict[str, Any], inputs: list[Path] | None = None
    ) -> Iterator[Run]:
        """One command's transaction and run record; rolled back whole on any exception.

        A ledger this command created is removed again when the command fails, so a
        failed first command leaves the workspace as it found it.
        """
        fresh = not self.path.exists()
        conn = self._connect()
        try:
            self._begin(conn)
            self._migrate(conn)
            listed = [
                {"path": str(p), "sha256": file_sha256(p)} for p in (inputs or []) if p.is_file()
            ]
            cursor = conn.execute(
                "INSERT INTO runs (command, arguments, inputs, started_at) VALUES (?, ?, ?, ?)",
                (
                    command,
                    json.dumps(arguments, ensure_ascii=False, default=str),
                    json.dumps(listed, ensure_ascii=False),
                    _now(),
                ),
            )
            run = Run(id=int(cursor.lastrowid or 0), conn=conn)
            yield run
            conn.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, result = ? WHERE id = ?",
                (
                    _now(),
                    run.outcome,
                    json.dumps(run.result, ensure_ascii=False, default=str)
                    if run.result is not None
                    else None,
                    run.id,
                ),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
            if fresh:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            raise
        finally:
            conn.close()
