"""The bench's PostgreSQL cases (issue 19): registered beside the SQLite ones, skipped
without a server, and run end to end at a tiny size with one (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.cases import CASES
from benchmarks.postgres_cases import PREFIX

SERVER_CASES = [
    "aid validate --no-workbook (PostgreSQL)",
    "aid allocate --no-workbook (PostgreSQL)",
    "wishes match --no-workbook (PostgreSQL)",
]


def _bench(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, object]]:
    argv = ["--rows", "100", "--repeat", "1", "--cases", "(PostgreSQL)", "--json", *args]
    assert main(argv) == 0
    return {c["case"]: c for c in json.loads(capsys.readouterr().out)["cases"]}


def test_the_postgresql_cases_sit_beside_the_sqlite_ones() -> None:
    for name in SERVER_CASES:
        assert CASES[name].server
        assert not CASES[name.removesuffix(" (PostgreSQL)")].server


def test_without_a_server_they_are_skipped_and_say_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZJK_CHARITY_BENCH_POSTGRESQL", raising=False)
    measured = _bench(capsys, "--data", str(tmp_path))
    assert sorted(measured) == sorted(SERVER_CASES)
    for case in measured.values():
        assert case["seconds"] == [] and "--postgresql" in str(case["skipped"])


@pytest.mark.postgresql
def test_a_100_row_run_on_postgresql_measures_all_three_and_leaves_no_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    url = request.config.getoption("--postgresql")
    measured = _bench(capsys, "--data", str(tmp_path), "--postgresql", url)
    for name in SERVER_CASES:
        assert measured[name]["skipped"] is None, measured[name]
        assert measured[name]["rows"] == 100 and len(measured[name]["seconds"]) == 1  # type: ignore[arg-type]
    # The ledger really was on the server: the workspace holds settings, not a .db file.
    workspace = tmp_path / "100" / "workspace"
    assert (workspace / "zjk-charity.toml").is_file()
    assert not (workspace / "zjk-charity.db").exists()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE starts_with(nspname, %s)", (PREFIX,)
        ).fetchone()
    assert left == (0,)
