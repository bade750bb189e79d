"""Two commands on one workspace: the second waits with a message, never corrupts anything."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import backends
from conftest import connect_ledger, env_for, good_row, ledger_at, make_id, write_workbook


def _zjk(ws: Path, *args: str, timeout: str = "20") -> subprocess.Popen[str]:
    env = env_for(ws, {**os.environ, "ZJK_CHARITY_BUSY_TIMEOUT": timeout, "COLUMNS": "200"})
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


class _Done(Exception):
    """Ends the holding command (its run is rolled back)."""


class _Holder:
    """Another command holding the ledger (SQLite: its write transaction; PostgreSQL: the
    command lock) until :meth:`release`, then giving up without a trace. Released by the
    test, not after a fixed time: on a busy machine a second command may take seconds
    just to start, and must still find the ledger held."""

    def __init__(self, ws: Path) -> None:
        self._started, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(ws,))
        self._thread.start()
        assert self._started.wait(60), "the holder never got the ledger"

    def _hold(self, ws: Path) -> None:
        with contextlib.suppress(_Done), ledger_at(ws).run("test hold", {}):
            self._started.set()
            self._release.wait(120)
            raise _Done

    def release(self) -> None:
        self._release.set()
        self._thread.join()


def _ledger(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    book = _book(tmp_path, "张北县", 3, "130722")
    done = _zjk(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook")
    assert done.wait(60) == 0, done.communicate()
    return ws


def test_second_command_waits_with_a_message_then_runs(tmp_path: Path) -> None:
    ws = _ledger(tmp_path)
    holder = _Holder(ws)
    proc = _zjk(ws, "aid", "allocate", "--year", "2025", "--json")
    assert proc.stderr is not None
    said = proc.stderr.readline()  # the waiting message (or "" when it did not wait)
    holder.release()
    out, err = proc.communicate(timeout=60)
    err = said + err
    assert proc.returncode == 0, err
    assert "台账正被另一个命令使用" in err
    assert '"funded": 3' in out


def test_second_command_gives_up_with_exit_2_after_the_timeout(tmp_path: Path) -> None:
    ws = _ledger(tmp_path)
    holder = _Holder(ws)
    proc = _zjk(ws, "aid", "allocate", "--year", "2025", timeout="1")
    _, err = proc.communicate(timeout=60)
    holder.release()
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
    conn = connect_ledger(ws)
    if not backends.postgres():  # SQLite's own check of its file
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] == 600
    assert conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NULL").fetchone()[0] == 0
