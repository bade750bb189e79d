"""Two commands on one workspace: the second waits with a message, never corrupts anything."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import good_row, make_id, write_workbook


def _zjk(ws: Path, *args: str, timeout: str = "20") -> subprocess.Popen[str]:
    env = {**os.environ, "ZJK_CHARITY_BUSY_TIMEOUT": timeout, "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "zjk_charity", *args, "-w", str(ws)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _book(tmp_path: Path, name: str, n: int, address: str) -> Path:
    rows = [
        good_row(序号=i, 身份证号=make_id("19450101", address, f"{i:03d}"), 户号=f"{name}{i}")
        for i in range(n)
    ]
    return write_workbook(tmp_path / f"{name}.xlsx", rows)


def _hold_lock(db: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def _ledger(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    book = _book(tmp_path, "张北县", 3, "130722")
    done = _zjk(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook")
    assert done.wait(60) == 0, done.communicate()
    return ws


def test_second_command_waits_with_a_message_then_runs(tmp_path: Path) -> None:
    ws = _ledger(tmp_path)
    started = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(ws / "zjk-charity.db", 2.0, started))
    holder.start()
    started.wait()
    proc = _zjk(ws, "aid", "allocate", "--year", "2025", "--json")
    out, err = proc.communicate(timeout=60)
    holder.join()
    assert proc.returncode == 0, err
    assert "台账正被另一个命令使用" in err
    assert '"funded": 3' in out


def test_second_command_gives_up_with_exit_2_after_the_timeout(tmp_path: Path) -> None:
    ws = _ledger(tmp_path)
    started = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(ws / "zjk-charity.db", 4.0, started))
    holder.start()
    started.wait()
    proc = _zjk(ws, "aid", "allocate", "--year", "2025", timeout="1")
    _, err = proc.communicate(timeout=60)
    holder.join()
    assert proc.returncode == 2
    assert "正被其他命令占用" in err and "Traceback" not in err


def test_two_validations_at_once_both_land(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    a = _book(tmp_path, "张北县", 300, "130722")
    b = _book(tmp_path, "康保县", 300, "130723")
    first = _zjk(ws, "aid", "validate", str(a), "--year", "2025", "--no-workbook")
    second = _zjk(ws, "aid", "validate", str(b), "--year", "2025", "--no-workbook")
    assert first.wait(120) == 0, first.communicate()
    assert second.wait(120) == 0, second.communicate()
    conn = sqlite3.connect(ws / "zjk-charity.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] == 600
    assert conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NULL").fetchone()[0] == 0
