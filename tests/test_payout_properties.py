"""The money rules of payout.md hold after any sequence of operations (hypothesis).

Any mix of withdraw (with or without 递补), pay, retry, bank results (paid, failed,
pending, a bank's late correction), corrected accounts, cash sheets and cash
confirmations, starting from a small allocation, keeps:

- funded amount = paid + pending + failed + cash_pending + unpaid, to the cent, and every
  funded person in exactly one state; money paid twice is counted apart, never inside,
  and every paid instruction is either someone's aid or money to recover;
- nobody ever has two open instructions (pending or cash_pending);
- the funded list never holds an excluded, withdrawn or twice-funded person, never more
  people than the allocation funded, and every 递补 came from the waitlist;
- an operation refused (UserError) leaves the ledger exactly as it was.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from typer.testing import CliRunner

import backends
from backends import ledger_rows
from conftest import connect_ledger, ledger_at, ledger_exists, write_workbook
from test_allocation import _people
from zjk_charity.aid.allocation import load_allocation
from zjk_charity.aid.changes import withdraw
from zjk_charity.aid.payout import PURPOSE, cash_confirm, cash_sheet, pay, payments_status
from zjk_charity.cli.main import app
from zjk_charity.errors import UserError
from zjk_charity.ledger.db import migrations
from zjk_charity.payments import store
from zjk_charity.payments.importing import apply_files
from zjk_charity.payments.model import BatchFiles, BatchLine, ResultRow
from zjk_charity.payments.profiles import BASIC_PROFILE
from zjk_charity.payments.results import ResultFile
from zjk_charity.payments.writer import write_batch

YEAR = 2025
FUNDED = 4


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A workspace whose 2025 allocation funds 4 of 9 张北县 applicants (1000 yuan each).

    Made once per test (its ledger is on this run's backend, which a test sets up), and
    copied for every example (:func:`reset_ledger`).
    """
    book = write_workbook(tmp_path / "张北县.xlsx", _people(9))
    runner = CliRunner()
    ws = tmp_path / "template"
    ws.mkdir()
    for args in (
        ["aid", "validate", str(book), "--no-workbook"],
        ["aid", "allocate", "--budget", str(FUNDED * 1000), "--no-workbook"],
    ):
        done = runner.invoke(app, [*args, "-w", str(ws), "--year", str(YEAR)])
        assert done.exit_code == 0, done.output
    return ws


# The ledger's tables in the order the migrations create them (a table after those its
# rows refer to).
TABLES_IN_ORDER = [
    table
    for _number, _name, sql in migrations("postgresql")
    for table in re.findall(r"CREATE TABLE (\w+)", sql)
]


def reset_ledger(template: Path, ws: Path) -> None:
    """``ws``'s ledger made a copy of the template workspace's: each example starts from
    the allocation alone, whatever the one before it did in ``ws``.

    SQLite: the file copied over the last one. PostgreSQL: ``ws``'s schema emptied (or
    its tables made, the first time), every row copied from the template's schema, and
    each id sequence moved past the copied ids; no tables made again per example.
    """
    if not backends.postgres():
        for suffix in ("", "-wal", "-shm", "-journal"):
            (ws / (backends.LEDGER_FILE + suffix)).unlink(missing_ok=True)
        shutil.copy(template / backends.LEDGER_FILE, ws / backends.LEDGER_FILE)
        return
    with closing(connect_ledger(template)) as conn:
        (source,) = conn.execute("SELECT current_schema()").fetchone()
    with closing(connect_ledger(ws)) as conn:
        if ledger_exists(ws):
            conn.execute(f"TRUNCATE {', '.join(['schema_migrations', *TABLES_IN_ORDER])}")
        else:
            conn.execute(f"CREATE TABLE schema_migrations (LIKE {source}.schema_migrations)")
            for _number, _name, sql in migrations("postgresql"):
                conn.script(sql)
        for table in ["schema_migrations", *TABLES_IN_ORDER]:
            conn.execute(f"INSERT INTO {table} SELECT * FROM {source}.{table}")
        identities = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        ).fetchall()
        for table, column in identities:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT coalesce(max({column}), 0) + 1 FROM {table}), false)"
            )


class Story:
    """One run of operations on a copy of the template ledger."""

    def __init__(self, ws: Path, folder: Path) -> None:
        self.ws = ws
        self.ledger = ledger_at(ws)
        self.folder = folder  # the example's own: its batch files and sheets
        self.files = 0

    def _write(self, code: str, lines: Sequence[BatchLine], folder: Path) -> BatchFiles:
        return write_batch(BASIC_PROFILE, code, lines, folder)

    def pay(self, retry: bool) -> None:
        self.files += 1
        pay(
            self.ledger,
            YEAR,
            profile="basic",
            write=self._write,
            folder=self.folder / f"pay{self.files}",
            memo="2025年福彩暖冬资助",
            retry=retry,
        )

    def instructions(self) -> list[Any]:
        with self.ledger.read() as conn:
            assert conn is not None
            return store.instructions(conn, PURPOSE, YEAR)

    def results(self, seed: int) -> None:
        """The bank answers for every bank instruction (pending ones, and failed ones: a
        late correction), each outcome picked from ``seed``."""
        rows = []
        for n, i in enumerate(self.instructions()):
            if i.method != "bank" or i.state not in {"pending", "failed"}:
                continue
            outcome = ("success", "failure", "pending")[(seed >> (2 * n)) % 3]
            if i.state == "failed" and outcome != "success":
                continue
            rows.append(
                ResultRow(
                    "r.xlsx",
                    "回盘",
                    len(rows) + 2,
                    i.account,
                    i.name,
                    i.amount,
                    outcome,
                    "账户已销户" if outcome == "failure" else "",
                )
            )
        self.files += 1
        digest = hashlib.sha256(f"results {self.files}".encode()).hexdigest()
        result = ResultFile(self.folder / "r.xlsx", "r.xlsx", digest, rows)
        with self.ledger.run("aid payments import", {}) as run:
            a = load_allocation(self.ledger, YEAR)
            withdrawn = {e.id_number: "x" for e in a.entries if e.status == "withdrawn"}
            apply_files(run.conn, run.id, PURPOSE, YEAR, [result], withdrawn=withdrawn)

    def correct(self, seed: int) -> None:
        """A new account for the failed people picked by ``seed``."""
        failed = [i for i in self.instructions() if i.state == "failed"]
        chosen = [i for n, i in enumerate(failed) if seed >> n & 1]
        changes = []
        for n, i in enumerate(chosen):
            body = f"6217{seed % 10**8:08d}{self.files:03d}{n:03d}"[:18]
            changes.append((i.payee, i.name, body + luhn.calc_check_digit(body), "邮储", "f", 1))
        self.files += 1
        with self.ledger.run("aid accounts update", {}) as run:
            store.record_accounts(run.conn, run.id, PURPOSE, YEAR, changes)

    def cash(self) -> None:
        cash_sheet(self.ledger, YEAR, [], folder=self.folder / f"cash{self.files}", pdf=False)
        self.files += 1

    def confirm(self) -> None:
        waiting = {i.payee for i in self.instructions() if i.state == "cash_pending"}
        if waiting:
            from datetime import date

            cash_confirm(self.ledger, YEAR, date(YEAR, 12, 18), ids=sorted(waiting))

    def withdraw(self, seed: int, backfill: bool) -> None:
        a = load_allocation(self.ledger, YEAR)
        funded = [e for e in a.funded if e.id_number]
        if funded:
            person = funded[seed % len(funded)]
            assert person.id_number is not None
            withdraw(
                self.ledger, YEAR, person.id_number, "放弃", backfill=backfill, operator="测试"
            )


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["pay", "retry", "results", "correct", "cash", "confirm", "withdraw", "withdraw-only"]
        ),
        st.integers(0, 2**16),
    ),
    min_size=1,
    max_size=10,
)


def check_invariants(story: Story, waitlisted: set[str], excluded: set[str]) -> None:
    s = payments_status(story.ledger, YEAR).status
    assert s.balanced(), s.tallies
    assert sum(t.count for t in s.tallies.values()) == len(s.funded)
    assert s.amount == Decimal(1000) * len(s.funded)
    instructions = story.instructions()
    open_by_payee = Counter(i.payee for i in instructions if i.state in {"pending", "cash_pending"})
    assert all(n == 1 for n in open_by_payee.values()), open_by_payee
    paid_payees = {i.payee for i in instructions if i.state == "paid"}
    funded_keys = [f.key for f in s.funded]
    assert s.tallies["paid"].count == len(paid_payees & set(funded_keys))
    assert s.double_paid.amount == sum((i.amount for i in instructions if i.double), Decimal(0))
    # Every fen that left (a paid instruction) is either someone's aid or money to recover.
    out = sum((i.amount for i in instructions if i.state == "paid"), Decimal(0))
    assert out == s.tallies["paid"].amount + s.double_paid.amount
    a = load_allocation(story.ledger, YEAR)
    assert len(funded_keys) == len(set(funded_keys)) <= FUNDED
    withdrawn = {e.id_number for e in a.entries if e.status == "withdrawn"}
    assert not (set(funded_keys) & (withdrawn | excluded))
    first = {e.id_number for e in a.first_funded}
    assert set(funded_keys) - first <= waitlisted


@settings(
    # Every example runs some 40 commands; on a server each opens a connection, so fewer
    # examples there (the rules are the same code; the SQL is what that run checks).
    max_examples=10 if backends.postgres() else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
# The review's case: a failed transfer put on a cash sheet, then the bank's late 成功,
# then the sheet confirmed (the cash line must be cancelled, not paid a second time).
@example(operations=[("pay", 0), ("results", 1), ("cash", 0), ("results", 0), ("confirm", 0)])
# Confirmed in cash first, then the bank's late 成功: a double payment, counted apart.
@example(operations=[("pay", 0), ("results", 1), ("cash", 0), ("confirm", 0), ("results", 0)])
def test_money_rules_hold_after_any_sequence(
    template: Path, tmp_path: Path, operations: list[Any]
) -> None:
    ws = tmp_path / "story"
    ws.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        reset_ledger(template, ws)
        story = Story(ws, Path(temp))
        assert story.instructions() == []  # nothing left of the example before
        first = load_allocation(story.ledger, YEAR)
        waitlisted = {e.id_number for e in first.waitlist if e.id_number}
        excluded = {e.id_number for e in first.entries if e.status == "excluded" and e.id_number}
        for name, seed in operations:
            before = ledger_rows(story.ws)
            try:
                if name in {"pay", "retry"}:
                    story.pay(retry=name == "retry")
                elif name == "results":
                    story.results(seed)
                elif name == "correct":
                    story.correct(seed)
                elif name == "cash":
                    story.cash()
                elif name == "confirm":
                    story.confirm()
                else:
                    story.withdraw(seed, backfill=name == "withdraw")
            except UserError:
                assert ledger_rows(story.ws) == before, f"{name} was refused yet changed the ledger"
            check_invariants(story, waitlisted, excluded)
