"""``python -m benchmarks``: generate the data, run every case, print the tables."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import environment
from benchmarks.cases import CASES, DATASETS, RATIOS, Case, Inputs
from benchmarks.measure import BenchError, Measurement, run_once
from benchmarks.postgres_cases import VARIABLE, drop_schemas
from benchmarks.report import format_report, ratio_values


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark zjk-charity against its peers (issue 6).",
    )
    parser.add_argument("--rows", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--cases", default="", help="only cases whose name contains one of these")
    parser.add_argument("--data", type=Path, help="folder to generate data in and keep")
    parser.add_argument(
        "--src",
        type=Path,
        help="run the toolkit from another source tree (e.g. a worktree of an older commit)",
    )
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        default=os.environ.get(VARIABLE) or None,
        help=f"a PostgreSQL server for the (PostgreSQL) cases (or {VARIABLE}); a schema "
        "of its own for each run, dropped at the end",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


def _selected(names: str) -> list[Case]:
    """The cases named (by part of their name); a name no case has is an error that
    lists the cases, rather than an empty run."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    chosen = [c for c in CASES.values() if not wanted or any(w in c.name for w in wanted)]
    if not chosen:
        listed = "\n  ".join(CASES)
        raise SystemExit(f"no case matches --cases {names!r}; the cases are:\n  {listed}")
    return chosen


def _environment(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def _rounds(
    cases: Sequence[Case], inputs: Inputs, times: int, env: dict[str, str]
) -> list[Measurement]:
    """``times`` rounds, each running every case once (after its untimed ``prepare``).

    Round by round rather than case by case: a slow spell of a shared machine then falls
    on every case alike, not on whichever case ran during it, so the ratios (measured
    side by side) hold better than the seconds do. A case that fails is skipped from
    then on, with the reason.
    """
    measured: dict[str, Measurement] = {}
    for case in cases:
        rows = inputs.rows if case.sized else None
        measured[case.name] = Measurement(case.name, rows, skipped=case.unavailable(inputs))
    for round_number in range(1, times + 1):
        for case in cases:
            measurement = measured[case.name]
            if measurement.skipped:
                continue
            size = f"{inputs.rows:,} rows, " if case.sized else ""
            print(f"… {case.name} ({size}run {round_number})", file=sys.stderr, flush=True)
            try:
                if case.prepare is not None:
                    case.prepare(inputs)
                run = run_once(case.argv(inputs), environment() if case.peer else env)
            except BenchError as exc:
                measurement.skipped, measurement.runs = str(exc), []
                continue
            measurement.runs.append(run)
    return list(measured.values())


def run(options: argparse.Namespace, folder: Path) -> list[Measurement]:
    sizes = [int(n) for n in options.rows.split(",") if n.strip()]
    cases = _selected(options.cases)
    env = _environment(options.src)
    python = (sys.executable,)
    server = options.postgresql
    results: list[Measurement] = []
    unsized = [c for c in cases if not c.sized]
    if unsized:
        inputs = Inputs(0, folder, {}, python, env, server)
        results += _rounds(unsized, inputs, options.repeat, env)
    try:
        for rows in sizes:
            here = folder / str(rows)
            here.mkdir(parents=True, exist_ok=True)
            sized = [c for c in cases if c.sized]
            needed = {name for c in sized for name in c.data}
            files = {name: _dataset(name, here, rows) for name in sorted(needed)}
            inputs = Inputs(rows, here, files, python, env, server)
            results += _rounds(sized, inputs, options.repeat, env)
    finally:
        if server and any(c.server for c in cases):
            drop_schemas(server)
    return results


def _dataset(name: str, folder: Path, rows: int) -> Path:
    marker = folder / f".{name}.done"
    if marker.exists():  # kept from an earlier run with --data
        return Path(marker.read_text(encoding="utf-8"))
    print(f"… generating {name} ({rows:,} rows)", file=sys.stderr, flush=True)
    path = DATASETS[name](folder, rows)
    marker.write_text(str(path), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    options = _options(argv)
    if options.data:
        options.data.mkdir(parents=True, exist_ok=True)
        results = run(options, options.data)
    else:
        with tempfile.TemporaryDirectory(prefix="zjk-bench-") as temp:
            results = run(options, Path(temp))
    machine = f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    if options.json:
        document = {
            "machine": machine,
            "repeat": options.repeat,
            "cases": [
                {
                    "case": m.case,
                    "rows": m.rows,
                    "seconds": [r.seconds for r in m.runs],
                    "peak_mb": [r.peak_mb for r in m.runs],
                    "skipped": m.skipped,
                }
                for m in results
            ],
            "ratios": [v.as_json() for v in ratio_values(RATIOS, results)],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(format_report(results, RATIOS, machine, options.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
