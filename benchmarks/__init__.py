"""The benchmark suite of issue 6: ``python -m benchmarks`` (from the repository's root).

It generates synthetic application workbooks (10,000 and 100,000 applicants by
default) in a temporary folder, runs each case several times in a fresh process, and
prints rows, median seconds, rows/s and peak memory, then the ratios the targets are
stated in, all measured side by side in the same run. Peers (python-calamine,
openpyxl, pandas, xlsxwriter, frictionless-py when installed) are measured the same
way, so a slow or busy machine moves both sides of a ratio.

Benchmarks are not tests: nothing here asserts a time. This package is a developer
tool beside the library, not part of it (issue 19): the wheel ships ``zjk_charity``
alone, so the peers' libraries (pandas, openpyxl, frictionless) are the ``bench``
extra, not dependencies of the toolkit. Unlike the library it prints (``__main__``)
and imports the peers directly. Cases and ratios are a registry
(``cases.register_case`` / ``register_ratio``) so the allocation and wishes commands
can add theirs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# The folder that holds this package: a child process finds ``benchmarks`` through it
# whatever its working directory (the package is not installed, only run from a clone).
ROOT = Path(__file__).resolve().parent.parent


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with :data:`ROOT` first on
    ``PYTHONPATH``, for a child process that runs ``python -m benchmarks.…``."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
