"""Every broken or hostile input in tests/hostile.py: a clear message, never a traceback.

Validation runs in a child process with a 2 GB address-space limit and a timeout, so a
file that made the parser blow up would fail the test instead of the test run.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import env_for, ledger_exists
from hostile import CASES, build
from zjk_charity.cli.main import app

LIMIT = 2 << 30


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("corpus"))


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _validate(path: Path, ws: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "zjk_charity",
            "aid",
            "validate",
            str(path),
            "--year",
            "2025",
            "--out",
            str(ws / "marked.xlsx"),
            "-w",
            str(ws),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit,
        env=env_for(ws, {**os.environ, "COLUMNS": "300"}),
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_each_case(corpus: dict[str, Path], tmp_path: Path, name: str) -> None:
    code, words = CASES[name]
    done = _validate(corpus[name], tmp_path)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == code, output
    for word in words:
        assert word in output, output
    if code == 2:
        assert name in done.stderr  # names the file
        assert not ledger_exists(tmp_path)  # and changed nothing


UNUSABLE = sorted(n for n, (code, _) in CASES.items() if code == 2 and n.endswith(".xlsx"))


@pytest.mark.parametrize("name", UNUSABLE)
def test_other_readers_refuse_each_unusable_case(
    corpus: dict[str, Path], tmp_path: Path, name: str
) -> None:
    runner = CliRunner()
    for args in (
        ["aid", "history", "import", str(corpus[name]), "--year", "2024"],
        ["aid", "allocate", "--quotas", str(corpus[name]), "--year", "2025"],
    ):
        result = runner.invoke(app, [*args, "-w", str(tmp_path)])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        )
