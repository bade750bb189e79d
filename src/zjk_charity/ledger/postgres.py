"""The ledger on a PostgreSQL server, shared by several offices (issue 19).

``ledger = "postgresql://user@host/db"`` in ``zjk-charity.toml`` (or the environment
variable ``ZJK_CHARITY_LEDGER``) puts a workspace's ledger here instead of in its SQLite
file. The tables, the migrations' numbers and every store's SQL are the same; this module
gives the stores a :class:`~zjk_charity.ledger.db.Connection` like SQLite's (``?``
placeholders, rows by name or index, ``row_factory = None`` for plain tuples, bulk rows
by COPY) and does what a server needs besides:

- **Locks.** SQLite lets one command write at a time. Here a command that must not
  interleave with another (allocate, pay, finalize, match, imports, …: every command but
  ``aid validate``) takes the ledger's command lock, a transaction-level advisory lock,
  exclusively. ``aid validate`` takes it shared, so several counties' files are read and
  checked at the same time, and takes a second, exclusive "writes" lock just before it
  writes (``Run.begin_writes``), so the campaign-wide findings are recomputed by one at a
  time over everything committed. Every lock is taken in that order (command, then
  writes) and none is held by a command waiting for another, so no two commands wait for
  each other: no deadlock. A wait says so once (``on_wait``) and lasts at most
  ``ZJK_CHARITY_BUSY_TIMEOUT`` (default 30 s), as on SQLite.
- **Readers** see one consistent snapshot (REPEATABLE READ, READ ONLY) and never wait.
- **Migrations** run under their own advisory lock, so two first commands do not both
  create the tables.
- **Credentials** come from the URL, ``PGPASSWORD``, ``~/.pgpass`` or a service file
  (libpq's own rules). The URL is never written to the ledger, a run record or any
  output; messages name the server without its password (:func:`safe_url`).

The locks' keys are derived from the schema's name, so two ledgers in two schemas of one
database (as the tests make them) do not wait for each other.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from zjk_charity.errors import UserError
from zjk_charity.ledger.db import Clock, Connection, Ledger, busy_timeout_ms, system_clock

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.adapt import Dumper
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.pq import TransactionStatus
except ImportError:  # pragma: no cover - the message below is tested without psycopg
    psycopg = None  # type: ignore[assignment]

# The advisory locks' second key (the first is the schema's hashtext).
COMMANDS, WRITES, MIGRATIONS = 1, 2, 3

_PASSWORD_KEYS = {"password", "sslpassword"}


# A password in a URL's user part (libpq ends it at the first '@') or in its query.
_USERINFO_PASSWORD = re.compile(r"(://[^:@/]*):([^@]*)@")
_QUERY_PASSWORD = re.compile(r"((?:ssl)?password\s*=\s*)('[^']*'|[^&\s]*)", re.IGNORECASE)
_SHOWN = ("user", "host", "port", "dbname")


def without_password(text: str) -> str:
    """``text`` (a URL, a libpq conninfo or a message quoting one) with every password
    blanked: ``user:***@`` and ``password=***``."""
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO_PASSWORD.sub(r"\1:***@", text))


def safe_url(url: str) -> str:
    """The server of ``url`` for messages: ``postgresql://user@host:port/db`` and its
    options, never its password. Parsed by libpq's own rules (a password may hold '/',
    '?' or '#'); an address libpq cannot parse is shown without anything of it."""
    try:
        params = conninfo_to_dict(url)
    except Exception:
        return "postgresql://…"
    user, host = params.get("user"), str(params.get("host") or "")
    port, db = params.get("port"), params.get("dbname") or ""
    if "@" in f"{user}{host}{db}" or not str(port or "0").isdigit():
        return "postgresql://…"  # libpq read part of a password as a name ('/' in it)
    netloc = (f"{user}@" if user else "") + host + (f":{port}" if port else "")
    rest = [(k, str(v)) for k, v in params.items() if k not in (*_SHOWN, *_PASSWORD_KEYS)]
    return f"postgresql://{netloc}/{db}" + (f"?{urlencode(rest)}" if rest else "")


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s``, and ``%`` kept as itself.

    A ``?`` inside a quoted literal or identifier, or in a ``--`` comment, is left alone.
    Every statement a store runs is code, never user text, so the cache holds at most
    their number.
    """
    out: list[str] = []
    quote = ""
    for i, char in enumerate(sql):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "-" and sql.startswith("--", i):
            quote = "\n"  # a comment runs to the end of its line
        elif char == "?":
            out.append("%s")
            continue
        if char == "%":
            out.append("%%")
            continue
        out.append(char)
    return "".join(out)


_PLAIN_INSERT = re.compile(
    r"\s*INSERT\s+INTO\s+(\w+)\s*\(([\w\s,]+)\)\s*VALUES\s*\(([?\d\s,-]+)\)\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CopyPlan:
    """How the rows of a plain multi-row INSERT go by COPY instead.

    ``slots`` gives each column's value: an int is the index of the statement's
    parameter, a str a literal written in the statement (``..., {file_id})``).
    """

    table: str
    columns: tuple[str, ...]
    slots: tuple[int | str, ...]

    def rows(self, seq_of_parameters: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
        for parameters in seq_of_parameters:
            yield tuple(parameters[slot] if isinstance(slot, int) else slot for slot in self.slots)


@lru_cache(maxsize=1024)
def copy_plan(sql: str) -> CopyPlan | None:
    """The COPY that does what ``executemany(sql, rows)`` does, when ``sql`` is a plain
    ``INSERT INTO t (a, b, …) VALUES (?, ?, …)`` whose values are placeholders or integer
    literals; None for anything else (``ON CONFLICT``, ``RETURNING``, expressions,
    ``UPDATE`` …), which keeps to ``executemany``.

    Why: ``executemany`` sends one INSERT per row (pipelined, but each row still goes
    through psycopg's Python code and the server's executor): the 100,000 applicants of
    ``aid validate`` took ~10 s that way, by COPY ~1 s. The same rows land in the same
    order (identity ids ascend as before), omitted columns take their defaults, and a
    constraint violation is an error either way. One difference: a float or Decimal
    bound to an INTEGER column is rounded by an INSERT but refused by COPY; the stores
    bind only int there (money is text or fen).
    """
    match = _PLAIN_INSERT.fullmatch(sql)
    if match is None:
        return None
    table, columns_text, values_text = match.groups()
    columns = tuple(c.strip() for c in columns_text.split(","))
    values = [v.strip() for v in values_text.split(",")]
    if len(columns) != len(values) or not all(columns):
        return None
    slots: list[int | str] = []
    parameter = 0
    for value in values:
        if value == "?":
            slots.append(parameter)
            parameter += 1
        elif re.fullmatch(r"-?\d+", value):
            slots.append(value)
        else:
            return None
    return CopyPlan(table, columns, tuple(slots))


class PgRow(tuple[Any, ...]):
    """A row by index or by column name, like ``sqlite3.Row``."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> PgRow:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _by_name(cursor: Any) -> Callable[[Sequence[Any]], PgRow]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: PgRow(values, index)


def _plain(cursor: Any) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    return tuple


class PgCursor:
    """A cursor of :class:`PgConnection`: ``row_factory = None`` gives plain tuples."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.row_factory: Any = PgRow
        self._copied: int | None = None  # rows of the last executemany that went by COPY

    @property
    def rowcount(self) -> int:
        return int(self._raw.rowcount) if self._copied is None else self._copied

    def execute(self, sql: str, parameters: Any = (), /) -> PgCursor:
        self._copied = None
        self._raw.row_factory = _plain if self.row_factory is None else _by_name
        self._raw.execute(translate(sql), parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> PgCursor:
        """Many rows: by COPY when ``sql`` is a plain INSERT (:func:`copy_plan`)."""
        plan = copy_plan(sql)
        if plan is None:
            self._copied = None
            self._raw.executemany(translate(sql), seq_of_parameters)
            return self
        copied = 0
        with self._raw.copy(f"COPY {plan.table} ({', '.join(plan.columns)}) FROM STDIN") as copy:
            for row in plan.rows(seq_of_parameters):
                copy.write_row(row)
                copied += 1
        self._copied = copied
        return self

    def fetchone(self) -> Any:
        return self._raw.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._raw.fetchall())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._raw)


class PgConnection:
    """A psycopg connection that the stores can use as they use SQLite's.

    Transactions are the caller's (``BEGIN`` … ``COMMIT``, as the ledger runs them); a
    ``with`` block commits on success and rolls back on error, like ``sqlite3``'s.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open; False on a connection the server dropped
        (UNKNOWN): the server has rolled it back, and a ROLLBACK would only raise again,
        hiding why the command failed."""
        status = self.raw.info.transaction_status
        return bool(status not in (TransactionStatus.IDLE, TransactionStatus.UNKNOWN))

    def cursor(self) -> PgCursor:
        return PgCursor(self.raw.cursor())

    def execute(self, sql: str, parameters: Any = (), /) -> PgCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> PgCursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def script(self, sql: str) -> None:
        """Several statements at once (a migration), as written: no placeholders."""
        self.raw.execute(sql.encode("utf-8"))

    def copy_rows(self, table: str, rows: Sequence[Sequence[object]]) -> None:
        """``rows`` into ``table`` by COPY, PostgreSQL's bulk path (``insert_rows``)."""
        with self.raw.cursor().copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute(b"COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute(b"ROLLBACK")

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()


def _dumpers(raw: Any) -> None:
    """Bind Python values as SQLite's driver does: a bool as 0/1 (the ledger's flags are
    INTEGER columns) and dates as ISO text (the ledger keeps dates as text)."""

    class BoolAsInt(Dumper):
        oid = psycopg.postgres.types["int4"].oid

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

    class DateAsText(Dumper):
        def dump(self, obj: Any) -> bytes:
            text = obj.isoformat(" ") if isinstance(obj, datetime) else obj.isoformat()
            return str(text).encode()

    raw.adapters.register_dumper(bool, BoolAsInt)
    raw.adapters.register_dumper(date, DateAsText)
    raw.adapters.register_dumper(datetime, DateAsText)


def connect(url: str) -> PgConnection:
    """A connection to the server of ``url`` (autocommit: the ledger begins and ends its
    own transactions); a UserError naming the server, never its password, when it
    cannot be reached."""
    if psycopg is None:
        raise UserError(
            "台账设在 PostgreSQL 服务器上，但未安装其驱动；请运行 pip install 'zjk-charity[postgresql]'",
            "the ledger is on a PostgreSQL server but its driver is not installed; "
            "run pip install 'zjk-charity[postgresql]'",
        )
    try:
        raw = psycopg.connect(url, autocommit=True, application_name="zjk-charity")
    except psycopg.ProgrammingError:  # libpq could not parse it; its message quotes it
        raise UserError(
            "台账服务器的地址格式不对，应为 postgresql://用户名@服务器[:端口]/数据库；"
            "请改正 zjk-charity.toml 的 ledger 或环境变量 ZJK_CHARITY_LEDGER",
            "the ledger server's address is malformed: use postgresql://user@host[:port]/db "
            "in ledger (zjk-charity.toml) or ZJK_CHARITY_LEDGER",
        ) from None
    except psycopg.Error as exc:
        detail = _detail(exc, url)
        raise UserError(
            f"无法连接台账服务器 {safe_url(url)}（{detail}）；请检查 zjk-charity.toml 的 ledger "
            "或环境变量 ZJK_CHARITY_LEDGER，以及服务器是否在运行",
            f"cannot connect to the ledger server {safe_url(url)} ({detail}); check "
            "ledger in zjk-charity.toml or ZJK_CHARITY_LEDGER, and that the server runs",
        ) from None
    _dumpers(raw)
    return PgConnection(raw)


def _detail(exc: BaseException, url: str | None = None) -> str:
    """The driver's or the server's words, on one line, without any password (libpq
    quotes a URL it cannot use, percent-decoded or not)."""
    text = " ".join(str(exc).split())
    if url:
        for secret in _passwords(url):
            text = text.replace(secret, "***")
    return without_password(text)[:300]


def _passwords(url: str) -> set[str]:
    """Every form in which ``url``'s password may be quoted back."""
    found = {m.group(2) for m in _USERINFO_PASSWORD.finditer(url)}
    found |= {m.group(2).strip("'") for m in _QUERY_PASSWORD.finditer(url)}
    with suppress(Exception):  # unparsable: the patterns above still apply
        found.add(str(conninfo_to_dict(url).get("password") or ""))
    return {s for p in found if p for s in (p, unquote(p))}


# What the server's refusal means, by SQLSTATE class (the first two characters); {s} is
# where the server's name goes.
_REFUSALS = {
    "08": ("与台账服务器{s}的连接中断", "the connection to the ledger server{s} failed"),
    "57": (
        "台账服务器{s}取消了本命令（超时、管理员取消或服务器正在关闭）",
        "the ledger server{s} cancelled the command (a timeout, an administrator, a shutdown)",
    ),
    "40": (
        "台账服务器{s}因与其他命令冲突撤销了本命令",
        "the ledger server{s} rolled the command back (a conflict with another command)",
    ),
    "53": (
        "台账服务器{s}资源不足（磁盘、内存或连接数）",
        "the ledger server{s} is out of resources (disk, memory or connections)",
    ),
    "42": (
        "台账服务器{s}拒绝了本命令（权限不足或表的结构不对）",
        "the ledger server{s} refused the command (permissions, or tables not as expected)",
    ),
    "22": ("台账服务器{s}拒绝了本命令的数据", "the ledger server{s} refused the command's data"),
}
_OTHER = ("台账服务器{s}报错", "the ledger server{s} failed")


def server_error(exc: BaseException, where: str | None = None) -> UserError:
    """A driver error met in the middle of a command, as the message a clerk reads: what
    the server did (by its SQLSTATE class), its words, and that the ledger is unchanged
    (every command is one transaction, which the server rolls back)."""
    state = getattr(getattr(exc, "diag", None), "sqlstate", None) or ""
    dropped = psycopg is not None and isinstance(
        exc, psycopg.OperationalError | psycopg.InterfaceError
    )
    lost = state.startswith("08") or state in {"57P01", "57P02", "57P03"} or (dropped and not state)
    if not state and psycopg is not None and isinstance(exc, psycopg.DataError):
        state = "22"  # refused by the driver itself (a NUL character in text): the data's class
    zh, en = _REFUSALS["08"] if lost else _REFUSALS.get(state[:2], _OTHER)
    code = f"SQLSTATE {state}: " if len(state) == 5 else ""
    detail = f"{code}{_detail(exc)}"
    return UserError(
        zh.format(s=f" {where} " if where else "")
        + f"（{detail}）；本命令未完成，台账未作任何修改。"
        + (
            "请确认服务器在运行、网络畅通后，先查看台账（如 status 命令）再重试"
            "（连接恰在提交时中断的，修改可能已经保存）"
            if lost
            else "请把这段信息告诉服务器的管理员"
        ),
        en.format(s=f" {where}" if where else "")
        + f" ({detail}); the command did not finish and the ledger is unchanged. "
        + (
            "Check that the server runs, look at the ledger (a status command), then retry "
            "(a connection lost exactly while committing may have saved the change)"
            if lost
            else "Show this to its administrator"
        ),
    )


@dataclass
class _Wait:
    """A command's waits for its locks (``aid validate``: the command lock, then the
    writes lock): the message once, and one deadline for them all, so the command waits
    at most ``ZJK_CHARITY_BUSY_TIMEOUT`` in all, as on SQLite, not that long per lock."""

    deadline: float | None = None  # time.monotonic() when it gives up; None: not waited


class PostgresLedger(Ledger):
    """The ledger in the current schema of a PostgreSQL database (see the module)."""

    dialect = "postgresql"
    way_out = (
        "请在 zjk-charity.toml 的 ledger（或环境变量 ZJK_CHARITY_LEDGER）中改用一个空的数据库或 schema",
        "point ledger in zjk-charity.toml (or ZJK_CHARITY_LEDGER) at an empty database or schema",
    )

    def __init__(
        self,
        url: str,
        on_wait: Callable[[float], None] | None = None,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__(Path(), on_wait, clock)
        self.url = url

    @property
    def where(self) -> str:
        return safe_url(self.url)

    @property
    def exists(self) -> bool:
        conn = self._connect()
        try:
            return self._has_ledger(conn)
        finally:
            conn.close()

    def _is_new(self) -> bool:
        return False  # a failed command's rollback takes the tables back too

    def _has_ledger(self, conn: Connection) -> bool:
        (found,) = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        return bool(found)

    def _connect(self) -> Connection:
        conn = connect(self.url)
        try:
            self._check_schema(conn)
            self._check_ours(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_schema(self, conn: Connection) -> None:
        """A UserError when the URL's search_path names no schema that exists (a typo,
        or one not made yet): tables would have nowhere to go, and the locks no key."""
        (schema,) = conn.execute("SELECT current_schema()").fetchone()
        if schema is None:
            (path,) = conn.execute("SHOW search_path").fetchone()
            raise UserError(
                f"台账服务器 {self.where} 上没有地址所指的 schema（search_path = {path}），"
                "或本用户无权使用它；请改正地址，或请管理员建立它（CREATE SCHEMA 名称）"
                "或授权（GRANT USAGE, CREATE ON SCHEMA 名称 TO 用户）",
                f"the ledger server {self.where} has no schema named by the address "
                f"(search_path = {path}), or this user may not use it; fix the address, or "
                "have it created (CREATE SCHEMA) or granted (GRANT USAGE, CREATE ON SCHEMA)",
            )

    def _tables(self, conn: Connection) -> set[str]:
        return {
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        return (psycopg.Error,)

    def _migrate(self, conn: Connection) -> None:
        """Apply the migrations not yet recorded, one process at a time, in the caller's
        transaction (READ COMMITTED, so the recorded ones are read after the lock)."""
        numbers = {number for number, _name, _sql in self._migrations()}
        if self._has_ledger(conn) and numbers <= self._done(conn):
            return
        self._lock(conn, "pg_advisory_xact_lock", MIGRATIONS)
        try:
            self._apply_migrations(conn)
        except (pg_errors.DuplicateTable, pg_errors.DuplicateObject, pg_errors.UndefinedTable) as e:
            raise self._not_ours(str(e), str(e), untouched=True) from None

    def _migrations(self) -> list[tuple[int, str, str]]:
        from zjk_charity.ledger.db import migrations

        return migrations(self.dialect)

    def _apply_migrations(self, conn: Connection) -> None:
        assert isinstance(conn, PgConnection)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = self._done(conn)
        for number, name, sql in self._migrations():
            if number not in done:
                conn.script(sql)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, self._now())
                )

    def _connect_existing(self) -> Connection | None:
        conn = self._connect()
        try:
            if self._has_ledger(conn):
                return conn
        except BaseException:
            conn.close()
            raise
        conn.close()
        return None

    def _begin_read(self, conn: Connection) -> None:
        """One consistent snapshot, read-only. Migrations an older ledger lacks are
        applied first, in their own transaction (a snapshot must not hold DDL)."""
        conn.execute("BEGIN")
        self._migrate(conn)
        conn.execute("COMMIT")
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def _begin(self, conn: Connection, parallel: bool) -> Callable[[], None]:
        """BEGIN and the command lock: shared for a ``parallel`` command, which then
        takes the writes lock when it is about to write; else exclusive."""
        busy_timeout_ms()  # a bad ZJK_CHARITY_BUSY_TIMEOUT stops every command, as on SQLite
        conn.execute("BEGIN")
        wait = _Wait()
        if not parallel:
            self._lock(conn, "pg_advisory_xact_lock", COMMANDS, wait)
            return lambda: None
        self._lock(conn, "pg_advisory_xact_lock_shared", COMMANDS, wait)
        return lambda: self._lock(conn, "pg_advisory_xact_lock", WRITES, wait)

    def _lock(self, conn: Connection, function: str, key: int, wait: _Wait | None = None) -> None:
        """Take an advisory lock of this schema; say so once and wait when it is held
        (within the command's one deadline, ``wait``, when it has taken one before)."""
        schema_key = "hashtext(current_schema())"
        try_function = function.replace("pg_", "pg_try_", 1)
        (got,) = conn.execute(f"SELECT {try_function}({schema_key}, ?)", (key,)).fetchone()
        if got:
            return
        timeout = busy_timeout_ms()
        wait = wait or _Wait()
        if wait.deadline is None:
            wait.deadline = time.monotonic() + timeout / 1000
            if self.on_wait is not None:
                self.on_wait(timeout / 1000)
        left = int((wait.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise self.busy(timeout, RuntimeError("lock held"))
        conn.execute(f"SET LOCAL lock_timeout = {left}")
        try:
            conn.execute(f"SELECT {function}({schema_key}, ?)", (key,))
        except pg_errors.LockNotAvailable as exc:
            raise self.busy(timeout, exc) from None
        conn.execute("SET LOCAL lock_timeout TO DEFAULT")  # the server's or the role's own

    def vacuum(self) -> None:
        """Give the space of this ledger's deleted rows back (VACUUM runs outside a
        transaction). Only the tables of its schema: a bare VACUUM would go through every
        table of the database, other campaigns' ledgers included."""
        conn = self._connect()
        try:
            tables = sorted(self._tables(conn))
            if tables:
                conn.execute("VACUUM " + ", ".join(tables))
        except psycopg.Error as exc:  # after purge's commit: the rows are gone already
            raise UserError(
                f"数据已从台账服务器 {self.where} 删除，但服务器回收空间（VACUUM）失败"
                f"（{_detail(exc)}）；请服务器管理员稍后执行 VACUUM",
                f"the rows are deleted from {self.where}, but reclaiming their space "
                f"(VACUUM) failed ({_detail(exc)}); ask its administrator to VACUUM later",
            ) from None
        finally:
            conn.close()

    def _discard(self) -> None:
        return None
