"""The README's guide is a test: its commands run as written, in order, on sample_data/.

Every ```bash block of the Chinese guide (from "## 使用指南" up to "### 常用选项与退出码")
is read line by line; each line that is not blank or a comment is one command, run
literally by bash in a temporary workspace holding a copy of sample_data/, with
``zjk-charity`` resolving to this checkout's code. The exit code a command must give is
written in its comment, in the notation the README shows a clerk: ``# 退出码 1：why``;
a command without it must exit 0. Adding a command to the guide is all it takes to test it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import zjk_charity
from conftest import env_for
from zjk_charity.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SAMPLE_DATA = ROOT / "sample_data"
GUIDE_START, GUIDE_END = "## 使用指南", "### 常用选项与退出码"
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXIT_NOTE = re.compile(r"退出码\s*(\d+)")
# What a command must never hold: a value the reader would have to invent (…, 1307XXXX, <ID>).
PLACEHOLDER = re.compile(r"…|\.\.\.|X{4,}|<[^<>\s]+>")
# The whole guide, measured at about 12 s on a quiet 2-core machine.
STEP_TIMEOUT = 300


@dataclass(frozen=True)
class Step:
    """One command of the guide and the exit code its comment states (0 when none)."""

    command: str  # the line as written, comment included (bash ignores it)
    expected: int

    @property
    def words(self) -> str:
        """The command without its comment."""
        return self.command.split(" #", 1)[0].strip()


def guide_steps(readme: str) -> list[Step]:
    """The commands of the guide's bash blocks, in order.

    A comment starts at `` #`` (the guide's commands hold no ``#`` of their own); its
    ``退出码 N`` is the exit code expected.
    """
    start = readme.index(GUIDE_START)
    guide = readme[start : readme.index(GUIDE_END, start)]
    steps = []
    for block in BLOCK.findall(guide):
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            comment = line.split(" #", 1)[1] if " #" in line else ""
            note = EXIT_NOTE.search(comment)
            steps.append(Step(line, int(note.group(1)) if note else 0))
    return steps


def test_guide_steps_reads_bash_blocks_of_the_guide_only() -> None:
    readme = "\n".join(
        [
            "```bash",
            "zjk-charity before          # not in the guide",
            "```",
            GUIDE_START + "：走一遍",
            "```bash",
            "# a comment line",
            "zjk-charity one",
            "",
            "zjk-charity two --x 1      # 退出码 1：样例中有错误",
            "```",
            "```text",
            "zjk-charity not-bash",
            "```",
            "```bash",
            "zjk-charity three # 说明，退出码 2",
            "```",
            GUIDE_END,
            "```bash",
            "zjk-charity after",
            "```",
        ]
    )
    assert [(s.words, s.expected) for s in guide_steps(readme)] == [
        ("zjk-charity one", 0),
        ("zjk-charity two --x 1", 1),
        ("zjk-charity three", 2),
    ]


def _steps() -> list[Step]:
    return guide_steps(README.read_text(encoding="utf-8"))


def test_the_guide_has_commands_without_placeholders() -> None:
    steps = _steps()
    assert len(steps) >= 10
    assert all(s.words.startswith("zjk-charity ") for s in steps)
    for step in steps:
        assert not PLACEHOLDER.search(step.words), step.command
        assert not step.words.endswith("\\"), step.command  # one command per line


def _shim(folder: Path) -> Path:
    """A ``zjk-charity`` that runs this checkout's package with this interpreter."""
    folder.mkdir()
    script = folder / "zjk-charity"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m zjk_charity "$@"\n')
    script.chmod(0o755)
    return folder


def _environment(bin_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ZJK_CHARITY_") and k not in ("COLUMNS", "LINES")
    }
    source = str(Path(zjk_charity.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    env["PATH"] = os.pathsep.join((str(bin_dir), env.get("PATH", "")))
    return env


@pytest.mark.skipif(shutil.which("bash") is None, reason="the guide is bash")
def test_the_guide_runs_as_written_on_the_sample_data(tmp_path: Path) -> None:
    workspace = tmp_path / "工作目录"
    shutil.copytree(SAMPLE_DATA, workspace)
    env = env_for(workspace, _environment(_shim(tmp_path / "bin")))
    started = time.monotonic()
    for n, step in enumerate(_steps(), start=1):
        done = subprocess.run(
            ["bash", "-c", step.command],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        assert done.returncode == step.expected, (
            f"step {n}: {step.command}\nexit {done.returncode}, the README says "
            f"{step.expected}\n--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )
        # The guide sets the campaign year first, and the data is of that year: no warning.
        assert "注意：活动年度" not in done.stderr, step.command
        assert "Traceback" not in done.stderr, step.command
    assert load_settings(workspace).campaign_year == 2025
    assert time.monotonic() - started < 240  # the guide stays quick to run
