"""What a report rests on: the ledger runs it covers and every input file they read."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

Runs = list[dict[str, Any]]
Inputs = list[dict[str, str]]


def runs_and_inputs(conn: sqlite3.Connection, ids: Iterable[int]) -> tuple[Runs, Inputs]:
    """The run records of ``ids`` in order, and their inputs (path, SHA-256) without repeats."""
    chosen = sorted(set(ids))
    marks = ",".join("?" * len(chosen))
    runs: Runs = []
    inputs: dict[tuple[str, str], dict[str, str]] = {}
    for r in conn.execute(
        f"SELECT id, command, started_at, finished_at, outcome, inputs FROM runs "
        f"WHERE id IN ({marks}) ORDER BY id",
        chosen,
    ):
        runs.append(
            {"id": r[0], "command": r[1], "started_at": r[2], "finished_at": r[3], "outcome": r[4]}
        )
        for item in json.loads(r[5] or "[]"):
            inputs[(item["path"], item["sha256"])] = item
    return runs, sorted(inputs.values(), key=lambda i: (i["path"], i["sha256"]))
