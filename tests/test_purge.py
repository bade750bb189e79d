"""`purge --year`: a campaign's personal data leaves the ledger file for good."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from conftest import good_row, make_id, write_workbook
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
    assert runner.invoke(app, ["aid", "finalize", "--year", "2025", "-w", str(ws)]).exit_code == 0

    forms = (ws / "out" / "申请审批表-张北县.pdf", ws / "out" / "申请审批表-2025.pdf")
    for form in forms:  # stand-ins for aid forms' PDFs: full IDs and accounts, by design
        form.write_bytes(b"%PDF-1.7\n")

    declined = runner.invoke(app, ["purge", "--year", "2025", "-w", str(ws)], input="n\n")
    assert declined.exit_code == 1 and "申请人：1 行" in declined.output
    db = ws / "zjk-charity.db"
    assert person.encode() in _raw(db)

    done = runner.invoke(app, ["purge", "--year", "2025", "--yes", "-w", str(ws)])
    assert done.exit_code == 0, done.output
    assert "分配结果-2025" in done.output  # the outputs left under out/ are named
    listed = done.output.replace("\n", "")
    assert "校验结果-张北县.xlsx" in listed  # its copy holds full IDs
    assert all(form.name in listed for form in forms)  # and so do the 申请审批表
    conn = sqlite3.connect(db)
    for table in ("applicants", "aid_findings", "aid_files", "allocations", "allocation_people"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    # the history registry is kept: next year's validation must still see the recipient
    assert conn.execute("SELECT count(*) FROM history").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM runs WHERE command = 'purge'").fetchone()[0] == 1
    conn.close()
    assert "测删除".encode() in _raw(db)  # still in the history registry (name kept there)

    gone = runner.invoke(app, ["purge", "--year", "2025", "--history", "--yes", "-w", str(ws)])
    assert gone.exit_code == 0, gone.output
    raw = _raw(db)
    assert person.encode() not in raw and "测删除".encode() not in raw


def _raw(db: Path) -> bytes:
    """The ledger's bytes on disk, write-ahead log included."""
    wal = Path(f"{db}-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_purge_wishes_removes_every_child(tmp_path: Path) -> None:
    from zjk_charity.demo import run_demo

    ws = tmp_path / "demo"
    run_demo(ws)
    db = ws / "zjk-charity.db"
    child = sqlite3.connect(db).execute("SELECT id_number FROM wishes LIMIT 1").fetchone()[0]
    assert runner.invoke(app, ["purge", "-w", str(ws)]).exit_code == 2  # nothing chosen
    done = runner.invoke(app, ["purge", "--wishes", "--yes", "-w", str(ws)])
    assert done.exit_code == 0, done.output
    conn = sqlite3.connect(db)
    for table in ("wishes", "donations", "wish_matches"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] > 0  # aid untouched
    conn.close()
    assert child.encode() not in _raw(db)
