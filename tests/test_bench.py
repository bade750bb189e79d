"""The benchmark suite runs end to end at a tiny size (no timing is asserted: benchmarks
are not tests)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from benchmarks import environment
from benchmarks.__main__ import main
from benchmarks.cases import CASES, RATIOS, Ratio
from benchmarks.generate import HEADERS, write_applications
from benchmarks.measure import BenchError, Measurement, Run, run_once
from benchmarks.peers import PeerError, _checked_rows, frictionless_validate
from benchmarks.report import format_report, ratio_values
from conftest import AS_OF
from zjk_charity.ids import check_id


def test_generated_workbooks_look_like_a_countys(tmp_path: Path) -> None:
    made = write_applications(tmp_path / "a.xlsx", 300)
    book = CalamineWorkbook.from_path(str(made.path))
    grid = book.get_sheet_by_name("申请表").to_python()
    assert grid[0][0].startswith("2025年福彩暖冬")
    assert tuple(grid[2]) == HEADERS
    assert len(grid) == 3 + 300
    ids = [row[HEADERS.index("身份证号")] for row in grid[3:]]
    valid = [i for i in ids if check_id(i, AS_OF).valid]
    assert 0.85 * 300 < len(valid) < 300  # mostly valid, with a few planted problems


def test_generation_is_deterministic(tmp_path: Path) -> None:
    def cells(path: Path) -> list[list[object]]:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("申请表").to_python()

    first = write_applications(tmp_path / "a.xlsx", 50).path
    second = write_applications(tmp_path / "b.xlsx", 50).path
    assert cells(first) == cells(second)


def test_every_ratio_names_registered_cases() -> None:
    for ratio in RATIOS:
        assert set(ratio.numerator) | set(ratio.denominator) <= set(CASES)


def test_a_failing_command_is_an_error_not_a_time() -> None:
    with pytest.raises(BenchError):
        run_once(["python", "-c", "raise SystemExit(2)"])


def test_the_suite_prints_every_case_and_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = "python -c pass,calamine read,aid validate --no-workbook"
    assert main(["--rows", "30", "--repeat", "1", "--cases", cases, "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in (
        "calamine read",
        "aid validate --no-workbook",
        "validate --no-workbook / calamine",
    ):
        assert name in out
    assert (
        main(["--rows", "30", "--repeat", "1", "--cases", cases, "--json", "--data", str(tmp_path)])
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    measured = {c["case"]: c for c in document["cases"]}
    assert measured["aid validate --no-workbook"]["rows"] == 30
    assert len(measured["aid validate --no-workbook"]["seconds"]) == 1
    ratio = next(r for r in document["ratios"] if r["ratio"].startswith("validate --no-workbook"))
    assert ratio["value"] > 0


class _Report:
    """The part of a frictionless report the peer reads."""

    def __init__(self, rows: int, errors: list[object]) -> None:
        task = type("Task", (), {"stats": {"rows": rows}, "errors": errors})
        self.tasks = [task]


def _error(message: str, row_number: int | None) -> object:
    return type("Error", (), {"message": message, "row_number": row_number})()


def test_a_peer_that_validated_nothing_stops_the_benchmark() -> None:
    # frictionless answers a path it refuses with one resource error and no rows: timing
    # that made it look 10x faster than a real validation.
    refused = _Report(0, [_error('path "/tmp/a.xlsx" is not safe', None)])
    with pytest.raises(PeerError, match="not safe"):
        _checked_rows(refused)
    with pytest.raises(PeerError, match="no rows"):
        _checked_rows(_Report(0, []))
    assert _checked_rows(_Report(30, [_error("type is date", 7)])) == 30


def test_frictionless_validates_every_row_of_a_generated_workbook(tmp_path: Path) -> None:
    pytest.importorskip("frictionless")
    made = write_applications(tmp_path / "a.xlsx", 40)
    assert frictionless_validate(made.path) == 40


def test_a_failing_peer_is_an_error_not_a_time(tmp_path: Path) -> None:
    not_a_workbook = tmp_path / "a.xlsx"
    not_a_workbook.write_text("not a workbook")
    peer = [sys.executable, "-m", "benchmarks.peers", "calamine", str(not_a_workbook)]
    with pytest.raises(BenchError, match="exited with 3"):
        run_once(peer, environment())


def test_a_target_is_judged_at_the_largest_size_only() -> None:
    # The issue sets its targets for 100,000 rows; at 10,000 the fixed costs (the
    # interpreter, imports) weigh more, and a "NOT met" there would be no verdict at all.
    ratio = Ratio("validate / read", ("validate",), ("read",), 1.6)

    def measured(case: str, rows: int, seconds: float) -> Measurement:
        return Measurement(case, rows, [Run(seconds, 10.0)])

    results = [
        measured("read", 10_000, 1.0),
        measured("validate", 10_000, 3.0),
        measured("read", 100_000, 2.0),
        measured("validate", 100_000, 3.0),
    ]
    small, large = ratio_values([ratio], results)
    assert (small.rows, small.value, small.met) == (10_000, 3.0, None)
    assert (large.rows, large.value, large.met) == (100_000, 1.5, True)
    table = format_report(results, [ratio], "test machine", 1)
    assert "(trend only)" in table and "NOT met" not in table


def test_cases_run_round_by_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # On a shared machine a slow spell then falls on every case of a ratio alike.
    cases = "python -c pass,zjk-charity --help"
    assert main(["--repeat", "2", "--cases", cases, "--data", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    progress = [line for line in captured.err.splitlines() if line.startswith("…")]
    assert progress == [
        "… python -c pass (run 1)",
        "… zjk-charity --help (run 1)",
        "… python -c pass (run 2)",
        "… zjk-charity --help (run 2)",
    ]
    measured = {c["case"]: c for c in json.loads(captured.out)["cases"]}
    assert [len(measured[name]["seconds"]) for name in cases.split(",")] == [2, 2]


def test_a_case_name_that_matches_nothing_lists_the_cases() -> None:
    from benchmarks.__main__ import _selected

    with pytest.raises(SystemExit, match="no case matches"):
        _selected("no such case")
    assert _selected("")  # no filter: every case
