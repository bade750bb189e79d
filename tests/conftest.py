"""Shared helpers: synthetic resident IDs and application workbooks built in tmp_path.

Every person here is synthetic: names like 测甲 and IDs made up from an address code,
a birth date and a sequence number, with a correct GB 11643 check character.
"""

from __future__ import annotations

import os
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import settings
from stdnum import luhn

import backends
from backends import connect_ledger, env_for, ledger_at, ledger_exists
from zjk_charity.aid.validation import ValidationResult, validate
from zjk_charity.ids import check_character

__all__ = ["connect_ledger", "env_for", "ledger_at", "ledger_exists"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgresql",
        metavar="URL",
        default=os.environ.get("ZJK_CHARITY_TEST_POSTGRESQL"),
        help="run every test's ledger on this PostgreSQL server (a schema per workspace)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of the SQLite ledger file itself")
    config.addinivalue_line("markers", "postgresql: needs a PostgreSQL server (--postgresql)")
    backends.configure(config.getoption("--postgresql"))


@pytest.fixture(autouse=True)
def _ledger_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Each test's ledgers on this run's backend (tests/backends.py)."""
    if backends.postgres() and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("a test of the SQLite ledger file")
    if not backends.postgres() and request.node.get_closest_marker("postgresql"):
        pytest.skip("needs a PostgreSQL server: pytest --postgresql URL")
    yield from backends.each_test(monkeypatch.setattr)


# No per-example deadline anywhere: CI runs on 2 shared cores, where a slow example is
# the machine, not a finding. Tests that set their own settings keep them.
settings.register_profile("zjk", deadline=None)
settings.load_profile("zjk")

# The spec sits beside the repository (../shared/spec) on the developers' machines,
# wherever the clone is; a clone elsewhere has no spec beside it.
SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "spec"


def spec_file(name: str) -> Path:
    """``../shared/spec/<name>`` relative to the repository, for the spec meta-tests.

    When the spec is not beside the clone the calling test skips, unless
    ZJK_CHARITY_REQUIRE_SPEC is set (a CI that checks out the spec too): then it fails.
    """
    path = SPEC_DIR / name
    if not path.is_file():
        if os.environ.get("ZJK_CHARITY_REQUIRE_SPEC"):
            pytest.fail(f"{path} is missing and ZJK_CHARITY_REQUIRE_SPEC is set")
        pytest.skip(f"{name}: the spec is not beside this clone ({SPEC_DIR})")
    return path


YEAR = 2025
AS_OF = date(2025, 10, 20)
TITLE = "2025年福彩暖冬活动申请审批表"
UNIT = "填报单位：张北县民政局        填报日期：2025年10月8日"

HEADERS = [
    "序号",
    "县(区)",
    "乡镇(街道)",
    "村(社区)",
    "姓名",
    "性别",
    "身份证号",
    "年龄",
    "户号",
    "人员类别",
    "供养方式",
    "生活自理能力",
    "开户银行",
    "银行账号",
    "联系电话",
    "认证截图",
    "申请日期",
    "往年受助年份",
    "特殊情况说明",
    "备注",
]


def make_id(birth: str = "19400101", address: str = "130722", seq: str = "123") -> str:
    """A valid synthetic 18-digit ID: address + YYYYMMDD + 3 digits + check character."""
    first17 = address + birth + seq
    assert len(first17) == 17, first17
    return first17 + check_character(first17)


@cache
def script_zeros() -> list[str]:
    """The zero of every script's decimal digits (٠ ۰ ߀ ० ০ … ０ 𝟎 …); its 1–9 follow it."""
    return [
        c
        for c in map(chr, range(sys.maxunicode + 1))
        if unicodedata.category(c) == "Nd" and unicodedata.decimal(c) == 0
    ]


def in_script(text: str, zero: str) -> str:
    """``text`` with its ASCII digits written in the script whose zero is ``zero``."""
    digits = "".join(chr(ord(zero) + d) for d in range(10))
    return text.translate(str.maketrans("0123456789", digits))


def make_account(prefix: str = "622202", length: int = 19) -> str:
    """A synthetic bank card number that passes the Luhn check."""
    body = (prefix + "1234567890123456789")[: length - 1]
    return body + luhn.calc_check_digit(body)


# Given names of other people in a test: no two sound alike or look alike (likeness.py).
OTHER_NAMES = "乙丙丁戊庚辛壬癸子丑寅卯辰申春夏秋冬南西北金木水火山川梅兰竹菊风云雷花草松桃"


def person_name(i: int) -> str:
    """测乙, 测丙, …: a name for the i-th other person of a test (测甲 is good_row's)."""
    return "测" + OTHER_NAMES[i % len(OTHER_NAMES)]


GOOD_ID = make_id()  # born 1940-01-01, male (sequence digit 3 is odd): 85 on AS_OF
GOOD_ACCOUNT = make_account()


def good_row(**overrides: Any) -> dict[str, Any]:
    """A row that passes every check; keyword arguments replace cells by header."""
    row: dict[str, Any] = {
        "序号": 1,
        "县(区)": "张北县",
        "乡镇(街道)": "张北镇",
        "村(社区)": "一村",
        "姓名": "测甲",
        "性别": "男",
        "身份证号": GOOD_ID,
        "年龄": 85,
        "户号": "",
        "人员类别": "农村特困人员",
        "供养方式": "分散供养",
        "生活自理能力": "完全丧失生活自理能力",
        "开户银行": "农村信用社",
        "银行账号": GOOD_ACCOUNT,
        "联系电话": "13800000000",
        "认证截图": "cert.png",
        "申请日期": "2025-10-08",
        "往年受助年份": "",
        "特殊情况说明": "",
        "备注": "",
    }
    row.update(overrides)
    # Each person has an account and a phone of their own, else every two rows would be
    # ACCOUNT_SHARED (integrity.md): a row with another ID gets them from its ID's digits.
    number = row["身份证号"]
    if number == "" and "银行账号" not in overrides:  # someone, but not GOOD_ID's holder
        row["银行账号"] = make_account("621799")
    digits = number[:17] if isinstance(number, str) and len(number) == 18 else ""
    if number != GOOD_ID and digits.isascii() and digits.isdigit():
        if "银行账号" not in overrides:
            row["银行账号"] = make_account("62" + number[1:17])
        if "联系电话" not in overrides:
            row["联系电话"] = "13" + number[8:17]
    return row


def write_sheet(
    ws: Any,
    rows: Sequence[dict[str, Any] | Sequence[Any] | None],
    headers: Sequence[str] = HEADERS,
    *,
    title: str | None = TITLE,
    unit: str | None = UNIT,
) -> None:
    """Title row merged across the table, a 填报单位 line, the header row, then data rows.

    A row is a dict by header, a plain list of cells, or None for a blank line.
    """
    if title is not None:
        ws.append([title])
        line = ws.max_row
        ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=len(headers))
    if unit is not None:
        ws.append([unit])
    ws.append(list(headers))
    for row in rows:
        if row is None:
            ws.append([])  # openpyxl still advances to the next row
        elif isinstance(row, dict):
            ws.append([(None if row.get(h, "") == "" else row.get(h)) for h in headers])
        else:
            ws.append(list(row))


def write_workbook(
    path: Path,
    rows: Sequence[dict[str, Any] | Sequence[Any] | None],
    headers: Sequence[str] = HEADERS,
    *,
    title: str | None = TITLE,
    unit: str | None = UNIT,
    sheet: str = "张北镇",
) -> Path:
    """One-sheet application workbook (title, 填报单位, header on row 3 by default)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    write_sheet(ws, rows, headers, title=title, unit=unit)
    wb.save(path)
    return path


def run_validate(tmp_path: Path, path: Path | Sequence[Path], **kw: Any) -> ValidationResult:
    """Validate into the ledger at tmp_path/ws (same ledger for every call in a test)."""
    paths = [path] if isinstance(path, Path) else list(path)
    ledger = ledger_at(tmp_path / "ws")
    return validate(ledger, paths, year=YEAR, as_of=AS_OF, **kw)


def codes(result: ValidationResult) -> list[tuple[int | None, str | None, str]]:
    return [(f.row, f.column, f.code) for f in result.findings]


@pytest.fixture
def workbook(tmp_path: Path):
    """Factory: workbook(rows, name="a.xlsx", headers=HEADERS, ...) -> path."""

    def make(rows: Sequence[Any], name: str = "apps.xlsx", **kw: Any) -> Path:
        return write_workbook(tmp_path / name, rows, **kw)

    return make


@pytest.fixture
def check(tmp_path: Path, workbook):
    """Factory: check(*rows, **validate_kw) -> [(row, column, code), ...] for one workbook."""

    def run(*rows: dict[str, Any], name: str = "apps.xlsx", **kw: Any):
        path = workbook(list(rows), name=name)
        return codes(run_validate(tmp_path, path, **kw))

    return run


def workbook_parts(path: Path) -> dict[str, bytes]:
    """Every part of an .xlsx but docProps/core.xml (which holds the creation time)."""
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


def batch_rows(batch_csv: Path) -> list[dict[str, str]]:
    """The rows of a ``basic`` bank batch file (GBK CSV), by header."""
    import csv

    with batch_csv.open(encoding="gbk", newline="") as handle:
        return list(csv.DictReader(handle))


def bank_result(
    batch_csv: Path,
    target: Path,
    outcomes: dict[int, tuple[str, str]] | None = None,
    *,
    total_row: bool = True,
) -> Path:
    """A bank's result workbook for a ``basic`` batch file, laid out as banks do: a title
    row, their own headers (收款人账号, 收款人名称, 交易金额, 处理结果, 失败原因), and a 合计
    row. ``outcomes`` maps a 序号 to (处理结果, 失败原因); every other row succeeded."""
    rows = batch_rows(batch_csv)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "处理结果"
    ws.append(["批量代发处理结果"])
    ws.append(["收款人账号", "收款人名称", "交易金额", "处理结果", "失败原因"])
    for r in rows:
        status, reason = (outcomes or {}).get(int(r["序号"]), ("成功", ""))
        ws.append([r["账号"], r["户名"], float(r["金额"]), status, reason])
        ws.cell(ws.max_row, 1).number_format = "@"
    if total_row:
        ws.append(["合计", "", sum(float(r["金额"]) for r in rows), f"{len(rows)}笔", ""])
    wb.save(target)
    return target
