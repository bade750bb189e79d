"""`aid allocate --no-workbook`: the same allocation in the ledger and the same --json, no files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import connect_ledger, write_workbook
from test_allocation import _people
from zjk_charity.cli.main import app

runner = CliRunner()
ARGS = ("aid", "allocate", "--year", "2025", "--budget", "7500", "--as-of", "2025-10-20")


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


def _books(tmp_path: Path) -> list[Path]:
    """张北县 (6 people, two sharing a household) and 康保县 (4 people)."""
    rows = _people(6)
    rows[5]["户号"] = rows[4]["户号"]
    a = write_workbook(tmp_path / "张北县.xlsx", rows)
    b = write_workbook(tmp_path / "康保县.xlsx", _people(4, "康保县", "130723", start=50))
    return [a, b]


def _validate(ws: Path, books: list[Path]) -> Path:
    """``books`` validated in the workspace ``ws``."""
    result = cli(ws, "aid", "validate", *map(str, books), "--year", "2025", "--no-workbook")
    assert result.exit_code == 0, result.output
    return ws


@pytest.fixture
def validated(tmp_path: Path) -> Path:
    return _validate(tmp_path / "validated", _books(tmp_path))


def _stored(ws: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The allocation as the ledger holds it (the run's timestamps left out)."""
    conn = connect_ledger(ws)
    try:
        return {
            "allocations": conn.execute("SELECT * FROM allocations ORDER BY id").fetchall(),
            "allocation_people": conn.execute(
                "SELECT * FROM allocation_people ORDER BY allocation_id, seq"
            ).fetchall(),
            "runs": conn.execute(
                "SELECT id, command, arguments, inputs, outcome, result FROM runs "
                "WHERE command = 'aid allocate'"
            ).fetchall(),
        }
    finally:
        conn.close()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("zjk"))


def test_no_workbook_records_the_same_allocation_and_json_and_writes_nothing(
    tmp_path: Path,
) -> None:
    # Two workspaces validated alike (not a copied folder: a PostgreSQL ledger is no file).
    books = _books(tmp_path)
    with_files = _validate(tmp_path / "with-files", books)
    without = _validate(tmp_path / "without", books)
    out = tmp_path / "out"

    full = cli(with_files, *ARGS, "--json", "--out", str(out / "a.xlsx"))
    lean = cli(without, *ARGS, "--json", "--no-workbook", "--out", str(out / "b.xlsx"))

    assert full.exit_code == lean.exit_code == 0, lean.output
    assert lean.stdout == full.stdout
    stored = _stored(without)
    assert stored == _stored(with_files)
    assert len(stored["allocations"]) == 1 and len(stored["allocation_people"]) == 10
    assert [p.name for p in _files(out)] == ["a.xlsx"]  # the bank's file comes from aid pay
    assert _files(without) == []  # nothing beside the ledger, nothing under out/


def test_no_workbook_says_how_to_get_the_files(validated: Path) -> None:
    result = cli(validated, *ARGS, "--no-workbook")
    assert result.exit_code == 0, result.output
    assert "名额分配（分配编号 1）" in result.output
    assert "未写出文件（--no-workbook）" in result.output and "已写出" not in result.output
    assert "zjk-charity aid export" in " ".join(result.output.split())  # however wrapped
    assert _files(validated) == []


def test_allocate_help_documents_no_workbook() -> None:
    result = runner.invoke(app, ["aid", "allocate", "--help"])
    assert result.exit_code == 0
    assert "--no-workbook" in result.output and "再运行一次" in result.output
