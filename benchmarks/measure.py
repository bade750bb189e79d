"""Run one command in a fresh process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


class BenchError(Exception):
    """A case could not run (its command failed)."""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float  # maximum resident set size of the process


@dataclass
class Measurement:
    case: str
    rows: int | None  # None: the case does not depend on the data size
    runs: list[Run] = field(default_factory=list)
    skipped: str | None = None  # why the case did not run

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)


def run_once(
    argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Run:
    """Wall time and peak RSS of ``argv``; exit codes 0 and 1 (findings) count as done."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    # wait4 reports the rusage of this child alone (RUSAGE_CHILDREN would be the maximum
    # over every child so far).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode not in (0, 1):
        message = errors.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise BenchError(f"{' '.join(argv)} exited with {process.returncode}: {message}")
    return Run(seconds, usage.ru_maxrss / 1024)
