"""Run the PostgreSQL concurrency scenario many times (issue 19: it must pass 20 of 20).

    python scripts/postgres_concurrency.py [--runs 20] [--postgresql URL]

Runs tests/test_postgres_concurrency.py's scenario (four validates, an allocate and a
payments import started at once on one ledger) ``--runs`` times, each on a fresh schema,
and prints one line per scenario (time, how many validates held the ledger at once, the
order the commands took it, their exit codes) and the count that passed. The server is
``--postgresql``, else ``ZJK_CHARITY_TEST_POSTGRESQL``, else the local throw-away one
(``scripts/local-postgres start``). Exit status: pytest's (0 when every run passed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL = "postgresql://zjk@127.0.0.1:54329/zjk"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--postgresql", default=os.environ.get("ZJK_CHARITY_TEST_POSTGRESQL") or LOCAL
    )
    options = parser.parse_args()
    env = {**os.environ, "ZJK_CHARITY_CONCURRENCY_RUNS": str(options.runs)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "tests" / "test_postgres_concurrency.py"),
        "-k",
        "at_once",
        "-s",
        "-p",
        "no:cacheprovider",
        "--postgresql",
        options.postgresql,
    ]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
