"""What a report rests on: the ledger runs it covers and every input file they read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zjk_charity.ledger.db import Connection
from zjk_charity.reports import store

Runs = list[dict[str, Any]]
Inputs = list[dict[str, str]]


def runs_and_inputs(conn: Connection, ids: Iterable[int]) -> tuple[Runs, Inputs]:
    """The run records of ``ids`` in order, and their inputs (path, SHA-256) without repeats."""
    runs: Runs = []
    inputs: dict[tuple[str, str], dict[str, str]] = {}
    for r in store.run_records(conn, sorted(set(ids))):
        runs.append(
            {
                "id": r.id,
                "command": r.command,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "outcome": r.outcome,
            }
        )
        for item in r.inputs:
            inputs[(item["path"], item["sha256"])] = item
    return runs, sorted(inputs.values(), key=lambda i: (i["path"], i["sha256"]))
