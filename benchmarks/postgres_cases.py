"""The 100,000-row commands with the ledger on a PostgreSQL server (issue 19).

``python -m benchmarks --postgresql URL`` (or ``ZJK_CHARITY_BENCH_POSTGRESQL=URL``)
measures ``aid validate``, ``aid allocate`` and ``wishes match`` (``--json
--no-workbook``) with the workspace's ledger on that server, beside the same commands on
SQLite. The workspace names the server as a user would, in its ``zjk-charity.toml``
(``ledger = "postgresql://…"``); each repetition gets a schema of its own, prepared
(untimed) by the real commands: nothing, a validate, or the wishes' and donations'
imports. The schemas are dropped at the end of the run. Without a server the cases are
listed as skipped.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from typing import Any

from benchmarks.cases import YEAR, Case, Inputs, register_case
from benchmarks.measure import BenchError

VARIABLE = "ZJK_CHARITY_BENCH_POSTGRESQL"
PREFIX = f"zjk_bench_{os.getpid()}_"
_numbers = itertools.count()


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def schema_url(url: str, schema: str) -> str:
    """``url`` with the search path set to ``schema``: the ledger lives in that schema."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def drop_schemas(url: str) -> None:
    """Drop every schema this run made (at the end, and before each new one)."""
    with _admin(url) as conn:
        names = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (PREFIX,)
        ).fetchall()
        for (name,) in names:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def _fresh_schema(inputs: Inputs) -> None:
    """An empty workspace whose zjk-charity.toml puts its ledger in a new, empty schema
    (the previous repetition's is dropped first, so the server holds one at a time)."""
    url = inputs.postgresql
    if url is None:
        raise BenchError(f"needs a PostgreSQL server: --postgresql URL or {VARIABLE}")
    drop_schemas(url)
    schema = f"{PREFIX}{next(_numbers)}"
    with _admin(url) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    inputs.fresh_workspace()
    setting = schema_url(url, schema).replace("\\", "\\\\").replace('"', '\\"')
    (inputs.workspace / "zjk-charity.toml").write_text(f'ledger = "{setting}"\n', encoding="utf-8")


def _on_server(inputs: Inputs, commands: list[list[str]]) -> None:
    """A fresh schema holding what ``commands`` leave (run untimed, in the workspace)."""
    _fresh_schema(inputs)
    for args in commands:
        done = subprocess.run(
            inputs.toolkit(*args, "-w", str(inputs.workspace)),
            capture_output=True,
            check=False,
            env=inputs.env,
        )
        if done.returncode not in (0, 1):
            tail = done.stderr.decode("utf-8", "replace")[-300:]
            raise BenchError(f"preparing {' '.join(args[:2])} failed: {tail}")


def _validated(inputs: Inputs) -> None:
    path = str(inputs.files["applications"])
    _on_server(inputs, [["aid", "validate", path, "--year", YEAR, "--no-workbook"]])


def _imported(inputs: Inputs) -> None:
    wishes, donations = str(inputs.files["wishes"]), str(inputs.files["donations"])
    _on_server(inputs, [["wishes", "import", wishes], ["donations", "import", donations]])


def _register() -> None:
    def validate(i: Inputs) -> list[str]:
        app = str(i.files["applications"])
        ws = str(i.workspace)
        return i.toolkit(
            "aid", "validate", app, "--year", YEAR, "--json", "--no-workbook", "-w", ws
        )

    def allocate(i: Inputs) -> list[str]:
        ws = str(i.workspace)
        return i.toolkit("aid", "allocate", "--year", YEAR, "--json", "--no-workbook", "-w", ws)

    def match(i: Inputs) -> list[str]:
        return i.toolkit("wishes", "match", "--json", "--no-workbook", "-w", str(i.workspace))

    register_case(
        Case("aid validate --no-workbook (PostgreSQL)", validate, _fresh_schema, server=True)
    )
    register_case(
        Case("aid allocate --no-workbook (PostgreSQL)", allocate, _validated, server=True)
    )
    register_case(
        Case(
            "wishes match --no-workbook (PostgreSQL)",
            match,
            _imported,
            data=("wishes", "donations"),
            server=True,
        )
    )


_register()
