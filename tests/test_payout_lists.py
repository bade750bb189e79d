"""The printed lists of a payout: the cash 领取表 (and its read-back) and the 失败名单."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import make_account, make_id
from test_reports import needs_pdf
from zjk_charity.aid.payout_lists import (
    CashLine,
    FailedPayment,
    read_cash_sheet,
    write_cash_sheet,
    write_failure_list,
)
from zjk_charity.config import Signers
from zjk_charity.errors import UserError

TOWNS = ("公会镇", "大河乡", "沙岭子镇", "东城街道办事处")
VILLAGES = ("东村", "西湾子村", "大囫囵村委会", "北关社区")


def _cash(n: int) -> list[CashLine]:
    return [
        CashLine(
            line=i + 1,
            county=("张北县", "康保县")[i % 2],
            township=TOWNS[i % 4],
            village=VILLAGES[i % 4],
            name=f"测{chr(0x4E00 + i)}",
            id_number=make_id(f"1940{1 + i % 12:02d}01", "130722", f"{i:03d}"),
            amount=Decimal("1000.00"),
        )
        for i in range(n)
    ]


def _failures() -> list[FailedPayment]:
    counties = ("康保县", "张北县", "康保县", "蔚县", "张北县")
    return [
        FailedPayment(
            county=c,
            township=TOWNS[i % 4],
            village=VILLAGES[i % 4],
            name=f"测{chr(0x4E20 + i)}",
            id_number=make_id("19450101", "130723", f"{i:03d}"),
            bank="中国农业银行张北县支行",
            account=make_account(length=19),
            amount=Decimal("1000.00") + i,
            batch="P2025-001",
            reason=("账户已销户", "户名不符")[i % 2],
        )
        for i, c in enumerate(counties)
    ]


def _xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def test_cash_sheet_prints_on_a4_with_repeated_header_and_masked_ids(tmp_path: Path) -> None:
    people = _cash(25)
    target = tmp_path / "领取表-C2025-001.xlsx"
    result = write_cash_sheet(
        target,
        code="C2025-001",
        year=2025,
        lines=people,
        signers=Signers(handler="王测", reviewer="李测"),
        day=date(2025, 11, 20),
        pdf=False,
    )
    assert result.xlsx == target and result.pdf is None and result.people == 25
    assert result.amount == Decimal("25000.00")
    book = openpyxl.load_workbook(target)
    ws = book.active
    assert ws.title == "领取表"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$3"  # title, batch line and header on every page
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert "C2025-001" in ws["A1"].value and "2025" in ws["A1"].value
    header = [c.value for c in ws[3]]
    assert header == [
        "序号",
        "县(区)",
        "乡镇(街道)",
        "村(社区)",
        "姓名",
        "身份证号",
        "金额（元）",
        "领取人签字",
        "手印",
        "领取日期",
        "经办人",
    ]
    first = [c.value for c in ws[4]]
    assert first[5] == people[0].id_number[:6] + "********" + people[0].id_number[-4:]
    assert first[7:] == [None] * 4  # left for the pen
    assert ws.row_dimensions[4].height >= 36  # room to sign and thumb-print
    total = next(r for r in ws.iter_rows(values_only=True) if r[1] == "合计")
    assert total[4] == "25 人" and total[6] == 25000
    texts = [str(v) for r in ws.iter_rows(values_only=True) for v in r if v]
    assert any(
        "经办人：王测" in t and "审核人：李测" in t and "发放单位（盖章）" in t for t in texts
    )
    xml = _xml(target)
    for p in people:
        assert p.id_number not in xml
    assert not re.search(r"\d{17}[\dX]", xml)


def test_unset_signers_leave_room_to_write(tmp_path: Path) -> None:
    target = tmp_path / "c.xlsx"
    write_cash_sheet(target, code="C2025-002", year=2025, lines=_cash(2), pdf=False)
    texts = [
        str(v)
        for r in openpyxl.load_workbook(target).active.iter_rows(values_only=True)
        for v in r
        if v
    ]
    line = next(t for t in texts if t.startswith("发放单位"))
    assert "经办人：\u3000" in line and "经办人：经办人" not in line


def test_cash_sheet_reads_back_with_deleted_rows_absent(tmp_path: Path) -> None:
    people = _cash(8)
    target = tmp_path / "领取表.xlsx"
    write_cash_sheet(target, code="C2025-003", year=2025, lines=people, pdf=False)
    code, rows = read_cash_sheet(target)
    assert code == "C2025-003"
    assert [(r.line, r.name) for r in rows] == [(p.line, p.name) for p in people]
    assert all(
        r.masked_id.startswith(p.id_number[:6])
        and r.masked_id.endswith(p.id_number[-4:])
        and "*" in r.masked_id
        for r, p in zip(rows, people, strict=True)
    )
    # The clerk deletes the rows of two people who did not come, and blanks a third.
    book = openpyxl.load_workbook(target)
    ws = book.active
    ws.delete_rows(4 + 6)  # 序号 7
    ws.delete_rows(4 + 1)  # 序号 2
    for cell in ws[4 + 3]:  # 序号 5, now on the 4th data row: blanked
        cell.value = None
    edited = tmp_path / "签字后.xlsx"
    book.save(edited)
    code, rows = read_cash_sheet(edited)
    assert code == "C2025-003"
    assert [r.line for r in rows] == [1, 3, 4, 6, 8]
    assert [r.name for r in rows] == [people[n - 1].name for n in (1, 3, 4, 6, 8)]


def test_cash_sheet_without_code_or_with_a_bad_number_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "c.xlsx"
    write_cash_sheet(target, code="C2025-004", year=2025, lines=_cash(3), pdf=False)
    book = openpyxl.load_workbook(target)
    ws = book.active
    ws["A1"].value = "现金领取表"
    ws["A2"].value = "批次"
    book.save(tmp_path / "no-code.xlsx")
    with pytest.raises(UserError, match="批次编号"):
        read_cash_sheet(tmp_path / "no-code.xlsx")
    book = openpyxl.load_workbook(target)
    book.active["A5"].value = "二"
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(UserError, match="不是整数"):
        read_cash_sheet(tmp_path / "bad.xlsx")


def test_failure_list_puts_each_county_on_its_own_page(tmp_path: Path) -> None:
    people = _failures()
    target = tmp_path / "失败名单.xlsx"
    result = write_failure_list(target, year=2025, people=people, day=date(2025, 11, 20), pdf=False)
    assert result.people == 5
    book = openpyxl.load_workbook(target)
    # City order: 张北县 (130722), 康保县 (130723), 蔚县 (130726); a sheet prints on its own pages.
    assert book.sheetnames == ["张北县", "康保县", "蔚县"]
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == "$1:$3"
        assert "2025年11月20日" in ws["A1"].value and "2025年" in ws["A1"].value
        header = [c.value for c in ws[3]]
        assert header[0] == "序号" and header[-1] == "处理意见" and "失败原因" in header
    kangbao = book["康保县"]
    assert "康保县：代发失败 2 人，金额 2,002.00 元" in kangbao["A2"].value
    rows = [
        r for r in kangbao.iter_rows(min_row=4, values_only=True) if r[0] and str(r[0]).isdigit()
    ]
    assert [r[0] for r in rows] == ["1", "2"] and all(r[1] == "康保县" for r in rows)
    expected = [p for p in people if p.county == "康保县"]
    assert [r[7] for r in rows] == [p.account[:4] + "*" * 11 + p.account[-4:] for p in expected]
    assert [r[10] for r in rows] == [p.reason for p in expected]
    assert all(r[11] is None for r in rows)
    total = next(r for r in kangbao.iter_rows(values_only=True) if r[1] == "合计")
    assert total[4] == "2 人" and total[8] == 2002
    xml = _xml(target)
    for p in people:
        assert p.id_number not in xml and p.account not in xml


def _pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


@needs_pdf
def test_pdfs_are_written_beside_the_workbooks(tmp_path: Path) -> None:
    cash = write_cash_sheet(tmp_path / "c.xlsx", code="C2025-005", year=2025, lines=_cash(30))
    assert cash.pdf == tmp_path / "c.pdf" and cash.warnings == []
    pages = _pdf_text(cash.pdf)
    assert len(pages) >= 2
    assert all(
        "C2025-005" in p and "身份证号" in p for p in pages
    )  # title and header on every page
    assert all(f"第 {i} 页" in p for i, p in enumerate(pages, start=1))
    failures = write_failure_list(tmp_path / "f.xlsx", year=2025, people=_failures())
    assert failures.pdf is not None
    pages = _pdf_text(failures.pdf)
    assert len(pages) == 3  # one county a page
    assert [
        "张北县：代发失败" in pages[0],
        "康保县：代发失败" in pages[1],
        "蔚县：代发失败" in pages[2],
    ] == [True] * 3
    text = "".join(pages)
    for p in _failures():
        assert p.id_number not in text and p.account not in text


def test_no_chinese_font_still_writes_the_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zjk_charity.pdf import fonts

    real = fonts.system_book
    monkeypatch.setattr(fonts, "system_book", lambda folders=None: real([tmp_path / "none"]))
    result = write_cash_sheet(tmp_path / "c.xlsx", code="C2025-006", year=2025, lines=_cash(2))
    assert result.xlsx.is_file() and result.pdf is None
    assert not (tmp_path / "c.pdf").exists()
    ((zh, en),) = result.warnings
    assert "未找到中文字体" in zh and "c.xlsx" in zh and "no Chinese font" in en


def test_a_result_without_failures_says_so(tmp_path: Path) -> None:
    result = write_failure_list(tmp_path / "f.xlsx", year=2025, people=[], pdf=False)
    assert result.people == 0
    book = openpyxl.load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames == ["失败名单"]
    assert book.active["A2"].value == "本次没有代发失败的受助人。"
