"""The benchmark suite runs end to end at a tiny size (no timing is asserted: benchmarks
are not tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from conftest import AS_OF
from zjk_charity.bench.__main__ import main
from zjk_charity.bench.cases import CASES, RATIOS
from zjk_charity.bench.generate import HEADERS, write_applications
from zjk_charity.bench.measure import BenchError, run_once
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
