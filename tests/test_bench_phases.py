"""The phase profile of validate runs and accounts for the whole validation (no timing
is asserted: benchmarks are not tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import write_applications
from benchmarks.phases import PHASES, main, measure_once

# benchmarks.phases times validate's phases in one process on an SQLite ledger it makes
# itself (Ledger(workspace / "zjk-charity.db")): what it measures is the SQLite path.
pytestmark = pytest.mark.sqlite_only


def test_every_phase_is_measured_and_none_is_negative(tmp_path: Path) -> None:
    book = write_applications(tmp_path / "a.xlsx", 200).path
    (tmp_path / "ws").mkdir()
    spent = measure_once(book, tmp_path / "ws")
    assert set(spent) == set(PHASES)
    assert all(seconds >= 0 for seconds in spent.values())
    assert (tmp_path / "ws" / "zjk-charity.db").is_file()  # it really validated


def test_the_table_names_every_phase_and_the_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_applications(tmp_path / "a.xlsx", 50).path
    assert main([str(book), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for phase in PHASES:
        assert phase in out
    assert "calamine read alone" in out
    assert "ratio" in out
