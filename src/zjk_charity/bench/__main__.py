"""``python -m zjk_charity.bench``: generate the data, run every case, print the tables."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from zjk_charity.bench.cases import CASES, DATASETS, RATIOS, Case, Inputs
from zjk_charity.bench.measure import BenchError, Measurement, repeat
from zjk_charity.bench.report import format_report, ratio_values


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m zjk_charity.bench",
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
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


def _selected(names: str) -> list[Case]:
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    return [c for c in CASES.values() if not wanted or any(w in c.name for w in wanted)]


def _environment(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def _measure(case: Case, inputs: Inputs, times: int, env: dict[str, str]) -> Measurement:
    rows = inputs.rows if case.sized else None
    env = dict(os.environ) if case.peer else env
    missing = case.unavailable()
    if missing:
        return Measurement(case.name, rows, skipped=missing)
    setup = case.prepare
    prepare = (lambda: setup(inputs)) if setup is not None else None
    try:
        return repeat(case.name, rows, times, case.argv(inputs), prepare, env)
    except BenchError as exc:
        return Measurement(case.name, rows, skipped=str(exc))


def run(options: argparse.Namespace, folder: Path) -> list[Measurement]:
    sizes = [int(n) for n in options.rows.split(",") if n.strip()]
    cases = _selected(options.cases)
    env = _environment(options.src)
    python = (sys.executable,)
    results: list[Measurement] = []
    unsized = [c for c in cases if not c.sized]
    if unsized:
        inputs = Inputs(0, folder, {}, python)
        results += [_measure(c, inputs, options.repeat, env) for c in unsized]
    for rows in sizes:
        here = folder / str(rows)
        here.mkdir(parents=True, exist_ok=True)
        needed = {name for c in cases if c.sized for name in c.data}
        files = {name: _dataset(name, here, rows) for name in sorted(needed)}
        inputs = Inputs(rows, here, files, python)
        for case in cases:
            if case.sized:
                print(f"… {case.name} ({rows:,} rows)", file=sys.stderr, flush=True)
                results.append(_measure(case, inputs, options.repeat, env))
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
