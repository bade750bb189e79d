"""Where ``aid validate --no-workbook`` spends its time, phase by phase (issue 6).

``python -m benchmarks.phases FILE [--repeat 3]`` validates FILE in a fresh
workspace in a fresh process per repetition, and prints the median seconds of each
phase next to a bare python-calamine read of the same file (the parse floor):

- ``guard``: the pre-parse scan of the sheet XML (workbook/guard.py);
- ``parse``: python-calamine building the grid (the floor's own work);
- ``header and rows``: finding the header, cutting title and total rows (reader.py);
- ``row checks``: every per-row rule (aid/rules.py);
- ``store rows``: inserting applicants and their findings (one executemany each);
- ``campaign-wide``: DUPLICATE_PERSON / HOUSEHOLD_SHARED and the flags they change;
- ``begin, commit, rest``: the transaction, the run record, sorting the findings;
- ``JSON document``: building and encoding the ``--json`` output.

It times the library's own functions by wrapping them, so it measures what
``aid validate`` does minus the interpreter start and the CLI (about 0.3 s together,
which ``python -m benchmarks`` includes). Not a test: no time is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import environment

PHASES = (
    "guard",
    "parse",
    "header and rows",
    "row checks",
    "store rows",
    "campaign-wide",
    "begin, commit, rest",
    "JSON document",
)


def _timed(module: Any, name: str, spent: dict[str, float], label: str) -> None:
    """Replace ``module.name`` by a wrapper that adds its duration to ``spent[label]``."""
    original: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

    setattr(module, name, wrapper)


def measure_once(path: Path, workspace: Path) -> dict[str, float]:
    """One validation of ``path`` into a new ledger in ``workspace``, phase by phase."""
    from zjk_charity.aid import validation
    from zjk_charity.cli.common import json_text
    from zjk_charity.ledger import Ledger
    from zjk_charity.workbook import guard, reader

    spent: dict[str, float] = {}
    _timed(guard, "check_workbook", spent, "guard")
    _timed(reader, "excel_grids", spent, "parse")
    _timed(validation, "read_table", spent, "read")
    _timed(validation, "_check_file", spent, "row checks")
    _timed(validation, "_store_rows", spent, "store rows")
    _timed(validation, "_refresh_campaign", spent, "campaign-wide")
    start = time.perf_counter()
    result = validation.validate(
        Ledger(workspace / "zjk-charity.db"), [path], year=2025, as_of=date(2025, 11, 1)
    )
    middle = time.perf_counter()
    json_text(result.as_json())  # as emit_json writes it
    spent["JSON document"] = time.perf_counter() - middle
    spent["header and rows"] = spent.pop("read") - spent["guard"] - spent["parse"]
    inner = sum(spent[k] for k in ("header and rows", "guard", "parse", "row checks"))
    inner += spent["store rows"] + spent["campaign-wide"]
    spent["begin, commit, rest"] = middle - start - inner
    return spent


def calamine_read_seconds(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def _child(path: Path) -> dict[str, float]:
    """One repetition in a fresh interpreter, so no cache or warm import carries over."""
    with tempfile.TemporaryDirectory(prefix="zjk-phases-") as folder:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.phases", "--once", str(path), folder],
            capture_output=True,
            text=True,
            check=True,
            env=environment(),
        )
    return {k: float(v) for k, v in json.loads(done.stdout).items()}


def format_table(runs: Sequence[dict[str, float]], floor: float) -> str:
    medians = {phase: statistics.median(r[phase] for r in runs) for phase in PHASES}
    total = sum(medians.values())
    lines = [f"{'phase':<22} {'median s':>9} {'share':>6}"]
    for phase in PHASES:
        share = medians[phase] / total if total else 0.0
        lines.append(f"{phase:<22} {medians[phase]:>9.2f} {share:>6.0%}")
    lines.append(f"{'total (in process)':<22} {total:>9.2f}")
    lines.append(f"{'calamine read alone':<22} {floor:>9.2f}  (ratio {total / floor:.2f}×)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.phases",
        description="Where aid validate --no-workbook spends its time (issue 6).",
    )
    parser.add_argument("file", type=Path, help="an application workbook")
    parser.add_argument("workspace", type=Path, nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="runs (median)")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.once:
        print(json.dumps(measure_once(options.file, options.workspace)))
        return 0
    runs, floors = [], []
    for _ in range(options.repeat):
        runs.append(_child(options.file))
        floors.append(calamine_read_seconds(options.file))
    print(format_table(runs, statistics.median(floors)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
