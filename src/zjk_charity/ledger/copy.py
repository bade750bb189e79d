"""``zjk-charity ledger copy``: move a workspace's SQLite ledger to a PostgreSQL server.

A bureau that outgrows one PC (issue 19) copies its ledger once to the shared server and
then points the workspace at it. The copy is all or nothing, and proven:

1. **The source** is an SQLite ledger file (the workspace's, or ``--from FILE``), read
   and never written: it is opened as it is (not switched to WAL mode, no migration
   applied to it), and one ``BEGIN IMMEDIATE`` on it is held from before its SHA-256 is
   taken until the last row is copied, so no command writes to it meanwhile and the
   recorded hash describes exactly the rows copied. A ledger of an older version (its
   recorded migrations a subset of this version's) is copied from a snapshot taken in
   that same transaction into memory and migrated there, as any command would migrate
   the file; the file itself stays as it was. A missing or empty file, another
   program's database, one with changes not yet folded from its ``-wal`` into the file
   (another command is using it, or one was interrupted: the file's hash would not
   describe its rows), or one a newer zjk-charity wrote, is refused before the server
   is touched. Whether the file is unchanged is checked, not assumed: its size and
   modification time before it was opened and after it was closed
   (:attr:`LedgerCopy.source_unchanged`).
2. **The target** is the current schema of the URL's database. It must hold no ledger
   yet, or a ledger without rows (e.g. made by an earlier command that found nothing to
   do); anything else is refused, and nothing is changed there.
3. **One transaction** on the target, the copy's own run (:meth:`PostgresLedger.run`, as
   any command: the command lock, so no other command writes meanwhile, and the
   migrations, PostgreSQL's own texts), then every table in foreign-key
   order (read from the server's catalogue), in bulk by COPY, with every id as it was.
   Each identity sequence is then set to its column's largest value, so the next run,
   allocation or payment gets the next id, as on SQLite. ``schema_migrations`` is not
   copied: the target keeps its own rows (when *its* tables were made); their numbers
   and names must equal the source's.
4. **Verified before commit**: per table the row count and a SHA-256 over the rows, read
   back from the server in primary-key order (all columns where a table has no key), each
   value normalised to text the same way on both sides (:func:`row_bytes`), must equal
   the source's. Any difference rolls the whole copy back and raises a UserError naming
   the tables.
5. **A run record** on the target (command ``ledger copy``) says where the rows came from:
   the source file's path and SHA-256 as its input, the per-table counts as its result.
   Its id follows the copied runs' (the row ``run()`` opened is taken out first and
   written again after them). The URL is never recorded, and messages name the server
   without its password (``safe_url``); a ``--to`` that is not a well-formed URL is
   refused without being repeated (:func:`check_url`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from zjk_charity.errors import UserError
from zjk_charity.ledger.db import (
    Clock,
    Connection,
    Ledger,
    busy_timeout_ms,
    file_sha256,
    is_server_url,
    migrations,
    system_clock,
)
from zjk_charity.ledger.postgres import PgConnection, PostgresLedger

if TYPE_CHECKING:
    from zjk_charity.config import Workspace

COMMAND = "ledger copy"
MIGRATIONS_TABLE = "schema_migrations"
# Rows per COPY: bounded memory for a table of 100,000 applicants (~60 MB of text).
BATCH = 5000


@dataclass(frozen=True)
class TablePlan:
    """One table as the target's catalogue describes it: ``columns`` in the table's own
    order (the order COPY writes them), ``key`` the order both sides are read in for the
    checksum, ``identities`` the columns whose sequence must follow the copied ids."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    identities: tuple[str, ...] = ()

    def select(self) -> str:
        """The same SELECT on both backends: quoted names (``row``, ``rank``, ``double``
        are column names here; a quoted ``"rowid"`` is SQLite's rowid), total order."""
        columns = ", ".join(_quoted(c) for c in self.columns)
        order = ", ".join(f"{_quoted(c)} NULLS FIRST" for c in self.key)
        return f"SELECT {columns} FROM {_quoted(self.name)} ORDER BY {order}"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: object) -> str | None:
    """A value as text, the same for SQLite's and psycopg's Python types (int, str, None;
    bytes as hex, a float by repr, should a column ever hold one)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, bool):
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def row_bytes(row: Sequence[object]) -> bytes:
    """A row as the checksum reads it: a JSON list of its values as text (NULL as null,
    so NULL and the text "None" differ), one line."""
    values = [_text(v) for v in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@dataclass
class Tally:
    """Rows counted and hashed in the order they are read."""

    rows: int = 0
    _hash: Any = field(default_factory=hashlib.sha256)

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self._hash.update(row_bytes(row))
            self.rows += 1

    @property
    def sha256(self) -> str:
        return str(self._hash.hexdigest())


def tally(conn: Connection, plan: TablePlan) -> Tally:
    """Count and hash ``plan``'s table on either backend."""
    counted = Tally()
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples on both
    cursor.execute(plan.select())
    counted.add(cursor)
    return counted


@dataclass(frozen=True)
class TableCopy:
    """One table's verification: rows and SHA-256 in the source and on the server."""

    name: str
    rows: int
    sha256: str
    target_rows: int
    target_sha256: str

    @property
    def matches(self) -> bool:
        return self.rows == self.target_rows and self.sha256 == self.target_sha256

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "rows": self.rows,
            "target_rows": self.target_rows,
            "sha256": self.sha256,
            "target_sha256": self.target_sha256,
            "match": self.matches,
        }


@dataclass(frozen=True)
class LedgerCopy:
    """A finished copy: ``target`` is the server without its password; ``run_id`` the
    copy's own run record on the server; ``tables`` in the order they were copied."""

    source: Path
    source_sha256: str
    target: str
    run_id: int
    tables: tuple[TableCopy, ...]
    seconds: float
    source_unchanged: bool  # the file's size and time as before it was opened

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "source_sha256": self.source_sha256,
            "source_unchanged": self.source_unchanged,
            "target": self.target,
            "run_id": self.run_id,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "tables": [t.as_json() for t in self.tables],
        }


def workspace_source(ws: Workspace) -> Path:
    """The workspace's SQLite ledger file: ``ZJK_CHARITY_LEDGER`` or the ``ledger``
    setting when one names a file, else ``zjk-charity.db``. A server URL there is
    skipped (it is where the ledger goes, not where it is), and the network-folder check
    is not made: copying the file off a share is what that check recommends."""
    from zjk_charity.config import LEDGER_FILE, ledger_variable

    # checked as every command checks it: a server meant is never taken for a file name
    for text in (ledger_variable(), ws.settings.ledger):
        if text and not is_server_url(text):
            return ws.root / Path(text).expanduser()
    return ws.root / LEDGER_FILE


def copy_ledger(source: Path, url: str, clock: Clock = system_clock) -> LedgerCopy:
    """Copy the SQLite ledger ``source`` into the current schema of the server ``url``,
    verified, in one transaction (see the module); a UserError, with nothing changed on
    the server and nothing written to the source, when it is refused or the copy differs."""
    started = time.perf_counter()
    check_url(url)
    source = source.expanduser().resolve()
    before = _file_state(source)
    target = PostgresLedger(url, clock=clock)
    with _source_snapshot(source, clock) as (src, sha256):
        run_id, tables = _copy_into(target, src, {"path": str(source), "sha256": sha256})
    unchanged = _file_state(source) == before
    seconds = time.perf_counter() - started
    return LedgerCopy(source, sha256, target.where, run_id, tables, seconds, unchanged)


# A percent sign not followed by two hex digits: libpq refuses the URL, quoting the part
# it is in, which may be the password.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def check_url(url: str) -> None:
    """Refuse a ``--to`` that is not a well-formed ``postgresql://`` URL, without ever
    repeating it: what was typed may be a libpq key=value string or a URL with its
    password, and a message or a traceback would show it (on screen, in a log)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        well_formed = is_server_url(url) and bool(parts.hostname or parts.path)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        well_formed = False
    if not well_formed or _BAD_ESCAPE.search(url):
        raise UserError(
            "--to 应为 postgresql://用户@服务器[:端口]/数据库 形式的地址（特殊字符按 %XX 编码；"
            "密码请放在 PGPASSWORD 或 ~/.pgpass，不写在地址中）；所给的值不是这种形式，"
            "为免泄露其中的密码不予显示",
            "--to must be a URL like postgresql://user@host[:port]/db (special characters "
            "as %XX; keep the password in PGPASSWORD or ~/.pgpass, not in the URL); the "
            "value given is not one, and is not shown in case it holds a password",
        )


def _file_state(path: Path) -> tuple[int, int, int]:
    """What changes when a file is written: its size, modification time and inode (a
    missing or empty file is refused here, before anything else)."""
    info = path.stat() if path.is_file() else None
    if info is None or info.st_size == 0:
        raise UserError(
            f"找不到要复制的 SQLite 台账 {path}；请在工作目录中运行（-w），或用 --from 指定台账文件",
            f"no SQLite ledger to copy at {path}; run in the workspace (-w) or give --from FILE",
        )
    return info.st_size, info.st_mtime_ns, info.st_ino


@contextmanager
def _source_snapshot(source: Path, clock: Clock) -> Iterator[tuple[sqlite3.Connection, str]]:
    """The source ledger, held still, and its file's SHA-256 (see the module, 1.).

    The connection is a plain one, not :class:`Ledger`'s: that one switches the file to
    WAL mode and applies missing migrations, i.e. writes it. Nothing here writes, so the
    closing connection (the last one) has no WAL frames to fold into the file either.
    """
    timeout = busy_timeout_ms()
    # A plain path, not a file: URI: SQLite refuses a URI naming a host, which a Windows
    # share (\\server\share, or a mapped drive once resolved) becomes. The file exists:
    # _file_state refused a missing or empty one before this.
    try:
        conn = sqlite3.connect(source, timeout=timeout / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise _unreadable(source, exc) from None
    upgraded: sqlite3.Connection | None = None
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")  # writers wait until the copy is over
        except sqlite3.OperationalError as exc:
            raise Ledger(source).busy(timeout, exc) from None
        try:
            current = _check_source(source, conn)
            sha256 = file_sha256(source)
            upgraded = None if current else _upgraded(source, conn, clock)
        except sqlite3.DatabaseError as exc:
            raise _unreadable(source, exc) from None
        yield (upgraded or conn), sha256
    finally:
        if upgraded is not None:
            upgraded.close()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def _unreadable(source: Path, exc: Exception) -> UserError:
    return UserError(
        f"无法读取 SQLite 台账 {source}（{exc}）；未做任何修改",
        f"cannot read the SQLite ledger {source} ({exc}); nothing was changed",
    )


def _check_source(source: Path, conn: sqlite3.Connection) -> bool:
    """Refuse a source that is not a ledger of ours, is mid-change, or is newer; True
    when its migrations are exactly this version's, False when it lacks some."""
    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads: a damaged file fails
    wal = Path(f"{source}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise UserError(
            f"{source} 还有未写回文件的改动（{wal.name}）：其他命令正在使用它，或上次命令中断。"
            "请等其他命令结束后，在该工作目录运行任一 zjk-charity 命令（改动会写回文件），再复制",
            f"{source} has changes not yet folded into the file ({wal.name}): another command "
            "is using it, or one was interrupted. When no other command runs, run any "
            "zjk-charity command in that workspace (it folds them in), then copy",
        )
    # Ledger's own check (read-only): another program's database is refused as by any command.
    Ledger(source)._check_ours(conn)
    known = {number for number, _name, _sql in migrations("sqlite")}
    done = {n for (n,) in conn.execute(_NUMBERS)}
    if not done <= known:
        raise UserError(
            f"{source} 记录的迁移（{_numbers(done)}）与本版本的（{_numbers(known)}）不同："
            "它由更新版本的 zjk-charity 写成；请用该版本复制",
            f"{source} records migrations {_numbers(done)}, this version has "
            f"{_numbers(known)}: a newer zjk-charity wrote it; copy it with that version",
        )
    return done == known


def _upgraded(source: Path, conn: sqlite3.Connection, clock: Clock) -> sqlite3.Connection:
    """An older ledger's state in memory, with the migrations it lacks applied there as
    any command would apply them to the file (Ledger's own, so the result is the same)."""
    # Not conn.backup(): it waits forever on the source's own write lock. serialize()
    # reads the pages within the source's transaction: the state that was hashed.
    image = bytearray(conn.serialize())
    image[18:20] = b"\x01\x01"  # the header's WAL flag: a memory database has no WAL
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        memory.deserialize(bytes(image))
        memory.execute("PRAGMA foreign_keys = ON")
        memory.execute("BEGIN")
        Ledger(source, clock=clock)._migrate(memory)
        memory.execute("COMMIT")
    except BaseException:
        memory.close()
        raise
    return memory


_NUMBERS = f"SELECT number FROM {MIGRATIONS_TABLE}"


def _numbers(numbers: set[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers)) or "—"


def _driver_errors() -> tuple[type[Exception], ...]:
    """psycopg's errors (DB-API), looked up as postgres.py imported it; none when the
    driver is missing (then connecting already said so)."""
    psycopg = sys.modules.get("psycopg")
    return () if psycopg is None else (psycopg.Error,)


def _copy_into(
    target: PostgresLedger, src: Connection, source: dict[str, str]
) -> tuple[int, tuple[TableCopy, ...]]:
    """The copy as one run of the target ledger (its lock, migrations, transaction and
    run record, as for any command: no private part of PostgresLedger is used); rolled
    back whole on any failure."""
    try:
        with target.run(COMMAND, {"from": source["path"]}) as run:
            conn = run.conn
            assert isinstance(conn, PgConnection)
            started_at = _take_out(conn, run.id)
            plans = _plans(conn)
            _refuse_target(target, conn, plans, src)
            tables = tuple(_copy_table(src, conn, plan) for plan in plans)
            _check_copies(target, tables)
            # The run record goes after the copied runs (their ids are kept): the row the
            # run opened was taken out, and run() finishes the one written here by its id.
            run.id = _record(conn, started_at, source)
            run.result = {"tables": {t.name: t.rows for t in tables}}
        return run.id, tables
    except _driver_errors() as exc:
        raise _server_error(target, exc) from None
    except sqlite3.Error as exc:
        raise UserError(
            f"读取源台账时出错（{exc}）；服务器上未做任何修改",
            f"reading the source ledger failed ({exc}); nothing was changed on the server",
        ) from None


def _take_out(conn: Connection, run_id: int) -> str:
    """Remove the run row :meth:`Ledger.run` opened (so the target's ``runs`` is empty
    for the check and the copied ids), keeping when it started."""
    (started_at,) = conn.execute(
        "DELETE FROM runs WHERE id = ? RETURNING started_at", (run_id,)
    ).fetchone()
    return str(started_at)


def _server_error(target: PostgresLedger, exc: Exception) -> UserError:
    detail = " ".join(str(exc).split())
    return UserError(
        f"复制到 {target.where} 时服务器报错（{detail}）；已全部撤销，服务器上未做任何修改",
        f"the server {target.where} refused the copy ({detail}); it was rolled back, "
        "nothing was changed there",
    )


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
_COLUMNS = (
    "SELECT table_name, column_name, is_identity FROM information_schema.columns "
    "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
)
_PRIMARY_KEYS = (
    "SELECT k.table_name, k.column_name FROM information_schema.table_constraints c "
    "JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema "
    "AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name "
    "WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() "
    "ORDER BY k.table_name, k.ordinal_position"
)
_FOREIGN_KEYS = (
    "SELECT child.relname, parent.relname FROM pg_constraint k "
    "JOIN pg_class child ON child.oid = k.conrelid "
    "JOIN pg_class parent ON parent.oid = k.confrelid "
    "JOIN pg_namespace n ON n.oid = k.connamespace "
    "WHERE k.contype = 'f' AND n.nspname = current_schema()"
)


def _plans(conn: Connection) -> list[TablePlan]:
    """Every table of the target's ledger, parents before the tables that refer to them
    (a table's reference to itself, ``ref_lists.replaced_by``, is checked at the end of
    its COPY), ``schema_migrations`` first; ties in name order, so the order is stable."""
    names = sorted(name for (name,) in conn.execute(_TABLES))
    columns: dict[str, list[str]] = {n: [] for n in names}
    identities: dict[str, list[str]] = {n: [] for n in names}
    for table, column, identity in conn.execute(_COLUMNS):
        if table in columns:
            columns[table].append(column)
            if identity == "YES":
                identities[table].append(column)
    keys: dict[str, list[str]] = {n: [] for n in names}
    for table, column in conn.execute(_PRIMARY_KEYS):
        if table in keys:
            keys[table].append(column)
    graph: TopologicalSorter[str] = TopologicalSorter({n: () for n in names})
    for child, parent in conn.execute(_FOREIGN_KEYS):
        if child != parent and child in columns:
            graph.add(child, parent)
    order = list(graph.static_order())  # CREATE TABLE … REFERENCES makes no cycle
    order.sort(key=lambda name: name != MIGRATIONS_TABLE)  # stable: keeps the FK order
    return [
        TablePlan(
            n,
            ("number", "name") if n == MIGRATIONS_TABLE else tuple(columns[n]),
            tuple(keys[n] or columns[n]),
            tuple(identities[n]),
        )
        for n in order
    ]


def _refuse_target(
    target: PostgresLedger,
    conn: Connection,
    plans: list[TablePlan],
    src: Connection,
) -> None:
    """Refuse a target ledger that holds rows, or whose migrations or tables are not the
    source's (a newer zjk-charity made it; a table would be left out)."""
    full = [p.name for p in plans if p.name != MIGRATIONS_TABLE and _has_rows(conn, p.name)]
    if full:
        raise UserError(
            f"{target.where} 中已有台账数据（{_some(full, '、')}）：复制只写入空的台账，"
            "未做任何修改；请换一个新的数据库或 schema",
            f"{target.where} already holds ledger data ({_some(full, ', ')}): a copy goes only "
            "into an empty ledger; nothing was changed. Use a new database or schema",
        )
    known = {n for (n,) in src.execute(_NUMBERS)}  # this version's, the source's now
    done = {n for (n,) in conn.execute(_NUMBERS)}
    source_tables = {
        name
        for (name,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith("sqlite_")
    }
    if done != known or source_tables != {p.name for p in plans}:
        raise UserError(
            f"{target.where} 的台账结构（迁移 {_numbers(done)}）与源台账（迁移 {_numbers(known)}）"
            "不同，未做任何修改；请用同一版本的 zjk-charity，或换一个空的 schema",
            f"the ledger at {target.where} (migrations {_numbers(done)}) differs from the "
            f"source's (migrations {_numbers(known)}); nothing was changed. Use the same "
            "zjk-charity version, or an empty schema",
        )


def _some(names: list[str], joiner: str) -> str:
    """The first three names, and how many there are when there are more."""
    shown = joiner.join(names[:3])
    return shown if len(names) <= 3 else f"{shown} … ({len(names)})"


def _has_rows(conn: Connection, table: str) -> bool:
    (found,) = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)})").fetchone()
    return bool(found)


def _copy_table(src: Connection, conn: PgConnection, plan: TablePlan) -> TableCopy:
    """Copy one table by COPY, hashing the rows on the way; move its identity sequences
    past the copied ids; then read it back from the server and hash it again."""
    if plan.name == MIGRATIONS_TABLE:
        read = tally(src, plan)  # the target's own rows, compared by number and name
    else:
        read = Tally()
        cursor = src.cursor()
        cursor.row_factory = None
        cursor.execute(plan.select())
        while rows := list(islice(cursor, BATCH)):
            read.add(rows)
            conn.copy_rows(_quoted(plan.name), rows)
        for column in plan.identities:
            _advance(conn, plan.name, column)
    back = tally(conn, plan)
    return TableCopy(plan.name, read.rows, read.sha256, back.rows, back.sha256)


def _advance(conn: Connection, table: str, column: str) -> None:
    """Set ``table.column``'s identity sequence so the next row gets the id after the
    largest copied one (1 in an empty table, e.g. ``runs`` after :func:`_take_out`)."""
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence(CAST(? AS TEXT), CAST(? AS TEXT)), "
        f"COALESCE(MAX({_quoted(column)}), 0) + 1, false) FROM {_quoted(table)}",
        (_quoted(table), column),
    )


def _check_copies(target: PostgresLedger, tables: Sequence[TableCopy]) -> None:
    differ = [t.name for t in tables if not t.matches]
    if differ:
        raise UserError(
            f"复制到 {target.where} 后核对不一致（{'、'.join(differ)}：行数或校验和不同）；"
            "已全部撤销，服务器上未做任何修改",
            f"the copy at {target.where} does not match the source ({', '.join(differ)}: "
            "row count or checksum); it was rolled back, nothing was changed there",
        )


def _record(conn: Connection, started_at: str, source: dict[str, str]) -> int:
    """The copy's run record on the server, after the copied runs (its id is the next);
    :meth:`Ledger.run` stamps its end, outcome and result."""
    (run_id,) = conn.execute(
        "INSERT INTO runs (command, arguments, inputs, started_at) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        (
            COMMAND,
            json.dumps({"from": source["path"]}, ensure_ascii=False),
            json.dumps([source], ensure_ascii=False),
            started_at,
        ),
    ).fetchone()
    return int(run_id)
