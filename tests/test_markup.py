"""The marked-up workbook a county officer sends back to the townships."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import (
    AS_OF,
    HEADERS,
    YEAR,
    good_row,
    make_id,
    workbook_parts,
    write_workbook,
)
from zjk_charity.aid.markup import write_markup
from zjk_charity.aid.validation import validate
from zjk_charity.cli.main import app
from zjk_charity.ledger import Ledger

RED = "FFFFC7CE"
YELLOW = "FFFFEB9C"


def _marked(tmp_path: Path, rows: list[dict[str, object]], lang: str = "zh") -> openpyxl.Workbook:
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    result = validate(Ledger(tmp_path / "l.db"), [book], year=YEAR, as_of=AS_OF)
    out = write_markup(result, tmp_path / "marked.xlsx", lang)
    return openpyxl.load_workbook(out)


def _fill(cell: object) -> str:
    return str(cell.fill.fgColor.rgb)  # type: ignore[attr-defined]


def test_flagged_cells_are_filled_and_commented_at_the_original_rows(tmp_path: Path) -> None:
    rows = [
        good_row(),
        good_row(姓名="测乙", 身份证号=make_id(seq="245")[:-1] + "0", 序号=2),  # bad checksum
        good_row(姓名="测丙", 身份证号=make_id(seq="357"), 联系电话="12", 序号=3),  # warning
    ]
    book = _marked(tmp_path, rows)
    assert book.sheetnames == ["张北镇", "问题清单", "汇总"]
    ws = book["张北镇"]
    headers = [c.value for c in ws[3]]
    assert headers[-2:] == ["校验结果", "问题说明"]
    id_col = headers.index("身份证号") + 1
    phone_col = headers.index("联系电话") + 1
    verdict = len(headers) - 1
    assert ws.cell(1, 1).value.startswith("2025年福彩暖冬")  # the title row is kept
    assert ws.cell(4, verdict).value == "通过"
    assert ws.cell(5, verdict).value == "不通过"
    assert _fill(ws.cell(5, id_col)) == RED
    assert "校验位" in ws.cell(5, id_col).comment.text
    assert ws.cell(6, verdict).value == "警告"
    assert _fill(ws.cell(6, phone_col)) == YELLOW
    assert ws.cell(6, phone_col).comment is not None
    assert ws.cell(4, id_col).comment is None
    assert ws.cell(4, id_col).data_type == "s"

    problems = list(book["问题清单"].iter_rows(values_only=True))
    flagged = [r for r in problems if r[4] in ("ID_BAD_CHECKSUM", "PHONE_INVALID")]
    assert [(r[2], r[3], r[4]) for r in flagged] == [
        (5, "身份证号", "ID_BAD_CHECKSUM"),
        (6, "联系电话", "PHONE_INVALID"),
    ]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert ("张北县", 3, 2, 1, 1) in summary


def test_formula_looking_text_is_written_as_text(tmp_path: Path) -> None:
    """Text that a county typed (here in a CSV) must never become a live formula."""
    row = good_row(姓名='=HYPERLINK("http://x","点我")', 备注="+1", **{"村(社区)": "@SUM(A1)"})
    source = tmp_path / "张北县.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        out.writerow([row[h] for h in HEADERS])
    result = validate(Ledger(tmp_path / "l.db"), [source], year=YEAR, as_of=AS_OF)
    ws = openpyxl.load_workbook(write_markup(result, tmp_path / "m.xlsx"))["张北县"]
    headers = [c.value for c in ws[1]]
    for header in ("姓名", "备注", "村(社区)"):
        cell = ws.cell(2, headers.index(header) + 1)
        assert cell.data_type == "s", header
        assert cell.value == row[header]


def test_english_messages_with_lang_en(tmp_path: Path) -> None:
    rows = [good_row(人员类别="城市特困人员")]
    book = write_workbook(tmp_path / "a.xlsx", rows)
    result = runner().invoke(
        app,
        [
            "aid",
            "validate",
            str(book),
            "--year",
            "2025",
            "--as-of",
            "2025-10-20",
            "--lang",
            "en",
            "--no-workbook",
            "-w",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "NOT_RURAL" in result.output
    zh = runner().invoke(
        app,
        [
            "aid",
            "validate",
            str(book),
            "--year",
            "2025",
            "--as-of",
            "2025-10-20",
            "--json",
            "--lang",
            "en",
            "--no-workbook",
            "-w",
            str(tmp_path),
        ],
    )

    findings = json.loads(zh.stdout)["findings"]
    assert [f["code"] for f in findings] == ["NOT_RURAL"]
    assert findings[0]["message"].startswith("category '城市特困人员': only rural")


def runner() -> CliRunner:
    return CliRunner()


def test_the_marked_up_workbook_is_xlsxwriters_own_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # markup streams with fast_rows (issue 6: 37 s -> 20 s at 100,000 rows); every part
    # but the creation time must be what xlsxwriter's unmodified Worksheet writes.
    from zjk_charity.workbook import writer

    names = ["=1+1", " 前导空格", "尾随空格 ", "a&b<c>\"'", "换行\n符\t制表", "_x0041_", "普通"]
    rows = [
        good_row(姓名=name, 身份证号=make_id(seq=f"{100 + i}"), 序号=i + 1)
        for i, name in enumerate(names)
    ]
    rows.append(good_row(姓名="测乙", 身份证号=make_id(seq="245")[:-1] + "0", 序号=8))
    rows.append(good_row(姓名="测丙", 身份证号=make_id(seq="357"), 联系电话="12", 序号=9))
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    result = validate(Ledger(tmp_path / "l.db"), [book], year=YEAR, as_of=AS_OF)
    assert result.findings  # comments, fills and the 问题清单 sheet are in both
    fast = write_markup(result, tmp_path / "fast.xlsx")
    monkeypatch.setattr(writer, "streamed_worksheet_class", lambda: None)
    stock = write_markup(result, tmp_path / "stock.xlsx")
    assert workbook_parts(fast) == workbook_parts(stock)
