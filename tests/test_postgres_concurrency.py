"""Several offices on one PostgreSQL ledger at once (issue 19): the ledger stays whole.

Four counties validate their application workbooks, the city allocates the 2025 places
and the 2024 bank result file is imported, all started together as separate processes
running the real CLI against ONE schema. Afterwards the ledger must hold what some
one-after-another order of the same commands would have left:

- every run record finished, with an allowed outcome (a process that could not get the
  ledger in time failed cleanly: exit 2, a message, no traceback);
- each validated file's applicants stored exactly once (its rows, no more);
- the campaign-wide findings (duplicates across files, shared households …) equal those
  of a second ledger where the same files were validated one after another, in the
  order the concurrent ledger recorded them;
- the allocation drew on exactly the files validated before it (its people = their
  applicants) and funds min(places, eligible), its funded rows adding up;
- the 2024 payment instructions in the states the bank's file gives, none paid twice.

Whether the validates really overlapped is watched in ``pg_locks`` (how many held the
ledger's shared command lock at once) and printed, not asserted: on two shared cores
the scheduler may serialize them in any one scenario.

``ZJK_CHARITY_CONCURRENCY_RUNS`` (default 3) sets how many scenarios run;
``scripts/postgres_concurrency.py`` runs 20.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import bank_result, connect_ledger, env_for, write_workbook
from test_allocation import _people
from zjk_charity.cli.main import app
from zjk_charity.ledger.postgres import COMMANDS, WRITES

pytestmark = pytest.mark.postgresql

RUNS = int(os.environ.get("ZJK_CHARITY_CONCURRENCY_RUNS", "3"))
ROWS = 150  # per county workbook
PLACES = 300  # --budget 300000 at 1000 yuan: fewer places than eligible applicants
# The four counties validating at once (name, address code, first person's number).
COUNTIES = [("张北县", "130722", 0), ("康保县", "130723", 200), ("沽源县", "130724", 400)]
COUNTIES += [("尚义县", "130725", 600)]
HEAD_START = 0.8  # seconds: about the import's extra start-up time on a quiet machine
BANK_OUTCOMES = {2: ("失败", "账户已销户"), 4: ("处理中", "")}
WAITING = "台账正被另一个命令使用"
BUSY = "正被其他命令占用"

runner = CliRunner()


def cli(ws: Path, *args: str) -> Any:
    result = runner.invoke(app, [*args, "-w", str(ws)])
    assert result.exit_code in (0, 1), result.output
    return result


def _county_book(folder: Path, index: int) -> Path:
    """A county's 2025 workbook; its last row is the next county's first person again
    (same ID, account and household), so DUPLICATE_PERSON and friends cross files and
    depend on the order the files were validated in."""
    name, address, start = COUNTIES[index]
    rows = _people(ROWS - 1, name, address, start)
    next_name, next_address, next_start = COUNTIES[(index + 1) % len(COUNTIES)]
    twin = _people(1, next_name, next_address, next_start)[0]
    rows.append({**twin, "序号": ROWS})
    return write_workbook(folder / f"{name}.xlsx", rows)


@dataclass
class Scenario:
    ws: Path
    books: list[Path]  # the four county workbooks validated at once
    earlier: Path  # 2025 workbook validated before (蔚县), so allocate always has people
    bank_file: Path  # the bank's answer to P2024-001


def _prepare(tmp_path: Path) -> Scenario:
    """2024: validated, allocated, paid (bank file P2024-001 and its result); 2025: one
    county validated. The 2025 commands and the 2024 import then touch different rows."""
    ws = tmp_path / "ws"
    old = _people(6, "怀安县", "130728", 900)
    old = [{**row, "申请日期": "2024-10-08"} for row in old]
    old_book = write_workbook(tmp_path / "怀安县-2024.xlsx", old)
    cli(ws, "aid", "validate", str(old_book), "--year", "2024", "--no-workbook")
    cli(ws, "aid", "allocate", "--year", "2024", "--budget", "6000", "--no-workbook")
    cli(ws, "aid", "pay", "--year", "2024")
    batch = ws / "out" / "P2024-001-basic.csv"
    bank_file = bank_result(batch, tmp_path / "回盘-P2024-001.xlsx", BANK_OUTCOMES)
    earlier = write_workbook(tmp_path / "蔚县.xlsx", _people(ROWS, "蔚县", "130726", 800))
    cli(ws, "aid", "validate", str(earlier), "--year", "2025", "--no-workbook")
    books = [_county_book(tmp_path, i) for i in range(len(COUNTIES))]
    return Scenario(ws, books, earlier, bank_file)


def _start(ws: Path, *args: str) -> subprocess.Popen[str]:
    env = env_for(ws)
    env.update(ZJK_CHARITY_BUSY_TIMEOUT="120", COLUMNS="200")
    return subprocess.Popen(
        [sys.executable, "-m", "zjk_charity", *args, "-w", str(ws)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


class SharedHolders(threading.Thread):
    """Polls pg_locks: the most processes seen holding the ledger's command lock shared
    (``aid validate`` reading and checking beside another) at one moment."""

    def __init__(self, ws: Path) -> None:
        super().__init__(daemon=True)
        self.conn = connect_ledger(ws)
        (self.schema,) = self.conn.execute("SELECT current_schema()").fetchone()
        self.most = 0
        self.stop = threading.Event()

    def run(self) -> None:
        query = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND mode = 'ShareLock' AND objsubid = 2 AND objid = CAST(? AS INTEGER) "
            "AND classid = CAST(hashtext(CAST(? AS TEXT)) & 4294967295 AS OID)"
        )
        try:
            while not self.stop.is_set():
                (held,) = self.conn.execute(query, (COMMANDS, self.schema)).fetchone()
                self.most = max(self.most, int(held))
                time.sleep(0.003)
        finally:
            self.conn.close()


@dataclass
class Outcome:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def ran(self) -> bool:
        """It did its work (exit 1 is validate's "the files have errors")."""
        return self.code in (0, 1)


def _run_together(s: Scenario, attempt: int) -> tuple[list[Outcome], int]:
    """All six at once; in every second and third scenario the import or the allocate
    gets a head start (it loads more before it asks for the ledger, so started together
    it comes last): the exclusive commands then hold the ledger while validates wait."""
    commands: list[tuple[str, ...]] = [
        ("aid", "validate", str(book), "--year", "2025", "--no-workbook", "--json")
        for book in s.books
    ]
    commands.append(("aid", "allocate", "--year", "2025", "--budget", "300000", "--no-workbook"))
    commands.append(("aid", "payments", "import", str(s.bank_file), "--year", "2024", "--json"))
    first = {0: None, 1: commands[-1], 2: commands[-2]}[attempt % 3]
    watcher = SharedHolders(s.ws)
    watcher.start()
    early = {first: _start(s.ws, *first)} if first else {}
    if first:
        time.sleep(HEAD_START)
    procs = [(args, early.get(args) or _start(s.ws, *args)) for args in commands]
    outcomes = []
    for args, proc in procs:
        out, err = proc.communicate(timeout=300)
        outcomes.append(Outcome(args, proc.returncode, out, err))
    watcher.stop.set()
    watcher.join()
    return outcomes, watcher.most


def _rows(ws: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = connect_ledger(ws)
    try:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def _check_processes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if "Traceback" in o.err:
            pytest.fail(f"{' '.join(o.args[:3])} crashed (exit {o.code}):\n{o.err[-6000:]}")
        if not o.ran:
            # The only acceptable failure: the ledger stayed busy for the whole wait.
            assert o.code == 2 and BUSY in o.err, (o.args, o.code, o.err)
        assert o.err.count(WAITING) <= 1, (o.args, o.err)


def _check_runs(ws: Path, outcomes: list[Outcome]) -> None:
    runs = _rows(ws, "SELECT command, finished_at, outcome FROM runs ORDER BY id")
    assert all(finished for _c, finished, _o in runs), runs
    assert {outcome for _c, _f, outcome in runs} <= {"ok", "problems"}, runs
    ran = Counter(
        " ".join(o.args[:3] if o.args[1] == "payments" else o.args[:2]) for o in outcomes if o.ran
    )
    recorded = Counter(command for command, _f, _o in runs)
    # Setup: validate 2024 and 2025 (蔚县), allocate 2024, pay 2024.
    assert recorded["aid validate"] == 2 + ran["aid validate"]
    assert recorded["aid allocate"] == 1 + ran["aid allocate"]
    assert recorded["aid payments import"] == ran["aid payments import"]


def _check_applicants(s: Scenario, outcomes: list[Outcome]) -> None:
    validated = {Path(o.args[2]).resolve() for o in outcomes if o.args[1] == "validate" and o.ran}
    files = _rows(
        s.ws,
        "SELECT f.path, count(a.id), count(DISTINCT (a.sheet, a.row)) FROM aid_files f "
        "LEFT JOIN applicants a ON a.file_id = f.id WHERE f.year = 2025 GROUP BY f.path",
    )
    by_path = {Path(path): (rows, distinct) for path, rows, distinct in files}
    assert set(by_path) == validated | {s.earlier.resolve()}
    for path, (rows, distinct) in by_path.items():
        assert rows == distinct == ROWS, (path, rows, distinct)


WIDE = (
    "SELECT f.name, g.sheet, g.row, g.column_name, g.code, g.severity, g.params "
    "FROM aid_findings g JOIN aid_files f ON f.id = g.file_id "
    "WHERE g.year = 2025 AND g.campaign_wide = 1"
)


def _check_campaign_findings(s: Scenario, tmp_path: Path) -> None:
    """The campaign-wide findings equal a one-after-another validate of the same files
    in the order the concurrent ledger recorded them (its file order decides which
    occurrence of a duplicate is the first)."""
    order = [
        Path(p) for (p,) in _rows(s.ws, "SELECT path FROM aid_files WHERE year = 2025 ORDER BY id")
    ]
    alone = tmp_path / "one-after-another"
    for path in order:
        cli(alone, "aid", "validate", str(path), "--year", "2025", "--no-workbook")
    concurrent = sorted(_rows(s.ws, WIDE), key=repr)
    sequential = sorted(_rows(alone, WIDE), key=repr)
    assert concurrent == sequential
    assert concurrent, "the planted duplicates must give campaign-wide findings"


def _check_allocation(s: Scenario) -> None:
    allocations = _rows(
        s.ws, "SELECT id, run_id, quota_total, funded, amount FROM allocations WHERE year = 2025"
    )
    if not allocations:
        return
    [(allocation, run_id, places, funded, amount)] = allocations
    assert places == PLACES
    people = _rows(
        s.ws,
        "SELECT status, amount FROM allocation_people WHERE allocation_id = ?",
        (allocation,),
    )
    # It saw the files whose validate committed before it took the ledger: their run
    # records began before its own (a validate holding the shared lock keeps it out).
    [(seen,)] = _rows(
        s.ws,
        "SELECT count(*) FROM applicants a JOIN aid_files f ON f.id = a.file_id "
        "WHERE f.year = 2025 AND f.run_id < ?",
        (run_id,),
    )
    assert len(people) == seen
    eligible = sum(1 for status, _a in people if status != "excluded")
    assert funded == min(places, eligible) == sum(1 for st, _a in people if st == "funded")
    assert sum(int(float(a)) for st, a in people if st == "funded") == int(float(amount))


def _check_payments(s: Scenario, imported: bool) -> None:
    states = _rows(
        s.ws,
        "SELECT line, state FROM payment_instructions WHERE year = 2024 ORDER BY line",
    )
    expected = {2: "failed", 4: "pending"} if imported else {}
    assert states == [
        (line, expected.get(line, "paid" if imported else "pending")) for line, _ in states
    ]
    twice = _rows(
        s.ws,
        "SELECT instruction_id FROM payment_results WHERE status = 'success' "
        "GROUP BY instruction_id HAVING count(*) > 1",
    )
    assert twice == []


@pytest.mark.parametrize("attempt", range(RUNS))
def test_four_validates_an_allocate_and_an_import_at_once(tmp_path: Path, attempt: int) -> None:
    scenario = _prepare(tmp_path)
    started = time.monotonic()
    outcomes, overlap = _run_together(scenario, attempt)
    took = time.monotonic() - started
    _check_processes(outcomes)
    _check_runs(scenario.ws, outcomes)
    _check_applicants(scenario, outcomes)
    _check_campaign_findings(scenario, tmp_path)
    _check_allocation(scenario)
    imported = any(o.args[1] == "payments" and o.ran for o in outcomes)
    _check_payments(scenario, imported)
    order = _rows(scenario.ws, "SELECT command FROM runs ORDER BY id")[4:]  # after setup
    print(
        f"\nscenario {attempt}: {took:.1f} s, at most {overlap} validates holding the "
        f"ledger at once, order {[c for (c,) in order]}, exits {[o.code for o in outcomes]}"
    )


def test_four_first_validates_on_an_empty_schema_make_one_ledger(tmp_path: Path) -> None:
    """The first commands on a new ledger: one creates the tables (the migrations' own
    lock), the others wait for it and then find them; nothing is created twice."""
    ws = tmp_path / "ws"
    books = [_county_book(tmp_path, i) for i in range(len(COUNTIES))]
    procs = [
        _start(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook")
        for book in books
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1) and "Traceback" not in err, err
    counts = _rows(
        ws,
        "SELECT f.path, count(*) FROM aid_files f JOIN applicants a ON a.file_id = f.id "
        "GROUP BY f.path",
    )
    assert sorted((Path(p), n) for p, n in counts) == sorted((b.resolve(), ROWS) for b in books)
    migrations = _rows(ws, "SELECT number, count(*) FROM schema_migrations GROUP BY number")
    assert all(n == 1 for _number, n in migrations) and len(migrations) >= 8
    unfinished = _rows(ws, "SELECT count(*) FROM runs WHERE finished_at IS NULL")
    assert unfinished == [(0,)]


# --------------------------------------------------------- waiting for the command lock


def _hold(ws: Path) -> Any:
    """A connection holding the ledger's command lock exclusively, as a running
    allocate would (the key ``ledger/postgres.py`` derives from the schema's name)."""
    conn = connect_ledger(ws)
    (schema,) = conn.execute("SELECT current_schema()").fetchone()
    conn.execute("SELECT pg_advisory_lock(hashtext(CAST(? AS TEXT)), ?)", (schema, COMMANDS))
    return conn


def _validated(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    book = write_workbook(tmp_path / "张北县.xlsx", _people(3))
    cli(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook")
    return ws


def test_a_command_gives_up_after_the_busy_timeout_with_exit_2(tmp_path: Path) -> None:
    ws = _validated(tmp_path)
    before = _rows(ws, "SELECT count(*) FROM runs")
    holder = _hold(ws)
    try:
        env = env_for(ws)
        env.update(ZJK_CHARITY_BUSY_TIMEOUT="1", COLUMNS="200")
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "zjk_charity",
                "aid",
                "allocate",
                "--year",
                "2025",
                "-w",
                str(ws),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        waited = time.monotonic() - started
    finally:
        holder.close()
    assert done.returncode == 2, done.stderr
    assert done.stderr.count(WAITING) == 1 and "最多等待 1 秒" in done.stderr
    assert BUSY in done.stderr and "Traceback" not in done.stderr
    assert waited >= 1.0
    assert _rows(ws, "SELECT count(*) FROM runs") == before  # nothing recorded


def test_a_validate_waits_once_then_runs_when_the_lock_is_released(tmp_path: Path) -> None:
    ws = _validated(tmp_path)
    book = write_workbook(tmp_path / "康保县.xlsx", _people(3, "康保县", "130723", 50))
    holder = _hold(ws)
    try:
        proc = _start(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook")
        time.sleep(3)
        assert proc.poll() is None, proc.communicate()  # still waiting
    finally:
        holder.close()
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert err.count(WAITING) == 1 and "Traceback" not in err
    assert _rows(ws, "SELECT count(*) FROM applicants WHERE year = 2025") == [(6,)]


def test_a_validate_waits_the_busy_timeout_in_all_not_per_lock(tmp_path: Path) -> None:
    """Validate waits for the command lock, then for the writes lock: both waits come
    out of the one ZJK_CHARITY_BUSY_TIMEOUT (as on SQLite, where it waits once)."""
    ws = _validated(tmp_path)
    book = write_workbook(tmp_path / "康保县.xlsx", _people(3, "康保县", "130723", 50))
    commands = _hold(ws)
    writes = connect_ledger(ws)
    (schema,) = writes.execute("SELECT current_schema()").fetchone()
    writes.execute("SELECT pg_advisory_lock(hashtext(CAST(? AS TEXT)), ?)", (schema, WRITES))
    env = env_for(ws)
    env.update(ZJK_CHARITY_BUSY_TIMEOUT="3", COLUMNS="200")
    argv = ["aid", "validate", str(book), "--year", "2025", "--no-workbook", "-w", str(ws)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "zjk_charity", *argv],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the waiting message: the wait has begun
        said = time.monotonic()
        time.sleep(1.5)
        commands.close()  # the command lock is free; the writes lock stays held
        rest = proc.stderr.read()
        proc.wait(timeout=60)
        waited = time.monotonic() - said
    finally:
        commands.close()
        writes.close()
    assert WAITING in first and WAITING not in rest
    assert proc.returncode == 2 and BUSY in rest and "Traceback" not in rest
    # 3 s in all (a per-lock timeout would give up at 1.5 + 3 = 4.5 s).
    assert 2.5 < waited < 4.2, waited
