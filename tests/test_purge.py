"""`purge --year`: a campaign's personal data leaves the ledger file for good."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

import backends
from backends import ledger_rows
from conftest import (
    bank_result,
    batch_rows,
    connect_ledger,
    good_row,
    make_account,
    make_id,
    write_workbook,
)
from test_allocation import _people
from test_wishes_support import donation_row, donations_book, wish_row, wishes_book
from zjk_charity.cli.main import app

runner = CliRunner()


def test_purge_asks_then_deletes_and_vacuums(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    person = make_id("19450101", "130722", "517")
    book = write_workbook(tmp_path / "张北县.xlsx", [good_row(身份证号=person, 姓名="测删除")])
    assert (
        runner.invoke(
            app, ["aid", "validate", str(book), "--year", "2025", "-w", str(ws)]
        ).exit_code
        == 0
    )
    allocated = runner.invoke(app, ["aid", "allocate", "--year", "2025", "--json", "-w", str(ws)])
    assert json.loads(allocated.stdout)["funded"] == 1
    _pay_everyone(ws, tmp_path)  # finalize records the people whose money arrived
    assert runner.invoke(app, ["aid", "finalize", "--year", "2025", "-w", str(ws)]).exit_code == 0

    forms = (ws / "out" / "申请审批表-张北县.pdf", ws / "out" / "申请审批表-2025.pdf")
    for form in forms:  # stand-ins for aid forms' PDFs: full IDs and accounts, by design
        form.write_bytes(b"%PDF-1.7\n")

    declined = runner.invoke(app, ["purge", "--year", "2025", "-w", str(ws)], input="n\n")
    assert declined.exit_code == 1 and "申请人：1 行" in declined.output
    assert person.encode() in _stored(ws)

    done = runner.invoke(app, ["purge", "--year", "2025", "--yes", "-w", str(ws)])
    assert done.exit_code == 0, done.output
    if backends.postgres():  # a server's VACUUM frees space; its log and backups are its own
        assert "VACUUM" in done.output and "服务器管理员" in done.output
        assert "台账文件" not in done.output
    else:
        assert "已压缩台账文件使其不可恢复" in done.output
    assert "分配结果-2025" in done.output  # the outputs left under out/ are named
    listed = done.output.replace("\n", "")
    assert "校验结果-张北县.xlsx" in listed  # its copy holds full IDs
    assert all(form.name in listed for form in forms)  # and so do the 申请审批表
    assert "P2025-001-basic.csv" in listed  # the bank file: names and accounts
    conn = connect_ledger(ws)
    for table in (*AID_TABLES, *PAYOUT_TABLES):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    # the history registry is kept: next year's validation must still see the recipient
    assert conn.execute("SELECT count(*) FROM history").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM runs WHERE command = 'purge'").fetchone()[0] == 1
    conn.close()
    assert "测删除".encode() in _stored(ws)  # still in the history registry (name kept there)

    gone = runner.invoke(app, ["purge", "--year", "2025", "--history", "--yes", "-w", str(ws)])
    assert gone.exit_code == 0, gone.output
    raw = _stored(ws)
    assert person.encode() not in raw and "测删除".encode() not in raw


AID_TABLES = ("applicants", "aid_findings", "aid_files", "allocations", "allocation_people")
PAYOUT_TABLES = (
    "aid_changes",
    "payment_batches",
    "payment_instructions",
    "payment_results",
    "payee_accounts",
)


def cli(ws: Path, *args: str, year: int = 2025) -> Any:
    result = runner.invoke(app, [*args, "--year", str(year), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    return result


def _pay_everyone(ws: Path, tmp_path: Path) -> None:
    cli(ws, "aid", "pay")
    answer = bank_result(ws / "out" / "P2025-001-basic.csv", tmp_path / "回盘.xlsx")
    cli(ws, "aid", "payments", "import", str(answer))


def _rows_of_year(ws: Path, year: int) -> dict[str, int]:
    """Rows of the payout tables that belong to the year's campaign."""
    conn = connect_ledger(ws)
    of_year = "allocation_id IN (SELECT id FROM allocations WHERE year = ?)"
    try:
        found = {
            t: conn.execute(f"SELECT count(*) FROM {t} WHERE year = ?", (year,)).fetchone()[0]
            for t in ("payment_batches", "payment_instructions", "payee_accounts")
        }
        found["payment_results"] = conn.execute(
            "SELECT count(*) FROM payment_results r JOIN payment_instructions i "
            "ON i.id = r.instruction_id WHERE i.year = ?",
            (year,),
        ).fetchone()[0]
        found["aid_changes"] = conn.execute(
            f"SELECT count(*) FROM aid_changes WHERE {of_year}", (year,)
        ).fetchone()[0]
        # Every result row belongs to an instruction: none is left orphaned by a purge.
        found["orphans"] = conn.execute(
            "SELECT count(*) FROM payment_results WHERE instruction_id NOT IN "
            "(SELECT id FROM payment_instructions)"
        ).fetchone()[0]
    finally:
        conn.close()
    return found


def test_purge_takes_the_years_payments_and_changes_and_keeps_other_years(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "ws"
    people = _people(4)
    for i, row in enumerate(people):  # accounts of 2025's people only
        row["银行账号"] = make_account(prefix=f"62284{i}")
    cli(ws, "aid", "validate", str(write_workbook(tmp_path / "张北县.xlsx", people)))
    allocated = cli(ws, "aid", "allocate", "--budget", "3000", "--json", "--no-workbook")
    funded = [r["id"] for r in json.loads(allocated.stdout)["recipients"]]
    cli(ws, "aid", "withdraw", funded[0], "--reason", "放弃")  # the 4th takes the place
    cli(ws, "aid", "notice", "--supplement")
    cli(ws, "aid", "pay")
    batch = ws / "out" / "P2025-001-basic.csv"
    accounts = [r["账号"] for r in batch_rows(batch)]
    failures = {1: ("失败", "账户已销户"), 2: ("失败", "户名不符")}
    cli(ws, "aid", "payments", "import", str(bank_result(batch, tmp_path / "r.xlsx", failures)))
    failed = [p["id"] for p in _status(ws)["people"] if p["state"] == "failed"]
    fix = openpyxl.Workbook()
    fix.active.append(["身份证号", "银行账号"])
    fix.active.append([failed[0], NEW_ACCOUNT])
    fix.save(tmp_path / "fix.xlsx")
    cli(ws, "aid", "accounts", "update", str(tmp_path / "fix.xlsx"))
    cli(ws, "aid", "cash", "sheet")  # the other one is paid in cash

    # 2026: other people, allocated and paid; a purge of 2025 must leave them alone.
    others = _people(2, "康保县", "130723", start=50)
    later = write_workbook(tmp_path / "康保县.xlsx", others)
    cli(ws, "aid", "validate", str(later), year=2026)
    cli(ws, "aid", "allocate", "--no-workbook", year=2026)
    cli(ws, "aid", "pay", year=2026)

    before = _rows_of_year(ws, 2025)
    assert all(before[t] for t in PAYOUT_TABLES), before  # the story filled every table
    kept = _rows_of_year(ws, 2026)
    outputs = sorted(p.name for p in (ws / "out").rglob("*2025*") if p.is_file())
    assert any(n.startswith("领取表-C2025") for n in outputs)
    assert any(n.startswith("失败名单-P2025") for n in outputs)
    assert any(n.startswith("补充公示-2025") for n in outputs)

    done = runner.invoke(app, ["purge", "--year", "2025", "--yes", "-w", str(ws)])
    assert done.exit_code == 0, done.output
    assert _rows_of_year(ws, 2025) == dict.fromkeys([*PAYOUT_TABLES, "orphans"], 0)
    assert _rows_of_year(ws, 2026) == kept
    listed = done.output.replace("\n", "")
    assert all(name in listed for name in outputs)  # every printed file is named
    raw = _stored(ws)
    withdrawn = funded[0]  # never paid, so not in the history registry either
    assert len(set(accounts)) == 3
    for number in (withdrawn, NEW_ACCOUNT, *accounts):
        assert number.encode() not in raw, number


NEW_ACCOUNT = "6217000000000000129"  # Luhn-valid


def _status(ws: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cli(ws, "aid", "payments", "status", "--json").stdout)
    return document


def _stored(ws: Path) -> bytes:
    """What the ledger keeps, as bytes. On SQLite the file on disk, write-ahead log
    included: a purged row must be gone from the file, not just unlinked. On PostgreSQL,
    whose files are the server's, the text of every row of every table of the ledger."""
    if not backends.postgres():
        db = ws / "zjk-charity.db"
        wal = Path(f"{db}-wal")
        return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    return repr(ledger_rows(ws)).encode()


def test_purge_wishes_removes_every_child(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    book = write_workbook(tmp_path / "张北县.xlsx", [good_row()])
    cli(ws, "aid", "validate", str(book))
    wishes = wishes_book(tmp_path / "心愿.xlsx", [wish_row(n) for n in range(1, 4)])
    gifts = donations_book(tmp_path / "捐赠.xlsx", [donation_row(n) for n in range(1, 3)])
    for command in (["wishes", "import", str(wishes)], ["donations", "import", str(gifts)]):
        assert runner.invoke(app, [*command, "-w", str(ws)]).exit_code == 0
    assert runner.invoke(app, ["wishes", "match", "--no-workbook", "-w", str(ws)]).exit_code == 0
    _a_wish_payment(ws)
    child = wish_row(1)["身份证号"]
    assert child.encode() in _stored(ws)
    assert runner.invoke(app, ["purge", "-w", str(ws)]).exit_code == 2  # nothing chosen
    done = runner.invoke(app, ["purge", "--wishes", "--yes", "-w", str(ws)])
    assert done.exit_code == 0, done.output
    conn = connect_ledger(ws)
    for table in ("wishes", "donations", "wish_matches", *PAYOUT_TABLES):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] > 0  # aid untouched
    conn.close()
    raw = _stored(ws)
    assert child.encode() not in raw and WISH_ACCOUNT.encode() not in raw


WISH_ACCOUNT = "6217000010000000995"


def _a_wish_payment(ws: Path) -> None:
    """A paid 资金 wish as the shared payments store keeps it (purpose 'wishes')."""
    conn = connect_ledger(ws)
    with conn:
        run = conn.execute(
            "INSERT INTO runs (command, arguments, inputs, started_at) "
            "VALUES ('wishes pay', '{}', '[]', '2025-05-01T09:00:00+08:00') RETURNING id"
        ).fetchone()[0]
        batch = conn.execute(
            "INSERT INTO payment_batches (code, purpose, year, method, count, amount, files, "
            "run_id) VALUES ('W2025-001', 'wishes', 2025, 'bank', 1, '300.00', '[]', ?) "
            "RETURNING id",
            (run,),
        ).fetchone()[0]
        instruction = conn.execute(
            "INSERT INTO payment_instructions (batch_id, line, purpose, year, payee, name, "
            "account, amount, state) VALUES (?, 1, 'wishes', 2025, 'W0001', '测监护', ?, "
            "'300.00', 'paid') RETURNING id",
            (batch, WISH_ACCOUNT),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO payment_results (instruction_id, run_id, file, sha256, sheet, row, "
            "status) VALUES (?, ?, 'r.xlsx', 'x', 'Sheet1', 2, 'success')",
            (instruction, run),
        )
        conn.execute(
            "INSERT INTO payee_accounts (purpose, year, payee, name, account, bank, run_id) "
            "VALUES ('wishes', 2025, 'W0001', '测监护', ?, '农业银行', ?)",
            (WISH_ACCOUNT, run),
        )
    conn.close()
