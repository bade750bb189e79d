"""Legacy .xls workbooks are parsed in a child process, so a crafted one cannot take ours down.

calamine's BIFF reader trusts the numbers a file gives it: a DIMENSIONS record asking
for 4 billion rows, or one cell at column 65,000, makes it reserve terabytes and abort
the whole process (no exception to catch). .xlsx sheets are scanned before parsing
(workbook/guard.py), but BIFF has many such numbers, so instead of predicting every one
the parse runs in ``python -m zjk_charity.workbook.isolated FILE``, under a memory cap
where the platform has one, and hands its grids back pickled on stdout. A child that
dies is reported as a file that cannot be read, with what to do.

.xls files are small (65,536 rows at most): the child's start and the hand-over cost
about 0.2 s a file. The pickle is made by our own child from calamine's values, never
by the file.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError

MEMORY_CAP = 3 << 30  # bytes of address space for the child; a normal .xls needs < 300 MB


def read_grids(path: Path) -> list[Any]:
    """The (name, grid, merged) of every sheet of the .xls at ``path``, parsed apart."""
    done = subprocess.run(
        [sys.executable, "-m", "zjk_charity.workbook.isolated", str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode == 0:
        outcome, payload = pickle.loads(done.stdout)
        if outcome == "ok":
            return list(payload)
        raise UserError(*payload)
    raise UserError(
        f"{path}：读取此 .xls 文件时解析器异常退出（文件损坏，或其中的行列数超出常理）；"
        "请用 Excel/WPS 打开后另存为 .xlsx 再试",
        f"{path}: the parser died reading this .xls (damaged, or it claims absurd rows or "
        "columns); open it in Excel or WPS and save it as .xlsx",
    )


def _main(argument: str) -> int:
    if sys.platform != "win32":  # fail fast instead of swapping (Windows has no such cap)
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = MEMORY_CAP if hard == resource.RLIM_INFINITY else min(MEMORY_CAP, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    from zjk_charity.workbook.reader import excel_grids

    try:
        outcome: tuple[str, Any] = ("ok", excel_grids(Path(argument)))
    except UserError as error:
        outcome = ("error", (error.zh, error.en))
    sys.stdout.buffer.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":  # pragma: no cover - the child
    sys.exit(_main(sys.argv[1]))
