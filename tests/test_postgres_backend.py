"""The PostgreSQL ledger's own machinery (ledger/postgres.py): the SQL the stores write
for SQLite runs unchanged, messages never show a password, a failed first command leaves
the schema empty, and readers neither create a ledger nor see half a command."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from backends import connect_ledger, target
from zjk_charity.errors import UserError
from zjk_charity.ledger.postgres import (
    PgRow,
    PostgresLedger,
    connect,
    safe_url,
    server_error,
    translate,
)


def test_placeholders_become_psycopgs_and_percent_signs_stay_themselves() -> None:
    assert translate("SELECT a FROM t WHERE b = ? AND c LIKE ?") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE %s"
    )
    assert translate("SELECT '100%' WHERE x = ?") == "SELECT '100%%' WHERE x = %s"
    assert translate("SELECT a -- why?\nFROM t WHERE b = ?") == (
        "SELECT a -- why?\nFROM t WHERE b = %s"
    )
    # a question mark inside a literal or a quoted name is text, not a parameter
    assert translate("SELECT 'why?', \"a?\" FROM t WHERE y = ?") == (
        "SELECT 'why?', \"a?\" FROM t WHERE y = %s"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://clerk:s3cret@10.0.0.5:5432/zjk", "postgresql://clerk@10.0.0.5:5432/zjk"),
        (
            "postgresql://clerk@db/zjk?password=s3cret&sslmode=require",
            "postgresql://clerk@db/zjk?sslmode=require",
        ),
        ("postgresql:///zjk?service=city", "postgresql:///zjk?service=city"),
    ],
)
def test_a_ledger_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert safe_url(url) == shown
    assert "s3cret" not in PostgresLedger(url).where


def test_a_row_is_read_by_index_or_by_name() -> None:
    row = PgRow((7, "张三"), {"id": 0, "name": 1})
    assert row[0] == row["id"] == 7 and row["name"] == "张三"
    assert row == (7, "张三") and row.keys() == ["id", "name"]
    id_, name = row
    assert (id_, name) == (7, "张三")


def test_a_server_that_cannot_be_reached_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(UserError) as caught:
        connect("postgresql://clerk:s3cret@127.0.0.1:1/zjk?connect_timeout=2")
    assert "127.0.0.1:1" in caught.value.zh and "无法连接台账服务器" in caught.value.zh
    assert "s3cret" not in caught.value.zh + caught.value.en


def _ledger(tmp_path: Path) -> PostgresLedger:
    url = target(tmp_path)
    assert isinstance(url, str)
    return PostgresLedger(url)


def _tables(tmp_path: Path) -> set[str]:
    conn = connect_ledger(tmp_path)
    try:
        return {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
    finally:
        conn.close()


@pytest.mark.postgresql
def test_a_failed_first_command_leaves_the_schema_as_it_was(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    with pytest.raises(RuntimeError), ledger.run("aid validate", {}):
        raise RuntimeError("the command failed")
    assert _tables(tmp_path) == set() and not ledger.exists
    with ledger.read() as conn:
        assert conn is None  # reading creates nothing
    assert _tables(tmp_path) == set()


@pytest.mark.postgresql
def test_a_reader_sees_a_command_whole_or_not_at_all(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    with ledger.run("first", {}):
        pass
    inside = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with ledger.run("second", {}) as run:
            run.conn.execute("UPDATE runs SET result = ? WHERE command = ?", ('{"n": 1}', "first"))
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(10)
        with ledger.read() as conn:  # does not wait for the writer
            assert conn is not None
            commands = [r["command"] for r in conn.execute("SELECT command FROM runs ORDER BY id")]
            assert commands == ["first"]
    finally:
        release.set()
        thread.join()
    with ledger.read() as conn:
        assert conn is not None
        assert [r[0] for r in conn.execute("SELECT command FROM runs ORDER BY id")] == [
            "first",
            "second",
        ]


@pytest.mark.postgresql
def test_two_first_commands_at_once_both_run_on_one_set_of_tables(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    errors: list[BaseException] = []

    def command(name: str) -> None:
        try:
            with ledger.run(name, {}, parallel=True):
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=command, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with ledger.read() as conn:
        assert conn is not None
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
        numbers = [r[0] for r in conn.execute("SELECT number FROM schema_migrations")]
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


@pytest.mark.postgresql
def test_a_schema_holding_another_programs_tables_is_refused_untouched(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    conn = connect_ledger(tmp_path)
    try:
        conn.execute("CREATE TABLE accounts (x INTEGER)")
        conn.execute("INSERT INTO accounts VALUES (?)", (1,))
    finally:
        conn.close()
    with pytest.raises(UserError) as caught, ledger.run("aid validate", {}):
        pass
    assert "不是 zjk-charity 的台账" in caught.value.zh and "schema" in caught.value.zh
    assert "移走" not in caught.value.zh  # a server's schema is not a file to move
    assert _tables(tmp_path) == {"accounts"}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://zjk:se%zzcret@127.0.0.1:1/zjk",  # a bad percent-escape, quoted back
        "postgresql://zjk:secret@[::1/zjk",  # no URL parser accepts it
        "postgresql://zjk@127.0.0.1:1/zjk?password=secret&connect_timeout=2",
    ],
)
def test_no_password_is_shown_for_an_address_that_cannot_be_used(url: str) -> None:
    with pytest.raises(UserError) as caught:
        connect(url)
    text = caught.value.zh + caught.value.en + safe_url(url)
    assert "secret" not in text and "se%zz" not in text


class _Diag:
    def __init__(self, state: str) -> None:
        self.sqlstate = state


class _Refusal(Exception):
    def __init__(self, state: str, words: str) -> None:
        super().__init__(words)
        self.diag = _Diag(state)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("08006", "与台账服务器 postgresql://clerk@db/zjk 的连接中断"),
        ("57014", "取消了本命令"),
        ("40P01", "冲突"),
        ("22003", "拒绝了本命令的数据"),
        ("XX000", "报错"),
    ],
)
def test_a_servers_refusal_says_what_happened_and_that_nothing_changed(
    state: str, words: str
) -> None:
    error = server_error(_Refusal(state, "value out of range"), "postgresql://clerk@db/zjk")
    assert words in error.zh and "台账未作任何修改" in error.zh
    assert state in error.zh and "value out of range" in error.en


def test_stores_get_new_ids_without_returning_which_older_sqlite_lacks() -> None:
    """RETURNING came in SQLite 3.35; a new row's id comes from ledger.db.insert_id."""
    package = Path(__file__).resolve().parents[1] / "src" / "zjk_charity"
    allowed = {"ledger/postgres.py", "ledger/copy.py", "ledger/db.py"}
    found = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "RETURNING" in p.read_text(encoding="utf-8")
        and str(p.relative_to(package)) not in allowed
    ]
    assert found == []


@pytest.mark.postgresql
def test_a_schema_that_does_not_exist_is_named_in_a_clear_error(tmp_path: Path) -> None:
    url = target(tmp_path)
    assert isinstance(url, str)
    ledger = PostgresLedger(url.replace("search_path%3D", "search_path%3Dnosuch"))
    with pytest.raises(UserError) as caught, ledger.run("aid validate", {}):
        pass
    assert "没有地址所指的 schema" in caught.value.zh and "nosuch" in caught.value.zh


@pytest.mark.postgresql
def test_a_gift_above_two_billion_fen_is_kept_as_on_sqlite(tmp_path: Path) -> None:
    """Amounts are fen up to 10**12 (wishes.amounts): a 64-bit column on both."""
    ledger = _ledger(tmp_path)
    with ledger.run("donations import", {}) as run:
        run.conn.execute(
            "INSERT INTO donations (donation_id, donor, kind, amount, received, file, sheet, "
            "row, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("JZ1", "示例基金会", "资金", 3_000_000_000, "2025-10-01", "d.xlsx", "捐赠", 2, run.id),
        )
    with ledger.read() as conn:
        assert conn is not None
        assert conn.execute("SELECT sum(amount) FROM donations").fetchone()[0] == 3_000_000_000


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://zjk:p?ss@db/zjk",  # libpq takes the user part to the first '@'
        "postgresql://zjk:p#ss@db/zjk",
        "postgresql://zjk:se/cret@db/zjk",
        "postgresql://zjk@db/zjk?password=sec&ret=1",
        "host=db user=zjk password=secret",  # a libpq keyword string
    ],
)
def test_a_password_with_any_character_is_never_shown(url: str) -> None:
    shown = safe_url(url)
    for part in ("p?ss", "p#ss", "se/cret", "secret", "sec&"):
        assert part not in shown, shown


def test_data_the_driver_refuses_is_not_called_a_lost_connection() -> None:
    import psycopg

    error = server_error(psycopg.DataError("text fields cannot contain NUL (0x00) bytes"))
    assert "拒绝了本命令的数据" in error.zh and "连接中断" not in error.zh
    lost = server_error(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert "连接中断" in lost.zh
