"""The allocate cases of the benchmark suite run end to end at a tiny size (no timing is
asserted: benchmarks are not tests)."""

from __future__ import annotations

import json
import marshal
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.cases import ALLOCATION_CELLS, CASES, RATIOS

CASES_RUN = "calamine read,aid allocate,xlsxwriter write (allocation"


def test_allocate_cases_and_ratios_are_registered() -> None:
    assert {"aid allocate --no-workbook", "aid allocate (all outputs)"} <= set(CASES)
    floor = CASES["xlsxwriter write (allocation's cells)"]
    assert floor.peer and floor.prepare is not None
    names = {r.name: r for r in RATIOS}
    assert names["allocate --no-workbook / calamine read"].limit == 1.0
    full = names["allocate (all outputs) / (calamine read + xlsxwriter write of its cells)"]
    assert full.denominator == ("calamine read", "xlsxwriter write (allocation's cells)")


def test_allocate_cases_run_and_the_floor_writes_the_allocations_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--rows", "40", "--repeat", "1", "--cases", CASES_RUN, "--data", str(tmp_path)]
    assert main([*args, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    measured = {c["case"]: c for c in document["cases"]}
    for case in ("aid allocate --no-workbook", "aid allocate (all outputs)"):
        assert measured[case]["skipped"] is None and len(measured[case]["seconds"]) == 1
    assert measured["xlsxwriter write (allocation's cells)"]["skipped"] is None
    ratios = {r["ratio"]: r for r in document["ratios"]}
    assert ratios["allocate --no-workbook / calamine read"]["value"] > 0
    folder = tmp_path / "40"
    sheets = marshal.loads((folder / ALLOCATION_CELLS).read_bytes())
    assert {"资助名单", "候补名单", "未入选", "公示名单", "银行代发（核对用）"} <= set(sheets)
    assert (folder / "peer-alloc.xlsx").is_file()
