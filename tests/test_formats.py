"""The same applications as .xlsx, .xls and GBK .csv give the same findings; bad files exit 2."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlwt
from typer.testing import CliRunner

from conftest import ledger_at, ledger_exists
from zjk_charity.aid.validation import validate
from zjk_charity.cli.main import app
from zjk_charity.ids import check_character

HEADERS = [
    "县(区)",
    "姓名",
    "身份证号",
    "人员类别",
    "供养方式",
    "生活自理能力",
    "银行账号",
    "认证截图",
    "联系电话",
]


def _id(first17: str) -> str:
    return first17 + check_character(first17)


ROWS = [
    [
        "张北县",
        "测一",
        _id("13072219400101123"),
        "农村特困人员",
        "分散供养",
        "失能",
        "6217000010000000000",
        "a.png",
        "13800000000",
    ],
    ["康保", "测二", "13072219400101123" + "0", "低保对象", "集中", "半失能", "12345", "", "123"],
    [
        "火星县",
        "测三",
        "13072119400101125x".upper(),
        "城市特困",
        "分散",
        "自理",
        "6217000010000000001",
        "b.png",
        "0313-1234567",
    ],
]


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["标题"])
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    return path


def _xls(path: Path) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate([["标题"], HEADERS, *ROWS]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def _csv(path: Path, encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["标题"])
        writer.writerow(HEADERS)
        writer.writerows(ROWS)
    return path


def _findings(tmp_path: Path, path: Path) -> list[tuple[int | None, str | None, str]]:
    result = validate(
        # a workspace of its own per file (on PostgreSQL a folder's ledgers are one schema)
        ledger_at(tmp_path / f"ws-{path.name}"),
        [path],
        year=2025,
        as_of=date(2025, 10, 20),
    )
    return [(f.row, f.column, f.code) for f in result.findings]


def test_xls_and_csv_give_the_same_findings_as_xlsx(tmp_path: Path) -> None:
    expected = _findings(tmp_path, _xlsx(tmp_path / "a.xlsx"))
    assert (4, "人员类别", "NOT_TEKUN") in expected
    assert (5, "县(区)", "UNKNOWN_COUNTY") in expected
    assert _findings(tmp_path, _xls(tmp_path / "a.xls")) == expected
    assert _findings(tmp_path, _csv(tmp_path / "gbk.csv", "gbk")) == expected
    assert _findings(tmp_path, _csv(tmp_path / "bom.csv", "utf-8-sig")) == expected


def _truncated(tmp_path: Path) -> Path:
    whole = _xlsx(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _headerless(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "填表说明"
    sheet.append(["请按要求填写"])
    path = tmp_path / "无表头.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "不存在.xlsx", "文件不存在"),
        (lambda p: (p / "空.xlsx", (p / "空.xlsx").write_bytes(b""))[0], "空"),
        (_truncated, "损坏或不完整"),
        (lambda p: (p / "文本.xls", (p / "文本.xls").write_text("hello"))[0], "不是 Excel 工作簿"),
        (_headerless, "找不到表头"),
        (lambda p: (p / "x.docx", (p / "x.docx").write_text("x"))[0], "不支持的文件类型"),
    ],
)
def test_unusable_files_exit_2_with_one_chinese_line(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    result = CliRunner().invoke(app, ["aid", "validate", str(path), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert words in result.output
    assert path.name in result.output
    assert "Traceback" not in result.output
    assert not ledger_exists(tmp_path / "ws")
