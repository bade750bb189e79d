"""``zjk-charity ledger copy``: move a workspace's SQLite ledger to a PostgreSQL server.

A bureau that outgrows one PC (issue 19) copies its ledger once to the shared server and
then points the workspace at it. The copy is all or nothing, and proven:

1. **The source** is an SQLite ledger file (the workspace's, or ``--from FILE``), opened
   through :meth:`Ledger.read` like any command opens it (an older ledger gets the
   migrations it lacks; its rows are never changed) and read in one snapshot. A missing
   or empty file, or one whose recorded migrations are not exactly this version's (a
   newer zjk-charity wrote it), is refused before the server is touched.
2. **The target** is the current schema of the URL's database. It must hold no ledger
   yet, or a ledger without rows (e.g. made by an earlier command that found nothing to
   do); anything else is refused, and nothing is changed there.
3. **One transaction** on the target: the command lock (so no other command writes
   meanwhile), the migrations (PostgreSQL's own texts), then every table in foreign-key
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
   The URL is never recorded, and messages name the server without its password
   (:func:`safe_url`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zjk_charity.errors import UserError
from zjk_charity.ledger.db import (
    Clock,
    Connection,
    Ledger,
    file_sha256,
    is_server_url,
    migrations,
    system_clock,
)
from zjk_charity.ledger.postgres import PgConnection, PostgresLedger, safe_url

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

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "source_sha256": self.source_sha256,
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
    from zjk_charity.config import LEDGER_FILE, LEDGER_VARIABLE

    for value in (os.environ.get(LEDGER_VARIABLE), ws.settings.ledger):
        text = (value or "").strip()
        if text and not is_server_url(text):
            return ws.root / Path(text).expanduser()
    return ws.root / LEDGER_FILE


def copy_ledger(source: Path, url: str, clock: Clock = system_clock) -> LedgerCopy:
    """Copy the SQLite ledger ``source`` into the current schema of the server ``url``,
    verified, in one transaction (see the module); a UserError, with nothing changed on
    the server and nothing in the source, when it is refused or the copy differs."""
    started = time.perf_counter()
    if not is_server_url(url):
        raise UserError(
            f"--to 应为 postgresql://用户@服务器/数据库 形式的地址，而不是 “{safe_url(url)}”",
            f"--to must be a URL like postgresql://user@host/db, not '{safe_url(url)}'",
        )
    source = source.expanduser().resolve()
    known = _check_source(source)
    sha256 = file_sha256(source)  # after the check's close folded the WAL into the file
    target = PostgresLedger(url, clock=clock)
    with Ledger(source).read() as src:
        assert src is not None  # _check_source found a ledger
        run_id, tables = _copy_into(target, src, known, {"path": str(source), "sha256": sha256})
    return LedgerCopy(source, sha256, target.where, run_id, tables, time.perf_counter() - started)


def _check_source(source: Path) -> set[int]:
    """The source's migrations, once it is known to be a current SQLite ledger."""
    if not source.is_file() or source.stat().st_size == 0:
        raise UserError(
            f"找不到要复制的 SQLite 台账 {source}；请在工作目录中运行（-w），或用 --from 指定台账文件",
            f"no SQLite ledger to copy at {source}; run in the workspace (-w) or give --from FILE",
        )
    known = {number for number, _name, _sql in migrations("sqlite")}
    with Ledger(source).read() as src:
        done = set() if src is None else {n for (n,) in src.execute(_NUMBERS)}
    if done != known:
        raise UserError(
            f"{source} 记录的迁移（{_numbers(done)}）与本版本的（{_numbers(known)}）不同："
            "它由更新版本的 zjk-charity 写成；请用该版本复制",
            f"{source} records migrations {_numbers(done)}, this version has "
            f"{_numbers(known)}: a newer zjk-charity wrote it; copy it with that version",
        )
    return known


_NUMBERS = f"SELECT number FROM {MIGRATIONS_TABLE}"


def _numbers(numbers: set[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers)) or "—"


def _copy_into(
    target: PostgresLedger, src: Connection, known: set[int], source: dict[str, str]
) -> tuple[int, tuple[TableCopy, ...]]:
    """The transaction on the server: lock, migrate, refuse a ledger with rows, copy,
    verify, record the run, commit; rolled back whole on any failure."""
    conn = target._connect()  # the ledger's own connection: checks the schema is ours
    assert isinstance(conn, PgConnection)
    try:
        started_at = target._now()
        target._begin(conn, parallel=False)  # the command lock: no one writes meanwhile
        target._migrate(conn)
        plans = _plans(conn)
        _refuse_target(target, conn, plans, known, src)
        tables = tuple(_copy_table(target, src, conn, plan) for plan in plans)
        _check_copies(target, tables)
        run_id = _record(target, conn, started_at, source, tables)
        conn.commit()
        return run_id, tables
    except conn.raw.Error as exc:  # psycopg.Error (DB-API): the driver is postgres.py's import
        raise _server_error(target, exc) from None
    except sqlite3.Error as exc:
        raise UserError(
            f"读取源台账时出错（{exc}）；服务器上未做任何修改",
            f"reading the source ledger failed ({exc}); nothing was changed on the server",
        ) from None
    finally:
        conn.rollback()  # nothing to do after the commit
        conn.close()


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
    known: set[int],
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


def _copy_table(
    target: PostgresLedger, src: Connection, conn: PgConnection, plan: TablePlan
) -> TableCopy:
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
    """Set ``table.column``'s identity sequence to its largest id, so the next row gets
    the next id (setval is strict: an empty table leaves the sequence as it is)."""
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence(CAST(? AS TEXT), CAST(? AS TEXT)), "
        f"MAX({_quoted(column)})) FROM {_quoted(table)}",
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


def _record(
    target: PostgresLedger,
    conn: Connection,
    started_at: str,
    source: dict[str, str],
    tables: Sequence[TableCopy],
) -> int:
    """The copy's run record on the server, after the copied runs (its id is the next)."""
    result = {"tables": {t.name: t.rows for t in tables}}
    (run_id,) = conn.execute(
        "INSERT INTO runs (command, arguments, inputs, started_at, finished_at, outcome, result) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            COMMAND,
            json.dumps({"from": source["path"]}, ensure_ascii=False),
            json.dumps([source], ensure_ascii=False),
            started_at,
            target._now(),
            "ok",
            json.dumps(result, ensure_ascii=False),
        ),
    ).fetchone()
    return int(run_id)
