"""The registry of benchmark cases, the data sets they need, and the target ratios.

A case is a command run in a fresh process; ``prepare`` (untimed) runs before each
repetition, e.g. to start from an empty ledger or from a copy of a validated one. To add
a command: register a data set generator if it needs new files, then a case, then the
ratio that states its target, e.g.::

    register_case(Case("aid allocate --no-workbook", allocate_argv, prepare=_validated))
    register_ratio(
        Ratio("allocate / read", ("aid allocate --no-workbook",), ("calamine read",), 1.0)
    )

Registered here: validate and allocate with and without their workbooks, wishes match,
the help commands, and the peers they are measured against (``peers.py``);
``postgres_cases.py`` adds validate, allocate and match with the ledger on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchmarks.generate import write_applications, write_history
from benchmarks.generate_wishes import write_donations, write_wishes
from benchmarks.measure import BenchError

YEAR = "2025"


@dataclass(frozen=True)
class Inputs:
    """What a case is given: the size, its folder, the data sets and the interpreter."""

    rows: int
    folder: Path
    files: dict[str, Path]  # data set name -> generated file
    python: tuple[str, ...]  # the interpreter to run the toolkit and the peers with
    env: dict[str, str] | None = None  # the toolkit's environment (--src: its PYTHONPATH)
    postgresql: str | None = None  # --postgresql: the server of the PostgreSQL cases

    def toolkit(self, *args: str) -> list[str]:
        return [*self.python, "-m", "zjk_charity", *args]

    def peer(self, *args: str) -> list[str]:
        return [*self.python, "-m", "benchmarks.peers", *args]

    @property
    def workspace(self) -> Path:
        return self.folder / "workspace"

    def fresh_workspace(self) -> None:
        """An empty workspace: no ledger left from the previous repetition."""
        shutil.rmtree(self.workspace, ignore_errors=True)
        self.workspace.mkdir(parents=True)


@dataclass(frozen=True)
class Case:
    name: str
    argv: Callable[[Inputs], list[str]]
    prepare: Callable[[Inputs], None] | None = None
    sized: bool = True  # False: independent of the data (run once, not per size)
    data: tuple[str, ...] = ("applications",)  # the data sets it needs
    requires: str | None = None  # a module that must be importable (an optional peer)
    peer: bool = False  # a peer: always run from this tree, even with --src
    server: bool = False  # its ledger is on the PostgreSQL server of --postgresql

    def unavailable(self, inputs: Inputs | None = None) -> str | None:
        if self.requires and importlib.util.find_spec(self.requires) is None:
            return f"{self.requires} not installed (pip install -e '.[bench]')"
        if self.server and (inputs is None or inputs.postgresql is None):
            return "needs a PostgreSQL server (--postgresql URL)"
        return None


@dataclass(frozen=True)
class Ratio:
    """``numerator`` against the sum of ``denominator`` (cases), at ``rows``.

    ``kind="ratio"``: value = n / d, met when ≤ limit; ``"at_least"``: n / d, met when
    ≥ limit (a peer this many times slower); ``"over"``: n - d in seconds, met when
    ≤ limit. ``rows`` None means every size of the run, judged at the largest; a pair of
    sizes in ``growth`` compares one case at two sizes instead (100,000 against 10,000).
    """

    name: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    limit: float
    kind: Literal["ratio", "at_least", "over"] = "ratio"
    rows: int | None = None
    growth: tuple[int, int] | None = None


DATASETS: dict[str, Callable[[Path, int], Path]] = {}
CASES: dict[str, Case] = {}
RATIOS: list[Ratio] = []


def register_dataset(name: str, make: Callable[[Path, int], Path]) -> None:
    DATASETS[name] = make


def register_case(case: Case) -> None:
    CASES[case.name] = case


def register_ratio(ratio: Ratio) -> None:
    RATIOS.append(ratio)


def _applications(folder: Path, rows: int) -> Path:
    return write_applications(folder / f"applications-{rows}.xlsx", rows).path


def _validate(inputs: Inputs, *extra: str) -> list[str]:
    path = str(inputs.files["applications"])
    return inputs.toolkit(
        "aid", "validate", path, "--year", YEAR, "--json", "-w", str(inputs.workspace), *extra
    )


def _seeded(inputs: Inputs, name: str, commands: list[list[str]]) -> None:
    """A fresh workspace holding a ledger prepared once (untimed) by ``commands``."""
    template = inputs.folder / f"template-{name}"
    if not (template / "zjk-charity.db").exists():
        template.mkdir(parents=True, exist_ok=True)
        for args in commands:
            subprocess.run(
                inputs.toolkit(*args, "-w", str(template)),
                capture_output=True,
                check=False,
                env=inputs.env,
            )
    inputs.fresh_workspace()
    ledger = inputs.workspace / "zjk-charity.db"
    shutil.copy(template / "zjk-charity.db", ledger)
    # A template kept in --data from an older version of the toolkit would be migrated
    # inside the timed run: do it here, with the code being measured.
    upgrade = (
        "from pathlib import Path\nfrom zjk_charity.ledger import Ledger\n"
        f"with Ledger(Path({str(ledger)!r})).read(): pass"
    )
    done = subprocess.run([*inputs.python, "-c", upgrade], capture_output=True, env=inputs.env)
    if done.returncode != 0:
        raise BenchError(f"upgrading the {name} template failed: {done.stderr.decode()[-300:]}")


def _validated(inputs: Inputs) -> None:
    path = str(inputs.files["applications"])
    _seeded(inputs, "validated", [["aid", "validate", path, "--year", YEAR, "--no-workbook"]])


def _allocate(inputs: Inputs, *extra: str) -> list[str]:
    workspace = str(inputs.workspace)
    return inputs.toolkit("aid", "allocate", "--year", YEAR, "--json", "-w", workspace, *extra)


ALLOCATION_CELLS = "allocation-cells.marshal"


def _allocation_cells(inputs: Inputs) -> None:
    """Once per data set (untimed): the cells of the allocation workbook, for the floor peer.

    It runs ``aid allocate`` on the validated ledger and keeps the values of every sheet
    of the workbook it writes, as ``peers.save_cells`` reads them.
    """
    from benchmarks.peers import save_cells

    cells = inputs.folder / ALLOCATION_CELLS
    if cells.exists():
        return
    _validated(inputs)
    book = inputs.folder / "allocation-cells.xlsx"
    done = subprocess.run(
        _allocate(inputs, "--out", str(book)), capture_output=True, check=False, env=inputs.env
    )
    if done.returncode != 0:
        raise BenchError(f"aid allocate for the floor's cells exited with {done.returncode}")
    save_cells(book, cells)


def _imported(inputs: Inputs) -> None:
    wishes, donations = str(inputs.files["wishes"]), str(inputs.files["donations"])
    _seeded(inputs, "imported", [["wishes", "import", wishes], ["donations", "import", donations]])


def _more() -> None:
    """aid allocate over validated candidates; wishes match over n wishes × n donations.

    ``aid allocate (all outputs)`` writes a workbook of about 20 cells per applicant
    (候补名单 and 未入选 both list the waitlist); its floor is the calamine read of the
    applications plus xlsxwriter writing the same cells, unformatted, streamed.
    """
    register_dataset(
        "wishes", lambda folder, rows: write_wishes(folder / f"wishes-{rows}.xlsx", rows)
    )
    register_dataset(
        "donations", lambda folder, rows: write_donations(folder / f"donations-{rows}.xlsx", rows)
    )
    register_case(
        Case("aid allocate --no-workbook", lambda i: _allocate(i, "--no-workbook"), _validated)
    )
    register_case(
        Case(
            "aid allocate (all outputs)",
            lambda i: _allocate(i, "--out", str(i.folder / "alloc.xlsx")),
            prepare=_validated,
        )
    )
    register_case(
        Case(
            "xlsxwriter write (allocation's cells)",
            lambda i: i.peer(
                "xlsxwriter-cells",
                str(i.folder / ALLOCATION_CELLS),
                str(i.folder / "peer-alloc.xlsx"),
            ),
            prepare=_allocation_cells,
            peer=True,
        )
    )
    register_case(
        Case(
            "wishes match --no-workbook",
            lambda i: i.toolkit(
                "wishes", "match", "--json", "--no-workbook", "-w", str(i.workspace)
            ),
            prepare=_imported,
            data=("wishes", "donations"),
        )
    )
    register_ratio(
        Ratio(
            "allocate --no-workbook / calamine read",
            ("aid allocate --no-workbook",),
            ("calamine read",),
            1.0,
        )
    )
    register_ratio(
        Ratio(
            "allocate (all outputs) / (calamine read + xlsxwriter write of its cells)",
            ("aid allocate (all outputs)",),
            ("calamine read", "xlsxwriter write (allocation's cells)"),
            1.0,
        )
    )
    register_ratio(
        Ratio(
            "wishes match 100k / 10k",
            ("wishes match --no-workbook",),
            ("wishes match --no-workbook",),
            12.0,
            growth=(100000, 10000),
        )
    )


def _builtin() -> None:
    register_dataset("applications", _applications)
    register_case(Case("python -c pass", lambda i: [*i.python, "-c", "pass"], None, False, ()))
    register_case(Case("zjk-charity --help", lambda i: i.toolkit("--help"), None, False, ()))
    register_case(
        Case("zjk-charity aid --help", lambda i: i.toolkit("aid", "--help"), None, False, ())
    )
    app = "applications"
    register_case(Case("calamine read", lambda i: i.peer("calamine", str(i.files[app])), peer=True))
    # openpyxl and pandas are the bench extra's (pip install -e '.[bench]'), not the toolkit's.
    register_case(
        Case(
            "openpyxl read",
            lambda i: i.peer("openpyxl", str(i.files[app])),
            requires="openpyxl",
            peer=True,
        )
    )
    register_case(
        Case(
            "pandas+openpyxl read",
            lambda i: i.peer("pandas", str(i.files[app])),
            requires="pandas",
            peer=True,
        )
    )
    register_case(
        Case(
            "calamine read + xlsxwriter write",
            lambda i: i.peer("calamine+xlsxwriter", str(i.files[app]), str(i.folder / "peer.xlsx")),
            peer=True,
        )
    )
    register_case(
        Case(
            "frictionless validate",
            lambda i: i.peer("frictionless", str(i.files[app])),
            requires="frictionless",
            peer=True,
        )
    )
    register_case(
        Case(
            "aid validate --no-workbook",
            lambda i: _validate(i, "--no-workbook"),
            prepare=Inputs.fresh_workspace,
        )
    )
    register_case(
        Case(
            "aid validate (marked-up workbook)",
            lambda i: _validate(i, "--out", str(i.folder / "marked.xlsx")),
            prepare=Inputs.fresh_workspace,
        )
    )
    register_ratio(
        Ratio(
            "validate --no-workbook / calamine read",
            ("aid validate --no-workbook",),
            ("calamine read",),
            1.6,
        )
    )
    register_ratio(
        Ratio(
            "validate + workbook / (calamine read + xlsxwriter write)",
            ("aid validate (marked-up workbook)",),
            ("calamine read + xlsxwriter write",),
            1.3,
        )
    )
    register_ratio(
        Ratio(
            "frictionless / validate --no-workbook",
            ("frictionless validate",),
            ("aid validate --no-workbook",),
            7.0,
            "at_least",
        )
    )
    for command in ("zjk-charity --help", "zjk-charity aid --help"):
        register_ratio(
            Ratio(
                f"{command} over python -c pass (s)", (command,), ("python -c pass",), 0.3, "over"
            )
        )


_builtin()
_more()


# ------------------------------------------------------------------- paying (issue 16)

# A budget that funds every valid applicant of a data set, at 1,000 yuan each.
EVERYONE = "1000000000"


def _allocated_all(inputs: Inputs) -> None:
    """A ledger whose allocation funds every valid applicant (about 90 % of the rows)."""
    path = str(inputs.files["applications"])
    _seeded(
        inputs,
        "allocated-all",
        [
            ["aid", "validate", path, "--year", YEAR, "--no-workbook"],
            ["aid", "allocate", "--year", YEAR, "--budget", EVERYONE, "--no-workbook"],
        ],
    )
    shutil.rmtree(inputs.folder / "pay-out", ignore_errors=True)


def _paid(inputs: Inputs) -> None:
    """A ledger with the whole allocation in one pending batch, and the bank's result
    file for it (1 in 100 failed, 1 in 1,000 still 处理中) beside it, made once."""
    path = str(inputs.files["applications"])
    template = inputs.folder / "template-paid"
    _seeded(
        inputs,
        "paid",
        [
            ["aid", "validate", path, "--year", YEAR, "--no-workbook"],
            ["aid", "allocate", "--year", YEAR, "--budget", EVERYONE, "--no-workbook"],
            ["aid", "pay", "--year", YEAR, "--out", str(template / "out")],
        ],
    )
    results = inputs.folder / "bank-results.csv"
    if not results.exists():
        _bank_results(template / "out" / f"P{YEAR}-001-basic.csv", results)


def _bank_results(batch: Path, target: Path) -> None:
    """The bank's answer to a basic batch file, in a layout of its own (GBK CSV)."""
    import csv

    with batch.open(encoding="gbk", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with target.open("w", encoding="gbk", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["收款人账号", "收款人名称", "交易金额", "处理结果", "失败原因"])
        for n, r in enumerate(rows):
            state, reason = ("失败", "账户已销户") if n % 100 == 7 else ("成功", "")
            state = "处理中" if n % 1000 == 500 else state
            out.writerow([r["账号"], r["户名"], r["金额"], state, reason])


def _payouts() -> None:
    """aid pay over every funded person of the data set; the bank's results imported."""
    register_case(
        Case(
            "aid pay (every valid applicant funded)",
            lambda i: i.toolkit(
                "aid",
                "pay",
                "--year",
                YEAR,
                "--json",
                "--out",
                str(i.folder / "pay-out"),
                "-w",
                str(i.workspace),
            ),
            prepare=_allocated_all,
        )
    )
    register_case(
        Case(
            "aid payments import (its bank results)",
            lambda i: i.toolkit(
                "aid",
                "payments",
                "import",
                str(i.folder / "bank-results.csv"),
                "--year",
                YEAR,
                "--json",
                "-w",
                str(i.workspace),
            ),
            prepare=_paid,
        )
    )


_payouts()


# ------------------------------------------------------- fuzzy screening (issue 17)

FUZZY = "aid validate --no-workbook (fuzzy screening: as many history rows)"


def _with_history(inputs: Inputs) -> None:
    """A ledger holding a 2024 history list as long as the applications (untimed)."""
    path = str(inputs.files["history"])
    _seeded(inputs, "history", [["aid", "history", "import", path, "--year", "2024"]])


def _fuzzy() -> None:
    """aid validate with a history registry as large as the applications: at 100,000
    rows, 100,000 applicants screened against 100,000 earlier recipients (one in ten the
    same ID, one in a hundred planted typos) and against each other ("likely the same
    person", integrity.md). Its figure over plain validate is the screening's cost."""
    register_dataset(
        "history",
        lambda folder, rows: write_history(folder / f"history-{rows}.csv", rows, rows),
    )
    register_case(
        Case(
            FUZZY,
            lambda i: _validate(i, "--no-workbook"),
            prepare=_with_history,
            data=("applications", "history"),
        )
    )
    register_ratio(
        Ratio(
            "fuzzy screening over validate --no-workbook (s)",
            (FUZZY,),
            ("aid validate --no-workbook",),
            5.0,
            "over",
        )
    )


_fuzzy()


# ------------------------------------------------- the ledger on PostgreSQL (issue 19)

import benchmarks.postgres_cases  # noqa: E402, F401  (registers its cases)
