"""Connection, numbered migrations, one transaction and one run record per command.

A command opens the ledger with :meth:`Ledger.run`, which begins an IMMEDIATE
transaction (so two processes never interleave writes), records the run, and commits
only when the command's work finished; any exception rolls everything back, run record
included, so a failed command leaves the ledger exactly as it was.

:class:`Ledger` is the embedded SQLite ledger (one file in the workspace), the default.
:class:`zjk_charity.ledger.postgres.PostgresLedger` is the same ledger on a PostgreSQL
server shared by several offices; it overrides only connecting, locking and migrating.
Stores see either through :class:`Connection` (the part of DB-API both provide) and write
SQL both dialects understand, with ``?`` placeholders (``ON CONFLICT DO NOTHING``,
``CASE`` rather than a boolean as a number, :func:`insert_id` for a new row's id).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from zjk_charity.errors import UserError


class Cursor(Protocol):
    """The part of a DB-API cursor the stores use (``sqlite3.Cursor``, or PostgreSQL's)."""

    row_factory: Any  # None: plain tuples (faster on 100,000 rows); default: rows by name

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Cursor: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Row(Protocol):
    """A row by index or by column name (``sqlite3.Row``, or PostgreSQL's ``PgRow``)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Connection(Protocol):
    """A ledger connection as the stores see it: ``?`` placeholders, rows by name or index."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Cursor: ...

    def cursor(self) -> Cursor: ...

    def close(self) -> None: ...


BUSY_TIMEOUT_MS = 30_000
MAX_BUSY_TIMEOUT_MS = 2**31 - 1  # SQLite reads a larger busy_timeout as 0
# SQLite's page cache per connection (its default is 2 MiB). A campaign of 100,000 rows
# is a transaction of ~60 MB; with the default cache, index pages are spilled to the WAL
# and written again many times (storing 100,000 applicants: 1.3 s instead of 1.8 s).
# 64 MiB would add ~25 MB to validate's peak memory, close to its 400 MB budget (issue 6).
CACHE_KIB = 32768


def busy_timeout_ms() -> int:
    """How long a command waits for another one holding the ledger (default 30 s).

    ``ZJK_CHARITY_BUSY_TIMEOUT`` (seconds) changes it, e.g. for a shared workspace
    where a long import may run while someone else starts a command. Unset or empty
    means the default; anything that is not a finite number of seconds, 0 or more
    (text, ``inf``, ``nan``, ``1e400``, ``-1``) is a UserError naming the variable
    rather than a silent default: a typo must not change how long a command waits.
    A value beyond SQLite's limit (2**31 - 1 ms, about 24 days) waits that long:
    SQLite would read a larger one as 0, i.e. not wait at all.
    """
    value = os.environ.get("ZJK_CHARITY_BUSY_TIMEOUT", "").strip()
    if not value:
        return BUSY_TIMEOUT_MS
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise UserError(
            f"环境变量 ZJK_CHARITY_BUSY_TIMEOUT 的值 “{shown}” 不对：应为等待的秒数（0 或正数），"
            "如 30；请改正或删除该变量",
            f"ZJK_CHARITY_BUSY_TIMEOUT '{shown}' is not a number of seconds (0 or more), "
            "e.g. 30; fix or unset it",
        )
    return int(min(seconds * 1000, MAX_BUSY_TIMEOUT_MS))


# "database is locked" / "database table is locked": another connection holds the file.
_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}

# Bound values per INSERT in insert_rows: SQLite's limit before 3.32 (32,766 since).
VALUES_PER_INSERT = 999


def insert_rows(conn: Connection, table: str, width: int, rows: Sequence[Sequence[object]]) -> None:
    """INSERT ``rows`` (each ``width`` values) into ``table``, many rows per statement.

    The same rows as ``executemany`` with one ``VALUES (?, ...)``, in the same order, but
    with one statement step per batch of rows (as many as ``VALUES_PER_INSERT`` allows)
    instead of one per row: the 100,000 outcome rows of ``aid allocate`` (11 values each)
    go in 0.17-0.21 s instead of 0.24-0.29 s. On PostgreSQL the rows go by COPY, its bulk
    path. ``table`` is code, never user text.
    """
    copy_rows = getattr(conn, "copy_rows", None)
    if copy_rows is not None:
        copy_rows(table, rows)
        return
    per = max(1, VALUES_PER_INSERT // width)
    one = "(" + ", ".join("?" * width) + ")"
    full = len(rows) - len(rows) % per
    if full:
        batch = f"INSERT INTO {table} VALUES " + ", ".join([one] * per)
        cursor = conn.cursor()
        for start in range(0, full, per):
            cursor.execute(batch, list(chain.from_iterable(rows[start : start + per])))
    if full < len(rows):
        conn.executemany(f"INSERT INTO {table} VALUES {one}", rows[full:])


def insert_id(conn: Connection, sql: str, parameters: Sequence[object]) -> int:
    """Run ``sql``, an INSERT of one row into a table with an ``id`` key; its new id.

    SQLite's ``lastrowid``, PostgreSQL's ``RETURNING id``: SQLite has RETURNING only since
    3.35 (2021), newer than the SQLite some Linux distributions' Python is built with
    (RHEL 9: 3.34), and the SQLite ledger must keep working there.
    """
    if isinstance(conn, sqlite3.Connection):
        return int(conn.execute(sql, parameters).lastrowid or 0)
    return int(conn.execute(sql + " RETURNING id", parameters).fetchone()[0])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of each migration, in order, in ``dialect``'s text.

    ``migrations/sqlite`` and ``migrations/postgresql`` hold one text per backend, with
    the same numbers, names, tables, columns and indexes (``tests/test_migrations.py``).
    """
    folder = resources.files("zjk_charity.ledger") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


_CREATE_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


@cache
def tables_by_migration() -> dict[int, frozenset[str]]:
    """The tables each migration creates, read from its SQL."""
    return {number: frozenset(_CREATE_TABLE.findall(sql)) for number, _name, sql in migrations()}


# The time a ledger stamps on its run records (and so on every history row, payment and
# change, which carry their run): a parameter, so tests and a replayed story can fix it.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in the computer's time zone."""
    return datetime.now().astimezone()


def _nothing() -> None:
    return None


@dataclass
class Run:
    """The run record of the command in progress.

    ``begin_writes`` is for a command that the ledger let start beside others (``aid
    validate``: ``Ledger.run(parallel=True)``): it is called before the command's first
    write, and waits until no other command is writing. On SQLite every command writes
    alone from its start, and it does nothing.
    """

    id: int
    conn: Connection
    outcome: str = "ok"
    result: dict[str, Any] | None = None
    begin_writes: Callable[[], None] = _nothing


class Ledger:
    """The workspace's ``zjk-charity.db``; created (mode 0600) on first write.

    ``on_wait`` is called once when another command holds the ledger and this one starts
    waiting for it, with the seconds it will wait: the CLI passes one that prints a line
    on stderr (``cli.common.say_waiting``); a library caller gets silence by default.
    """

    dialect = "sqlite"

    def __init__(
        self,
        path: Path,
        on_wait: Callable[[float], None] | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.path = path
        self.on_wait = on_wait
        self.clock = clock

    @property
    def where(self) -> str:
        """Where the ledger is, as messages name it (never with a password)."""
        return str(self.path)

    def _now(self) -> str:
        """The clock's time as run records keep it (ISO, seconds, with the zone)."""
        return self.clock().astimezone().isoformat(timespec="seconds")

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def _is_new(self) -> bool:
        """Whether a failed command must remove the ledger it is about to create."""
        return not self.path.exists()

    def _connect(self) -> Connection:
        """A connection to a ledger of ours (or an empty file), in WAL mode.

        The file is checked to be a zjk-charity ledger (:meth:`_check_ours`) *before*
        the switch to WAL mode, which rewrites the header: refusing someone else's
        SQLite file leaves its bytes as they were.
        """
        fresh = not self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if fresh:
                # Personal data: readable by the owner only, from the first byte.
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
        except OSError as exc:
            raise UserError(
                f"无法在 {self.path.parent} 建立台账（{exc.strerror or exc}）；"
                "请换一个可写的工作目录（-w）",
                f"cannot create the ledger in {self.path.parent} ({exc.strerror or exc}); "
                "use a writable workspace (-w)",
            ) from None
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,  # aid allocate's snapshot copy: one thread at a time
            )
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None
        try:
            self._set_up(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._unusable(exc) from None
        except BaseException:
            conn.close()
            raise
        conn.row_factory = sqlite3.Row
        return conn

    def _set_up(self, conn: sqlite3.Connection) -> None:
        """Check the file is ours, switch it to WAL and set the pragmas.

        While another process is creating the same new ledger (its first command), the
        switch to WAL can be refused with "database is locked" at once, without SQLite's
        busy handler waiting (seen with two ``aid validate`` started together on a busy
        machine): that is retried, with short pauses, for as long as the connection's own
        busy handler waits (``BUSY_TIMEOUT_MS``), before it is an error.
        """
        deadline: float | None = None  # set at the first refusal: most opens meet none
        pause = 0.02
        while True:
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                self._check_ours(conn)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                return
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) not in _BUSY_CODES:
                    raise
                if deadline is None:
                    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _unusable(self, exc: Exception) -> UserError:
        return UserError(
            f"{self.where} 不是可用的台账数据库（{exc}）；请检查工作目录，或从备份恢复",
            f"{self.where} is not a usable ledger ({exc}); check the workspace or restore it",
        )

    def _not_ours(self, detail_zh: str, detail_en: str, untouched: bool = True) -> UserError:
        """The message for a file that is not a zjk-charity ledger (``untouched``: its
        bytes were not changed, which is so whenever :meth:`_check_ours` refused it)."""
        return UserError(
            f"{self.where} 不是 zjk-charity 的台账，或已损坏（{detail_zh}）；"
            + ("未做任何修改。" if untouched else "")
            + self.way_out[0],
            f"{self.where} is not a zjk-charity ledger, or is damaged ({detail_en}); "
            + ("nothing was changed. " if untouched else "")
            + self.way_out[1],
        )

    # What to do about a database that is not a ledger of ours (zh, en).
    way_out = (
        "请换一个工作目录（-w），或把这个文件移走后重试",
        "use another workspace (-w) or move the file aside",
    )

    def _tables(self, conn: Connection) -> set[str]:
        """The names of the ledger's tables (the backend's own catalogue)."""
        return {
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        }

    def _check_ours(self, conn: Connection) -> None:
        """Refuse a database that is not a zjk-charity ledger, before writing to it.

        Accepted: a file without tables (new; the migrations create them), or one whose
        ``schema_migrations`` lists migrations whose tables all exist while no later
        migration's table does. Refused (UserError naming the file): tables but no
        ``schema_migrations`` (another program's database), a recorded migration whose
        table is missing, or a table of a migration not yet recorded (it would fail
        with "table already exists"). Migrations recorded that this version does not
        know (a newer zjk-charity) are not judged here.
        """
        tables = self._tables(conn)
        if not tables:
            return
        if "schema_migrations" not in tables:
            raise self._not_ours(
                "其中的表不是本工具建立的", "its tables were not made by this tool"
            )
        done = self._done(conn)
        expected = tables_by_migration()
        missing = set().union(*(t for n, t in expected.items() if n in done)) - tables
        early = set().union(*(t for n, t in expected.items() if n not in done)) & tables
        if missing:
            names = "、".join(sorted(missing))
            raise self._not_ours(f"缺少表 {names}", f"missing tables: {', '.join(sorted(missing))}")
        if early:
            names = "、".join(sorted(early))
            raise self._not_ours(
                f"已有未记录的表 {names}", f"unrecorded tables: {', '.join(sorted(early))}"
            )

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        """The driver's errors that mean the SQL met a table it did not expect."""
        return (sqlite3.OperationalError,)

    def _done(self, conn: Connection) -> set[int]:
        """The migrations ``schema_migrations`` records (its table exists)."""
        try:
            return {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
        except self._driver_errors():
            raise self._not_ours(
                "schema_migrations 表的结构不对", "its schema_migrations table is not ours"
            ) from None

    def _migrate(self, conn: Connection) -> None:
        """Apply the migrations not yet recorded, inside the caller's transaction.

        :meth:`_check_ours` has refused a foreign file already; should a migration still
        meet a schema it does not expect (an index or view of the same name), the SQL
        error becomes the same "not a zjk-charity ledger" UserError, and the caller's
        rollback leaves the file as it was. Busy, locked, read-only or I/O errors are
        not about the schema and propagate unchanged.
        """
        try:
            self._apply_migrations(conn)
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_ERROR:
                raise
            # Rolled back by the caller, but WAL mode was switched on already.
            raise self._not_ours(str(exc), str(exc), untouched=False) from None

    def _apply_migrations(self, conn: Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in conn.execute("SELECT number FROM schema_migrations")}
        for number, name, sql in migrations(self.dialect):
            if number in done:
                continue
            for statement in sql.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, self._now())
            )

    def vacuum(self) -> None:
        """Rewrite the file so deleted rows are gone from disk, and fold the WAL in."""
        conn = self._connect()
        try:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def recorded_input_hashes(self) -> set[str]:
        """The SHA-256 of every input file a recorded run read (applications, history
        lists, quotas, wishes, donations): an output must never replace one of them."""
        hashes: set[str] = set()
        with self.read() as conn:
            if conn is None:
                return hashes
            for (text,) in conn.execute("SELECT inputs FROM runs"):
                hashes.update(item["sha256"] for item in json.loads(text or "[]"))
        return hashes

    @contextmanager
    def read(self) -> Iterator[Connection | None]:
        """A read-only view; None when no ledger exists yet (nothing is created)."""
        conn = self._connect_existing()
        if conn is None:
            yield None
            return
        try:
            self._begin_read(conn)
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _connect_existing(self) -> Connection | None:
        """A connection to the ledger, or None when there is none yet (none is made)."""
        return self._connect() if self.path.exists() else None

    def _begin_read(self, conn: Connection) -> None:
        conn.execute("BEGIN")
        self._migrate(conn)

    def _begin(self, conn: Connection, parallel: bool) -> Callable[[], None]:
        """BEGIN IMMEDIATE; when another command holds the ledger, say so and wait.

        Returns the run's ``begin_writes``: nothing to do, as SQLite lets one command
        write at a time from its start (``parallel`` makes no difference here).
        """
        timeout = busy_timeout_ms()
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            return _nothing
        except sqlite3.OperationalError:
            if self.on_wait is not None:
                self.on_wait(timeout / 1000)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {timeout}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self.busy(timeout, exc) from None
        return _nothing

    def busy(self, timeout_ms: int, exc: Exception) -> UserError:
        """The message when another command held the ledger for the whole wait."""
        return UserError(
            f"台账 {self.where} 正被其他命令占用，等待 {timeout_ms // 1000} 秒后仍未释放；"
            "请等其完成后重试",
            f"the ledger {self.where} is busy with another command ({exc}); retry later",
        )

    @contextmanager
    def run(
        self,
        command: str,
        arguments: dict[str, Any],
        inputs: list[Path] | None = None,
        *,
        parallel: bool = False,
    ) -> Iterator[Run]:
        """One command's transaction and run record; rolled back whole on any exception.

        A ledger this command created is removed again when the command fails, so a
        failed first command leaves the workspace as it found it. ``parallel``: the
        command may read beside other parallel commands until it calls
        ``run.begin_writes()`` (on PostgreSQL; see :class:`Run`).
        """
        fresh = self._is_new()
        conn = self._connect()
        try:
            writes = self._begin(conn, parallel)
            self._migrate(conn)
            listed = [
                {"path": str(p), "sha256": file_sha256(p)} for p in (inputs or []) if p.is_file()
            ]
            run_id = insert_id(
                conn,
                "INSERT INTO runs (command, arguments, inputs, started_at) VALUES (?, ?, ?, ?)",
                (
                    command,
                    json.dumps(arguments, ensure_ascii=False, default=str),
                    json.dumps(listed, ensure_ascii=False),
                    self._now(),
                ),
            )
            run = Run(id=int(run_id), conn=conn, begin_writes=writes)
            yield run
            conn.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, result = ? WHERE id = ?",
                (
                    self._now(),
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
                self._discard()
            raise
        finally:
            conn.close()

    def _discard(self) -> None:
        """Remove the ledger a failed first command created."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def open_ledger(
    target: Path | str, on_wait: Callable[[float], None] | None = None, clock: Clock = system_clock
) -> Ledger:
    """The ledger at ``target``: a ``postgresql://`` URL (a shared server), else a file."""
    if isinstance(target, str) and is_server_url(target):
        from zjk_charity.ledger.postgres import PostgresLedger

        return PostgresLedger(target, on_wait, clock)
    return Ledger(Path(target), on_wait, clock)


def is_server_url(text: str) -> bool:
    """Whether a ledger setting names a PostgreSQL server rather than a file."""
    return text.startswith(("postgresql://", "postgres://"))
