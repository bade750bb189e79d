"""``zjk-charity ledger copy --to URL``: the SQLite ledger moves to a server whole, verified.

The source is the demo's ledger (data in every table), made once per module on SQLite
whatever backend the run uses; each test copies it into a fresh schema of the test
server. Tests that need no server (refusals of the source, the source's name) run on
both backends.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from typer.testing import CliRunner

import backends
import zjk_charity.ledger as ledger_package
import zjk_charity.ledger.copy as copy_module
from zjk_charity.cli.main import app
from zjk_charity.config import Workspace
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.ledger import db as ledger_db
from zjk_charity.ledger.copy import copy_ledger, workspace_source
from zjk_charity.ledger.postgres import PgConnection, PostgresLedger, connect

runner = CliRunner()
LEDGER_FILE = "zjk-charity.db"
PASSWORD = "Geheim-7Xq2"  # the test server trusts every login: any password is accepted
NO_SERVER = "postgresql://nobody@127.0.0.1:1/nothing"  # never reached by a refused source


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's workspace with its SQLite ledger (open_ledger unpatched: no schema)."""
    if not backends.postgres():
        pytest.skip("copies to a PostgreSQL server: pytest --postgresql URL")
    from zjk_charity.demo import run_demo

    root = tmp_path_factory.mktemp("copy") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ZJK_CHARITY_LEDGER", raising=False)
        patch.setattr(ledger_package, "open_ledger", backends._real_open)
        patch.setattr(ledger_db, "open_ledger", backends._real_open)
        run_demo(root)
    return root


@pytest.fixture
def workspace(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo workspace of this test's own, so commands run on it (a report
    records a run) never change the other tests' source."""
    root = tmp_path / "ws"
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns("out"))
    return root


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A fresh, empty schema of the test server (dropped after the test)."""
    where = backends.target(tmp_path / "target")
    assert isinstance(where, str)
    return where


@pytest.fixture
def sqlite_workspaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace's ledger is its SQLite file again (the CLI reads the source through
    it); a server URL in ZJK_CHARITY_LEDGER still reaches the server."""
    monkeypatch.setattr(ledger_package, "open_ledger", backends._real_open)
    monkeypatch.setattr(ledger_db, "open_ledger", backends._real_open)
    monkeypatch.delenv("ZJK_CHARITY_LEDGER", raising=False)


def with_password(url: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user}:{PASSWORD}@{host}"))


@pytest.fixture
def server(url: str) -> Iterator[PgConnection]:
    conn = connect(url)
    yield conn
    conn.close()


def tables(conn: Any, sqlite: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, as plain tuples (the test's own reading, not the
    checksum's): what a user comparing the two databases would look at."""
    if sqlite:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    found = {}
    for (name,) in conn.execute(query).fetchall():
        columns = "rowid, *" if sqlite and name == "ref_people" else "*"
        rows = [tuple(r) for r in conn.execute(f"SELECT {columns} FROM {name}").fetchall()]
        found[name] = sorted(rows, key=_order)
    return found


def _order(row: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    """Numbers by value, text and NULL after them: ids in their order on both sides."""
    return tuple((0, v, "") if isinstance(v, int) else (1, 0, str(v)) for v in row)


def source_tables(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(root / LEDGER_FILE)
    try:
        return tables(conn, sqlite=True)
    finally:
        conn.close()


def copy_cli(root: Path, to: str, *options: str) -> Any:
    return runner.invoke(app, ["ledger", "copy", "--to", to, "-w", str(root), *options])


@pytest.mark.postgresql
def test_every_table_arrives_with_its_ids(
    workspace: Path, url: str, server: PgConnection, sqlite_workspaces: None
) -> None:
    before = file_sha256(workspace / LEDGER_FILE)
    result = copy_cli(workspace, url, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    source = source_tables(workspace)
    copied = tables(server, sqlite=False)
    runs = copied.pop("runs")
    assert runs[:-1] == source.pop("runs")  # and the copy's own run record after them
    assert runs[-1][0] == document["run_id"] == len(runs) and runs[-1][1] == "ledger copy"
    assert [(r[0], r[1]) for r in copied.pop("schema_migrations")] == [
        (r[0], r[1]) for r in source.pop("schema_migrations")
    ]
    assert copied == source
    assert all(source.values()), "the demo fills every table"
    listed = {t["table"]: t for t in document["tables"]}
    assert set(listed) == {*source, "runs", "schema_migrations"}
    for t in listed.values():
        assert t["match"] and t["rows"] == t["target_rows"] > 0
        assert t["sha256"] == t["target_sha256"]
    assert document["source_sha256"] == before == file_sha256(workspace / LEDGER_FILE)


@pytest.mark.postgresql
def test_status_and_reports_read_the_same_from_both(
    workspace: Path, url: str, sqlite_workspaces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert copy_cli(workspace, url).exit_code == 0

    def read(*command: str) -> Any:
        result = runner.invoke(app, [*command, "-w", str(workspace), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def figures(out: str) -> Any:
        found = read("report", "campaign", "--format", "html", "--no-sign", "--out", out)
        return [(r["kind"], r["figures"]) for r in found["reports"]]

    sqlite = [read("aid", "payments", "status"), read("wishes", "status")]
    sqlite_report = figures(str(workspace / "from-sqlite"))
    monkeypatch.setenv("ZJK_CHARITY_LEDGER", url)
    assert [read("aid", "payments", "status"), read("wishes", "status")] == sqlite
    assert figures(str(workspace / "from-server")) == sqlite_report
    assert [kind for kind, _ in sqlite_report] == ["aid", "wishes"]


@pytest.mark.postgresql
def test_new_rows_after_the_copy_get_fresh_ids(demo: Path, url: str, server: PgConnection) -> None:
    copied = copy_ledger(demo / LEDGER_FILE, url)
    with PostgresLedger(url).run("aid validate", {}) as run:
        assert run.id == copied.run_id + 1
    identities = server.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    assert len(identities) >= 15
    for table, column in identities:
        (largest,) = server.execute(f"SELECT MAX({column}) FROM {table}").fetchone()
        (following,) = server.execute(
            "SELECT nextval(pg_get_serial_sequence(CAST(? AS TEXT), CAST(? AS TEXT)))",
            (table, column),
        ).fetchone()
        assert following == largest + 1, table


@pytest.mark.postgresql
def test_a_second_copy_is_refused_and_changes_nothing(
    workspace: Path, url: str, server: PgConnection
) -> None:
    assert copy_cli(workspace, url).exit_code == 0
    before = tables(server, sqlite=False)
    again = copy_cli(workspace, url)
    assert again.exit_code == 2
    assert "已有台账数据" in again.output and "未做任何修改" in again.output
    assert tables(server, sqlite=False) == before


@pytest.mark.postgresql
def test_a_copy_that_differs_is_rolled_back_whole(
    demo: Path, url: str, server: PgConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = PgConnection.copy_rows

    def tampered(self: PgConnection, table: str, rows: Any) -> None:
        if table == '"wishes"':  # one child's wish arrives with another amount
            rows = [(*rows[0][:9], rows[0][9] + 1, *rows[0][10:]), *rows[1:]]
        if table == '"payment_results"':  # one bank result is lost on the way
            rows = rows[1:]
        real(self, table, rows)

    monkeypatch.setattr(PgConnection, "copy_rows", tampered)
    with pytest.raises(UserError) as refused:
        copy_ledger(demo / LEDGER_FILE, url)
    assert "wishes" in refused.value.zh and "payment_results" in refused.value.zh
    assert "已全部撤销" in refused.value.zh and "aid_files" not in refused.value.zh
    (tables_left,) = server.execute(
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
    ).fetchone()
    assert tables_left == 0  # not even the migrations' tables stay
    monkeypatch.setattr(PgConnection, "copy_rows", real)
    assert copy_ledger(demo / LEDGER_FILE, url).rows > 7000  # the same target takes it now


@pytest.mark.postgresql
def test_the_password_is_never_shown_nor_stored(
    workspace: Path, url: str, server: PgConnection
) -> None:
    secret = with_password(url)
    for options in ((), ("--lang", "en"), ("--json",)):
        result = copy_cli(workspace, secret, *options)
        assert PASSWORD not in result.output
        assert result.exit_code == (0 if not options else 2), result.output
    assert "postgresql://zjk@" in result.stdout or "postgresql://zjk@" in result.output
    stored = server.execute("SELECT * FROM runs WHERE command = 'ledger copy'").fetchall()
    assert len(stored) == 1
    assert PASSWORD not in repr(stored) and "postgresql" not in repr(stored)
    assert json.loads(stored[0][3]) == [
        {"path": str(workspace / LEDGER_FILE), "sha256": file_sha256(workspace / LEDGER_FILE)}
    ]


def older_ledger(path: Path) -> Path:
    """A ledger of the version before 0008 (no wish deliveries yet), as SQLite left it."""
    conn = sqlite3.connect(path)
    for number, name, sql in ledger_db.migrations("sqlite")[:7]:
        conn.executescript(sql)
        if number == 1:
            conn.execute(
                "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2024-10-01')", (number, name))
    conn.execute(
        "INSERT INTO runs (command, arguments, inputs, started_at) VALUES "
        "('aid validate', '{}', '[]', '2024-10-01')"
    )
    conn.commit()
    conn.close()
    return path


def file_state(path: Path) -> tuple[bytes, int, list[str]]:
    """What a user would compare: the file's bytes, its time, the files beside it."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


@pytest.mark.postgresql
def test_an_older_ledger_is_copied_as_migrated_and_left_as_it_was(tmp_path: Path, url: str) -> None:
    """The migrations it lacks are applied to a copy in memory, not to the file."""
    old = older_ledger(tmp_path / "old.db")
    before = file_state(old)
    copied = copy_ledger(old, url)
    assert {t.name: t.rows for t in copied.tables}["wish_deliveries"] == 0
    assert copied.run_id == 2 and all(t.matches for t in copied.tables)
    assert file_state(old) == before and copied.source_unchanged
    assert copied.source_sha256 == file_sha256(old)
    conn = sqlite3.connect(old)
    assert conn.execute("SELECT MAX(number) FROM schema_migrations").fetchone() == (7,)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


@pytest.mark.postgresql
def test_the_source_file_is_not_touched_and_no_one_writes_meanwhile(
    workspace: Path, url: str, sqlite_workspaces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = workspace / LEDGER_FILE
    before = file_state(source)
    refused: list[str] = []
    real = copy_module._copy_table

    def and_a_writer(src: Any, conn: Any, plan: Any) -> Any:
        if plan.name == "runs":  # another command tries to write to the source mid-copy
            other = sqlite3.connect(source, timeout=0)
            try:
                other.execute(
                    "INSERT INTO runs (command, arguments, inputs, started_at) "
                    "VALUES ('aid validate', '{}', '[]', 'x')"
                )
                other.commit()
            except sqlite3.OperationalError as exc:
                refused.append(str(exc))
            finally:
                other.close()
        return real(src, conn, plan)

    monkeypatch.setattr(copy_module, "_copy_table", and_a_writer)
    result = copy_cli(workspace, url)
    assert result.exit_code == 0, result.output
    assert refused == ["database is locked"]
    assert "未改动" in result.output
    assert file_state(source) == before
    assert f"SHA-256 {file_sha256(source)[:16]}" in result.output


def test_a_source_with_changes_not_in_its_file_is_refused(tmp_path: Path) -> None:
    """A -wal with frames (a command still has the ledger open): the file's hash would
    not describe the rows, so it is not copied, and the server is never reached."""
    source = tmp_path / "busy.db"
    with Ledger(source).run("aid validate", {}):
        pass
    holder = sqlite3.connect(source)  # keeps the WAL from being folded in at close
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute(
        "INSERT INTO runs (command, arguments, inputs, started_at) "
        "VALUES ('aid validate', '{}', '[]', 'x')"
    )
    holder.commit()
    try:
        result = copy_cli(tmp_path, NO_SERVER, "--from", str(source))
        assert result.exit_code == 2, result.output
        assert "未写回文件的改动" in result.output and "busy.db-wal" in result.output
    finally:
        holder.close()


def test_a_missing_source_is_refused(tmp_path: Path) -> None:
    result = copy_cli(tmp_path, NO_SERVER)
    assert result.exit_code == 2
    assert "找不到要复制的 SQLite 台账" in result.output
    missing = copy_cli(tmp_path, NO_SERVER, "--from", str(tmp_path / "none.db"), "--lang", "en")
    assert missing.exit_code == 2 and "no SQLite ledger to copy" in missing.output


def test_a_ledger_of_a_newer_version_is_refused_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "newer.db"
    with Ledger(source).run("aid validate", {}):
        pass
    conn = sqlite3.connect(source)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')")
    conn.commit()
    conn.close()
    before = file_sha256(source)
    result = copy_cli(tmp_path, NO_SERVER, "--from", str(source))
    assert result.exit_code == 2 and "更新版本的 zjk-charity" in result.output
    assert file_sha256(source) == before


def test_the_target_must_be_a_server(tmp_path: Path) -> None:
    result = copy_cli(tmp_path, str(tmp_path / "other.db"))
    assert result.exit_code == 2 and "postgresql://" in result.output
    assert "other.db" not in result.output


@pytest.mark.parametrize(
    "to",
    [
        "host=db user=zjk password=Secr3t",  # libpq's key=value form, not a URL
        "postgresql://zjk:se%zzcret@127.0.0.1:54329/zjk",  # a bad %-escape in the password
        "postgresql://zjk:Secr3t@[::1/zjk",  # an unclosed IPv6 bracket
        "postgresql://zjk:Secr3t@127.0.0.1:port/zjk",  # a port that is not a number
    ],
)
def test_a_value_that_is_not_a_url_is_never_shown(tmp_path: Path, to: str) -> None:
    source = tmp_path / LEDGER_FILE
    with Ledger(source).run("aid validate", {}):
        pass
    for options in ((), ("--lang", "en"), ("--json",)):
        result = copy_cli(tmp_path, to, *options)
        assert result.exit_code == 2, result.output
        shown = result.output + repr(result.exception)
        for secret in ("Secr3t", "se%zzcret", "zzcret", "://host"):
            assert secret not in shown
        assert "postgresql://" in result.output  # the form that is expected


def test_the_source_is_the_workspace_file_even_when_the_ledger_is_on_a_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZJK_CHARITY_LEDGER", "postgresql://zjk@db.example/zjk")
    assert workspace_source(Workspace.open(tmp_path)) == tmp_path.resolve() / LEDGER_FILE
    monkeypatch.setenv("ZJK_CHARITY_LEDGER", "ledgers/2025.db")
    assert workspace_source(Workspace.open(tmp_path)) == tmp_path.resolve() / "ledgers/2025.db"
    # a server meant but not written as a URL is refused as by every command, unrepeated
    monkeypatch.setenv("ZJK_CHARITY_LEDGER", "host=db password=Secr3t")
    with pytest.raises(UserError) as refused:
        workspace_source(Workspace.open(tmp_path))
    assert "Secr3t" not in refused.value.zh + refused.value.en


@pytest.mark.postgresql
def test_a_row_the_server_refuses_rolls_everything_back(
    tmp_path: Path, url: str, server: PgConnection
) -> None:
    """PostgreSQL text holds no NUL character, SQLite's does: the server's refusal is one
    message naming the server, and no table is left behind."""
    source = tmp_path / "nul.db"
    with Ledger(source).run("aid validate", {}):
        pass
    conn = sqlite3.connect(source)
    conn.execute("UPDATE runs SET arguments = ?", ("a\x00b",))
    conn.commit()
    conn.close()
    with pytest.raises(UserError) as refused:
        copy_ledger(source, with_password(url))
    assert "服务器报错" in refused.value.zh and PASSWORD not in refused.value.zh
    (tables_left,) = server.execute(
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
    ).fetchone()
    assert tables_left == 0
