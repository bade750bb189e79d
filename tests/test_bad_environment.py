"""Bad input or environment ends in a UserError (exit code 2), never a traceback.

Each test is a crash a black-box tester found: an odd year or settings file, an
environment variable, a key file, a ledger file or a folder argument. All data is
synthetic.
"""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backends import ledger_rows
from conftest import (
    GOOD_ID,
    HEADERS,
    connect_ledger,
    good_row,
    ledger_at,
    ledger_exists,
    run_validate,
)
from zjk_charity.cli.main import app
from zjk_charity.config import (
    MAX_YEAR,
    SETTINGS_FILE,
    Workspace,
    load_settings,
    write_default_settings,
)
from zjk_charity.demo import run_demo
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import BUSY_TIMEOUT_MS, MAX_BUSY_TIMEOUT_MS, busy_timeout_ms
from zjk_charity.reports.signing import (
    PRIVATE_FILE,
    PUBLIC_FILE,
    SIGNER_FILE,
    init_keys,
    load_public,
    load_signer,
)

runner = CliRunner()


def _refused(result: object) -> str:
    """The output of a CLI run that ended with exit code 2 and no traceback."""
    output = str(getattr(result, "output", ""))
    assert getattr(result, "exit_code", None) == 2, (output, getattr(result, "exception", None))
    assert "Traceback" not in output
    return output


def _settings(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).write_text(text, encoding="utf-8")
    return folder


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in HEADERS])
    return path


# ---------------------------------------------------------------- 1. years and the reference day


@pytest.mark.parametrize("year", ["0", "99999", "10000000000000000000000"])
def test_year_option_out_of_range_is_refused(tmp_path: Path, year: str) -> None:
    book = _csv(tmp_path / "张北县.csv", [good_row()])
    result = runner.invoke(
        app, ["aid", "validate", str(book), "--year", year, "-w", str(tmp_path / "ws")]
    )
    assert "2000–2100" in _refused(result)
    assert not ledger_exists(tmp_path / "ws")


def test_allocate_year_zero_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["aid", "allocate", "--year", "0", "-w", str(tmp_path)])
    assert "--year" in _refused(result)


@pytest.mark.parametrize("year", [0, 99999])
def test_campaign_year_setting_out_of_range_is_refused(tmp_path: Path, year: int) -> None:
    _settings(tmp_path, f"campaign_year = {year}\n")
    with pytest.raises(UserError, match="campaign_year") as caught:
        load_settings(tmp_path)
    assert "2000–2100" in caught.value.zh


def test_workspace_as_of_refuses_year_out_of_range(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path)
    with pytest.raises(UserError, match="2000–2100"):
        ws.as_of(0)
    assert ws.as_of(MAX_YEAR).year == MAX_YEAR


def test_reference_day_feb_29_is_refused_at_load(tmp_path: Path) -> None:
    _settings(tmp_path, '[aid]\nreference_day = "02-29"\n')
    with pytest.raises(UserError, match=r"aid\.reference_day") as caught:
        load_settings(tmp_path)
    assert "02-28" in caught.value.zh


def test_reference_day_with_huge_month_is_refused(tmp_path: Path) -> None:
    _settings(tmp_path, '[aid]\nreference_day = "99999999999999999999-1"\n')
    with pytest.raises(UserError, match=r"aid\.reference_day"):
        load_settings(tmp_path)


# ---------------------------------------------------------------- 2. the settings file


@pytest.mark.parametrize(
    "memo",
    ["{year}年{foo}", "{", "}", "{0}", "{}", "{year.real}", "{year[0]}", "{year:>999999999}"],
)
def test_payment_memo_that_cannot_be_filled_is_refused(tmp_path: Path, memo: str) -> None:
    _settings(tmp_path, f"[aid]\npayment_memo = {json.dumps(memo)}\n")
    with pytest.raises(UserError, match=r"aid\.payment_memo") as caught:
        load_settings(tmp_path)
    assert "{year}" in caught.value.zh


def test_allocate_with_bad_payment_memo_is_refused(tmp_path: Path) -> None:
    _settings(tmp_path, '[aid]\npayment_memo = "{year}年{foo}"\n')
    result = runner.invoke(app, ["aid", "allocate", "--year", "2025", "-w", str(tmp_path)])
    assert "payment_memo" in _refused(result)


def test_payment_memo_with_escaped_braces_is_accepted(tmp_path: Path) -> None:
    _settings(tmp_path, '[aid]\npayment_memo = "{year}年{{暖冬}}"\n')
    memo = load_settings(tmp_path).aid.payment_memo
    assert memo.format(year=2025) == "2025年{暖冬}"


def test_settings_file_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).mkdir()
    with pytest.raises(UserError, match="是文件夹"):
        load_settings(tmp_path)


def test_deeply_nested_settings_are_refused(tmp_path: Path) -> None:
    _settings(tmp_path, "a = " + "[" * 50_000 + "\n")
    with pytest.raises(UserError, match="嵌套层数过多"):
        load_settings(tmp_path)


def test_settings_not_utf8_are_refused(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_bytes('lang = "中文"\n'.encode("gbk"))
    with pytest.raises(UserError, match="UTF-8"):
        load_settings(tmp_path)


def test_settings_with_an_enormous_integer_are_refused(tmp_path: Path) -> None:
    _settings(tmp_path, "campaign_year = " + "1" * 5000 + "\n")
    with pytest.raises(UserError, match="设置文件格式错误"):
        load_settings(tmp_path)


# ---------------------------------------------------------------- 3. ZJK_CHARITY_BUSY_TIMEOUT


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf", "nan", "-1", "三十"])
def test_busy_timeout_that_is_not_seconds_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ZJK_CHARITY_BUSY_TIMEOUT", value)
    with pytest.raises(UserError, match="ZJK_CHARITY_BUSY_TIMEOUT"):
        busy_timeout_ms()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", BUSY_TIMEOUT_MS), ("2.5", 2500), ("0", 0), ("1e306", MAX_BUSY_TIMEOUT_MS)],
)
def test_busy_timeout_accepted_values(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv("ZJK_CHARITY_BUSY_TIMEOUT", value)
    assert busy_timeout_ms() == expected


def test_validate_with_infinite_busy_timeout_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZJK_CHARITY_BUSY_TIMEOUT", "inf")
    book = _csv(tmp_path / "张北县.csv", [good_row()])
    result = runner.invoke(
        app, ["aid", "validate", str(book), "--year", "2025", "-w", str(tmp_path / "ws")]
    )
    assert "ZJK_CHARITY_BUSY_TIMEOUT" in _refused(result)
    assert not ledger_exists(tmp_path / "ws")


# ---------------------------------------------------------------- 4. a SQLite file that is not ours


def _foreign_ledger(folder: Path, *statements: str) -> Path:
    """A database where the workspace's ledger would be (on PostgreSQL: its schema),
    made by ``statements``; the SQLite file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = connect_ledger(folder)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return folder / "zjk-charity.db"


def _all_migrations_claimed() -> tuple[str, ...]:
    return (
        "CREATE TABLE schema_migrations "
        "(number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        *(f"INSERT INTO schema_migrations VALUES ({n}, 'x', '2025-01-01')" for n in range(1, 100)),
    )


@pytest.mark.sqlite_only  # another program's SQLite file, left byte for byte as it was
def test_database_of_another_program_is_refused_unchanged(tmp_path: Path) -> None:
    path = _foreign_ledger(tmp_path / "ws", "CREATE TABLE runs (x)", "INSERT INTO runs VALUES (1)")
    before = path.read_bytes()
    book = _csv(tmp_path / "张北县.csv", [good_row()])
    result = runner.invoke(
        app, ["aid", "validate", str(book), "--year", "2025", "-w", str(tmp_path / "ws")]
    )
    output = _refused(result)
    assert "不是 zjk-charity 的台账" in output and "zjk-charity.db" in output
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["zjk-charity.db"]


def test_database_claiming_migrations_without_tables_is_refused(tmp_path: Path) -> None:
    path = _foreign_ledger(tmp_path, *_all_migrations_claimed())
    before = path.read_bytes() if path.exists() else None  # SQLite: the file's bytes
    ledger = ledger_at(tmp_path)
    with pytest.raises(UserError, match="不是 zjk-charity 的台账"), ledger.read():
        pass
    with pytest.raises(UserError, match="缺少表"), ledger.run("test", {}):
        pass
    if before is not None:
        assert path.read_bytes() == before
    conn = connect_ledger(tmp_path)  # nothing recorded, nothing created
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == 99
    conn.close()


@pytest.mark.parametrize(
    "command", [["aid", "history"], ["wishes", "status"], ["aid", "allocate", "--year", "2025"]]
)
def test_commands_refuse_a_ledger_without_tables(tmp_path: Path, command: list[str]) -> None:
    _foreign_ledger(tmp_path, *_all_migrations_claimed())
    result = runner.invoke(app, [*command, "-w", str(tmp_path)])
    assert "不是 zjk-charity 的台账" in _refused(result)


def test_our_own_ledger_still_opens(tmp_path: Path) -> None:
    run_validate(tmp_path, _csv(tmp_path / "张北县.csv", [good_row()]))
    with ledger_at(tmp_path / "ws").read() as conn:
        assert conn is not None
        assert conn.execute("SELECT COUNT(*) FROM applicants").fetchone()[0] == 1


# ---------------------------------------------------------------- 5. key files


def _der(tag: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


_UNKNOWN_OID = _der(0x06, bytes([0x2A, 0x03, 0x04]))  # 1.2.3.4: no key type


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der)
    return f"-----BEGIN {label}-----\n".encode() + body + f"-----END {label}-----\n".encode()


def test_public_key_of_unknown_algorithm_is_refused(tmp_path: Path) -> None:
    spki = _der(0x30, _der(0x30, _UNKNOWN_OID) + _der(0x03, b"\x00" + b"\x01" * 32))
    path = tmp_path / PUBLIC_FILE
    path.write_bytes(_pem("PUBLIC KEY", spki))
    with pytest.raises(UserError, match="不是 Ed25519 公钥") as caught:
        load_public(path)
    assert str(path) in caught.value.zh


def test_private_key_of_unknown_algorithm_is_refused(tmp_path: Path) -> None:
    pkcs8 = _der(
        0x30,
        _der(0x02, b"\x00") + _der(0x30, _UNKNOWN_OID) + _der(0x04, _der(0x04, b"\x01" * 32)),
    )
    (tmp_path / PRIVATE_FILE).write_bytes(_pem("PRIVATE KEY", pkcs8))
    with pytest.raises(UserError, match="不是 Ed25519 私钥") as caught:
        load_signer(tmp_path)
    assert PRIVATE_FILE in caught.value.zh


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        "测甲".encode("gbk"),
        b'["\xe6\xb5\x8b\xe7\x94\xb2"]',
        b'{"name": 1}',
        b"[" * 100_000,
    ],
    ids=["not-json", "not-utf8", "list", "name-not-text", "deep"],
)
def test_bad_signer_file_is_refused(tmp_path: Path, content: bytes) -> None:
    keys = tmp_path / "keys"
    init_keys(keys, "测甲", "经办人")
    (keys / SIGNER_FILE).write_bytes(content)
    with pytest.raises(UserError, match=SIGNER_FILE):
        load_signer(keys)


def test_good_signer_file_still_loads(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_keys(keys, "测甲", "经办人")
    _key, signer = load_signer(keys)
    assert (signer.name, signer.role) == ("测甲", "经办人")
    (keys / SIGNER_FILE).unlink()
    assert load_signer(keys)[1].name == ""


# ---------------------------------------------------------------- 6. folder arguments


def test_init_on_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert "afile" in _refused(runner.invoke(app, ["init", str(afile)]))
    assert "afile" in _refused(runner.invoke(app, ["init", str(afile / "sub")]))
    assert afile.read_text(encoding="utf-8") == "x"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_init_in_proc_is_refused() -> None:
    with pytest.raises(UserError, match="/proc/x"):
        write_default_settings(Path("/proc/x"))


def test_demo_out_on_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="afile"):
        run_demo(afile)
    with pytest.raises(UserError, match="afile"):
        run_demo(afile / "sub")
    assert afile.read_text(encoding="utf-8") == "x"


# ---------------------------------------------------------------- 7. an age that is no number of years


@pytest.mark.parametrize("age", ["inf", "-inf", "1e400", "9" * 400, "nan"])
def test_a_stated_age_that_cannot_be_compared_is_an_invalid_value(tmp_path: Path, age: str) -> None:
    book = _csv(tmp_path / "张北县.csv", [good_row(年龄=age)])
    result = run_validate(tmp_path, book)
    found = [(f.column, f.code) for f in result.findings]
    assert found == [("年龄", "INVALID_VALUE")]
    assert result.applicants[0].id_number == GOOD_ID


@pytest.mark.parametrize("age", ["150", "1e300", "-5", "151", "85.0"])
def test_a_finite_stated_age_is_still_compared(tmp_path: Path, age: str) -> None:
    # aid.md: a stated age that differs from the ID's is a warning, however far off
    book = _csv(tmp_path / "张北县.csv", [good_row(年龄=age)])
    found = [(f.column, f.code) for f in run_validate(tmp_path, book).findings]
    assert ("年龄", "INVALID_VALUE") not in found
    assert (("年龄", "AGE_MISMATCH") in found) == (age != "85.0")


def test_history_import_refuses_a_year_out_of_range(tmp_path: Path) -> None:
    book = _csv(tmp_path / "2024名单.csv", [good_row()])
    result = CliRunner().invoke(
        app, ["aid", "history", "import", str(book), "--year", "0", "-w", str(tmp_path / "ws")]
    )
    assert result.exit_code == 2 and "2000" in result.output


@pytest.mark.sqlite_only  # the SQLite file's folder cannot be made
def test_a_workspace_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    ledger = Ledger(blocker / "ws" / "zjk-charity.db")  # a folder under a file
    with pytest.raises(UserError, match="无法在"), ledger.run("test", {}, []):
        pass


# ---------------------------------------------------------------- 7. a ledger server

PASSWORD = "Mi-Ma-7788"  # synthetic; must never be shown or stored


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://minzheng:{PASSWORD}@127.0.0.1:1/zjk",  # nothing listens on port 1
        f"postgresql://minzheng@127.0.0.1:1/zjk?password={PASSWORD}",
    ],
)
@pytest.mark.parametrize(
    "command",
    [["aid", "history"], ["aid", "validate"], ["purge", "--year", "2025", "--yes"]],
    ids=" ".join,
)
def test_a_server_that_cannot_be_reached_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, command: list[str]
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("ZJK_CHARITY_LEDGER", url)
    if command == ["aid", "validate"]:
        command = [*command, str(_csv(tmp_path / "张北县.csv", [good_row()])), "--year", "2025"]
    ws = tmp_path / "ws"
    output = _refused(runner.invoke(app, [*command, "-w", str(ws)]))
    assert "无法连接台账服务器 postgresql://minzheng@127.0.0.1:1/zjk" in output
    assert "ZJK_CHARITY_LEDGER" in output and PASSWORD not in output
    english = _refused(runner.invoke(app, [*command, "-w", str(ws), "--lang", "en"]))
    assert "cannot connect to the ledger server postgresql://minzheng@127.0.0.1:1/zjk" in english
    assert PASSWORD not in english
    assert not (ws / "zjk-charity.db").exists()  # no SQLite file made instead


def _with_password(url: str) -> str:
    """``url`` (this run's server, with its schema) with a password after the user."""
    scheme, _, rest = url.partition("://")
    user, at, host = rest.partition("@")
    assert at, "the test server's URL names its user"
    return f"{scheme}://{user}:{PASSWORD}@{host}"


@pytest.mark.postgresql
def test_a_password_in_the_server_address_is_never_shown_or_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials come from the URL but go nowhere: not into any output (messages, JSON,
    the purge plan naming the ledger) nor into the ledger's run records."""
    import backends

    ws = tmp_path / "ws"
    url = _with_password(str(backends.target(ws)))
    monkeypatch.setenv("ZJK_CHARITY_LEDGER", url)
    book = _csv(tmp_path / "张北县.csv", [good_row()])
    outputs = []
    for command in (
        ["aid", "validate", str(book), "--year", "2025", "--json"],
        ["aid", "allocate", "--year", "2025", "--no-workbook"],
        ["aid", "history", "--json"],
        ["purge", "--year", "2025", "--yes"],
    ):
        result = runner.invoke(app, [*command, "-w", str(ws)])
        assert result.exit_code in (0, 1), result.output
        outputs.append(result.output)
    assert "将从 postgresql://" in outputs[-1]  # the purge names the ledger
    assert not any(PASSWORD in output for output in outputs)
    stored = repr(ledger_rows(ws))
    assert "aid validate" in stored and PASSWORD not in stored


@pytest.mark.postgresql
def test_a_connection_lost_mid_command_is_a_message_and_leaves_the_ledger_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server goes away while ``aid allocate`` writes: exit 2 with a message naming
    the server, no traceback, and the ledger as it was (the server rolled back)."""
    from zjk_charity.ledger.postgres import PgConnection

    ws = tmp_path / "ws"
    book = _csv(tmp_path / "张北县.csv", [good_row()])
    args = ["aid", "validate", str(book), "--year", "2025", "--no-workbook", "-w", str(ws)]
    assert runner.invoke(app, args).exit_code == 0
    before = repr(ledger_rows(ws))

    def dropped(self: PgConnection, table: str, rows: object) -> None:
        self.raw.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(PgConnection, "copy_rows", dropped)
    result = runner.invoke(app, ["aid", "allocate", "--year", "2025", "-w", str(ws)])
    output = _refused(result)
    assert "与台账服务器 postgresql://" in output and "连接中断" in output
    assert "台账未作任何修改" in output
    monkeypatch.undo()
    assert repr(ledger_rows(ws)) == before
    assert not list(ws.glob("out/分配结果*"))  # nothing written for the lost command
