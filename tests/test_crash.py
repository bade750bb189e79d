"""SIGKILL in the middle of a command: the ledger holds the whole run or none of it.

Each command runs in a child process that is killed at several moments of its work.
Afterwards the ledger passes PRAGMA integrity_check (on SQLite), has no half-finished run record,
holds all of the run's rows or none, and no output file under its final name is
incomplete (temporary files are hidden ``.name.*`` siblings, renamed only when whole).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

import backends
from conftest import HEADERS, connect_ledger, env_for, good_row, make_id
from module_ledgers import building, copy_workspace, drop_kept_ledgers, kept_ledgers  # noqa: F401

ROWS = 6000


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "张北县.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("张北镇")
    sheet.write_row(0, 0, HEADERS)
    for i in range(ROWS):
        row = good_row(序号=i + 1)
        row["身份证号"] = make_id(f"{1930 + i // 1000}0101", "130722", f"{i % 1000:03d}")
        row["户号"] = f"H{i}"
        sheet.write_row(i + 1, 0, [str(row[h]) for h in HEADERS])
    book.close()
    return path


def _start(ws: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "zjk_charity", *args, "-w", str(ws)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env_for(ws),
    )


def _kill_after(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """SIGKILL after ``seconds``; False when the command had already finished."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def _check_ledger(ws: Path) -> Any:
    """The ledger after the kill: whole (SQLite's own check of its file; a server rolls
    back the transaction of a client that is gone), and no run record left half done."""
    conn = connect_ledger(ws)
    if not backends.postgres():
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NULL").fetchone()[0] == 0
    return conn


def _check_outputs(ws: Path) -> None:
    for path in (ws / "out").glob("*.xlsx") if (ws / "out").exists() else []:
        if not path.name.startswith("."):
            openpyxl.load_workbook(path, read_only=True).close()  # complete, or it would fail


@pytest.mark.parametrize("delay", [0.4, 1.2, 2.5])
def test_killed_validation_leaves_all_or_nothing(
    big_book: Path, tmp_path: Path, delay: float
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "zjk-charity.toml").write_text("campaign_year = 2025\n", encoding="utf-8")
    # a first, finished run so that the ledger exists and must survive
    first = _start(ws, "aid", "history", "import", str(big_book), "--year", "2024")
    assert first.wait(120) in (0, 1)
    proc = _start(ws, "aid", "validate", str(big_book))
    killed = _kill_after(proc, delay)
    conn = _check_ledger(ws)
    applicants = conn.execute("SELECT count(*) FROM applicants").fetchone()[0]
    assert applicants in (0, ROWS)
    if killed:
        runs = conn.execute("SELECT count(*) FROM runs WHERE command = 'aid validate'").fetchone()[
            0
        ]
        assert (runs, applicants) in ((0, 0), (1, ROWS))
    _check_outputs(ws)


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_killed_allocation_leaves_all_or_nothing(
    big_book: Path, tmp_path: Path, delay: float
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "zjk-charity.toml").write_text("campaign_year = 2025\n", encoding="utf-8")
    assert _start(ws, "aid", "validate", str(big_book), "--no-workbook").wait(120) in (0, 1)
    proc = _start(ws, "aid", "allocate")
    _kill_after(proc, delay)
    conn = _check_ledger(ws)
    allocations = conn.execute("SELECT count(*) FROM allocations").fetchone()[0]
    people = conn.execute("SELECT count(*) FROM allocation_people").fetchone()[0]
    assert (allocations, people) in ((0, 0), (1, ROWS))
    _check_outputs(ws)
    csvs = [p for p in (ws / "out").glob("*.csv")] if (ws / "out").exists() else []
    for path in csvs:
        assert path.read_bytes().decode("gbk").splitlines()[-1].startswith("合计")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with 8,000 wishes and 8,000 donations imported, not yet matched."""
    from benchmarks.generate_wishes import write_donations, write_wishes

    folder = tmp_path_factory.mktemp("wishes")
    ws = folder / "template"
    ws.mkdir()
    with building():
        for args in (
            ["wishes", "import", str(write_wishes(folder / "w.xlsx", 8000))],
            ["donations", "import", str(write_donations(folder / "d.xlsx", 8000))],
        ):
            assert _start(ws, *args).wait(120) in (0, 1)
    return ws


@pytest.mark.parametrize("delay", [0.5, 1.0, 2.0])
def test_killed_match_leaves_all_or_nothing(imported: Path, tmp_path: Path, delay: float) -> None:
    ws = tmp_path / "ws"
    copy_workspace(imported, ws, names=())
    proc = _start(ws, "wishes", "match", "--out", str(ws / "out" / "match.xlsx"))
    _kill_after(proc, delay)
    conn = _check_ledger(ws)
    runs = [r[0] for r in conn.execute("SELECT id FROM runs WHERE command = 'wishes match'")]
    matches = conn.execute("SELECT count(*), count(DISTINCT run_id) FROM wish_matches").fetchone()
    if runs:
        assert matches[0] > 0 and matches[1] == 1
    else:
        assert matches[0] == 0
    _check_outputs(ws)
