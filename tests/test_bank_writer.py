"""Batch files in a bank's layout (payout.md, "Bank batch files"): the basic CSV, an xlsx
template with totals in header cells, txt, split files, encodings, and all files or none."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zjk_charity.errors import UserError
from zjk_charity.payments import writer
from zjk_charity.payments.model import BatchLine, Payee
from zjk_charity.payments.profiles import BASIC_PROFILE, BankProfile
from zjk_charity.payments.writer import batch_summary_lines, write_batch
from zjk_charity.workbook.reader import ColumnSpec, cell_text, read_table

DAY = date(2025, 11, 3)
NAMES = ["测甲", "测乙乙", "测丙", "欧阳测丁"]


def _line(n: int, amount: str = "1000", name: str | None = None, **payee: Any) -> BatchLine:
    fields: dict[str, Any] = {
        "key": f"1307221940010{n:05d}",
        "county": "张北县" if n % 2 else "沽源县",
        "name": name or NAMES[n % len(NAMES)],
        "account": f"62170000{n:011d}",
        "bank": "张北县农村信用联社",
        "amount": Decimal(amount),
        "id_number": f"1307221940010{n:05d}",
        "phone": f"138{n:08d}",
    }
    return BatchLine(n, Payee(**(fields | payee)), "2025年福彩暖冬资助")


def _batch(amounts: Sequence[str]) -> list[BatchLine]:
    return [_line(i, a) for i, a in enumerate(amounts, start=1)]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


XLSX = BankProfile.model_validate(
    {
        "name": "农商银行",
        "format": "xlsx",
        "sheet": "代发明细",
        "start_row": 5,
        "columns": [
            "序号",
            {"field": "账号", "title": "收款账号"},
            {"field": "户名", "title": "收款户名"},
            "金额",
            {"title": "付款账号", "text": "0101000000000000001"},
            "摘要",
        ],
        "cells": {
            "A1": "批量代发明细表",
            "A2": "付款单位：{payer}",
            "A3": "合计笔数",
            "C3": "合计金额",
        },
        "total_count_cell": "B3",
        "total_amount_cell": "D3",
    }
)


# ---------------------------------------------------------------- basic


def test_basic_csv_is_gbk_with_header_digits_only_accounts_and_no_total_row(
    tmp_path: Path,
) -> None:
    lines = _batch(["1000", "1000", "850.5"])
    batch = write_batch(BASIC_PROFILE, "P2025-001", lines, tmp_path, when=DAY)
    (written,) = batch.files
    assert written.path == tmp_path / "P2025-001-basic.csv"
    raw = written.path.read_bytes()
    text = raw.decode("gbk")  # strictly GBK: a bank portal reads it
    rows = text.split("\r\n")
    assert rows[0] == "序号,户名,账号,开户银行,金额,摘要"
    assert rows[1] == "1,测乙乙,6217000000000000001,张北县农村信用联社,1000.00,2025年福彩暖冬资助"
    assert rows[3].endswith(",850.50,2025年福彩暖冬资助")
    assert rows[4:] == [""]  # three payments, a final line end, and no 合计 row
    assert "合计" not in text and "\t" not in text and "'" not in text and '"' not in text
    assert written.rows == 3 and written.amount == Decimal("2850.50")
    import hashlib

    assert written.sha256 == hashlib.sha256(raw).hexdigest()
    assert not batch.notes


def test_basic_read_back_by_the_projects_own_reader_gives_the_same_accounts_and_amounts(
    tmp_path: Path,
) -> None:
    lines = _batch(["1000", "999.99", "0.01", "1234567.80"])
    (written,) = write_batch(BASIC_PROFILE, "P2025-001", lines, tmp_path, when=DAY).files
    columns = [ColumnSpec("账号", True), ColumnSpec("金额", True), ColumnSpec("户名")]
    (sheet,) = read_table(written.path, columns, key_column="账号").sheets
    got = [
        (cell_text(sheet.get(r, "账号")), Decimal(cell_text(sheet.get(r, "金额"))))
        for r in sheet.rows
    ]
    assert got == [(x.payee.account, x.payee.amount) for x in lines]


def test_summary_file_and_lines_say_the_same(tmp_path: Path) -> None:
    batch = write_batch(BASIC_PROFILE, "P2025-001", _batch(["1000"] * 3), tmp_path, when=DAY)
    (summary,) = batch.summary
    assert summary.name == "P2025-001-批次汇总.txt"
    text = summary.read_text(encoding="utf-8-sig")
    lines = batch_summary_lines(batch)
    assert lines[0] == "批次 P2025-001，笔数 3，金额 3000.00 元，银行格式 basic"
    assert all(line in text for line in lines)
    assert batch.files[0].sha256 in text and DAY.isoformat() in text
    assert batch_summary_lines(batch, "en")[0] == (
        "batch P2025-001: 3 payments, 3000.00 yuan, bank profile basic"
    )


def test_same_batch_same_day_same_bytes(tmp_path: Path) -> None:
    lines = _batch(["1000", "500"])
    one = write_batch(XLSX, "P2025-001", lines, tmp_path / "a", payer="市民政局", when=DAY)
    two = write_batch(XLSX, "P2025-001", lines, tmp_path / "b", payer="市民政局", when=DAY)
    assert one.files[0].sha256 == two.files[0].sha256


# ---------------------------------------------------------------- xlsx


def test_xlsx_has_totals_in_header_cells_data_from_row_5_and_text_accounts(
    tmp_path: Path,
) -> None:
    lines = _batch(["1000", "1000", "500.25"])
    batch = write_batch(XLSX, "P2025-001", lines, tmp_path, payer="张家口市民政局", when=DAY)
    (written,) = batch.files
    assert written.path.name == "P2025-001-农商银行.xlsx"
    book = openpyxl.load_workbook(written.path)
    assert book.sheetnames == ["代发明细"]
    ws = book["代发明细"]
    assert ws["A1"].value == "批量代发明细表" and ws["A2"].value == "付款单位：张家口市民政局"
    assert ws["B3"].value == 3 and ws["D3"].value == pytest.approx(2500.25)
    assert ws["D3"].data_type == "n" and ws["D3"].number_format == "0.00"
    assert [c.value for c in ws[4]] == ["序号", "收款账号", "收款户名", "金额", "付款账号", "摘要"]
    for row, line in zip(ws.iter_rows(min_row=5), lines, strict=True):
        number, account, name, amount, payer_account, memo = row
        assert number.value == line.line
        assert account.value == line.payee.account and account.data_type == "s"
        assert account.number_format == "@"
        assert name.value == line.payee.name
        assert Decimal(str(amount.value)) == line.payee.amount and amount.number_format == "0.00"
        assert payer_account.value == "0101000000000000001" and payer_account.data_type == "s"
        assert memo.value == "2025年福彩暖冬资助"
    assert ws.max_row == 4 + len(lines)  # no 合计 row below the data


def test_xlsx_read_back_by_the_projects_own_reader(tmp_path: Path) -> None:
    lines = _batch(["1000", "0.10"])
    (written,) = write_batch(XLSX, "P2025-001", lines, tmp_path, payer="局", when=DAY).files
    columns = [ColumnSpec("账号", True, ("收款账号",)), ColumnSpec("金额", True)]
    (sheet,) = read_table(written.path, columns, key_column="账号").sheets
    assert sheet.header_row == 4
    got = [(sheet.get(r, "账号"), Decimal(cell_text(sheet.get(r, "金额")))) for r in sheet.rows]
    assert got == [(x.payee.account, x.payee.amount) for x in lines]


def test_xlsx_without_header_starts_at_its_start_row(tmp_path: Path) -> None:
    plain = BankProfile(name="无表头", format="xlsx", header=False, start_row=1)
    (written,) = write_batch(plain, "P2025-001", _batch(["1"]), tmp_path, when=DAY).files
    ws = openpyxl.load_workbook(written.path).worksheets[0]
    assert [c.value for c in ws[1]][:3] == [1, "测乙乙", "6217000000000000001"]


# ---------------------------------------------------------------- txt and other encodings


def test_txt_is_delimited_without_quoting_with_lead_line(tmp_path: Path) -> None:
    txt = BankProfile.model_validate(
        {
            "name": "txt",
            "format": "txt",
            "header": False,
            "lead_lines": ["{batch}|{count}|{amount}|{date:%Y%m%d}"],
            "columns": ["账号", "户名", "金额", "身份证号", "手机号", "县(区)"],
        }
    )
    (written,) = write_batch(txt, "P2025-009", _batch(["10", "20"]), tmp_path, when=DAY).files
    assert written.path.read_bytes().decode("gbk").split("\r\n") == [
        "P2025-009|2|30.00|20251103",
        "6217000000000000001|测乙乙|10.00|130722194001000001|13800000001|张北县",
        "6217000000000000002|测丙|20.00|130722194001000002|13800000002|沽源县",
        "",
    ]


def test_txt_refuses_a_value_holding_its_delimiter(tmp_path: Path) -> None:
    txt = BankProfile(name="txt", format="txt")
    lines = [_line(1, bank="农商|银行")]
    with pytest.raises(UserError, match="分隔符"):
        write_batch(txt, "P2025-001", lines, tmp_path)
    assert _files(tmp_path) == []


def test_utf8_profile_with_semicolons(tmp_path: Path) -> None:
    utf8 = BankProfile(name="u", format="csv", encoding="UTF8", delimiter=";")
    (written,) = write_batch(utf8, "P2025-001", _batch(["1"]), tmp_path).files
    assert written.path.read_bytes().decode("utf-8").startswith("序号;户名;账号")


def test_a_name_outside_gbk_is_written_as_gb18030_with_a_note(tmp_path: Path) -> None:
    lines = [_line(1), _line(2, name="测𠮷"), _line(3)]
    batch = write_batch(BASIC_PROFILE, "P2025-001", lines, tmp_path, when=DAY)
    raw = batch.files[0].path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gbk")
    assert "测𠮷" in raw.decode("gb18030")
    # every other character is byte for byte what GBK would have written
    assert raw.decode("gb18030").replace("𠮷", "").encode("gbk") == raw.replace(
        "𠮷".encode("gb18030"), b""
    )
    (note,) = batch.notes
    assert "第 2 笔" in note.zh and "GB18030" in note.zh
    assert "测𠮷" not in note.zh and "测𠮷" not in note.en  # names masked
    assert note.zh in (tmp_path / "P2025-001-批次汇总.txt").read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------- splitting

SPLIT = BankProfile(
    name="split", format="csv", max_rows=1, lead_lines=["{part}/{parts},{count},{amount}"]
)
cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))


@settings(max_examples=60)
@given(amounts=st.lists(cents, min_size=1, max_size=40), cap=st.integers(1, 15))
def test_split_files_each_total_their_rows_and_add_up_to_the_batch(
    amounts: list[Decimal], cap: int
) -> None:
    lines = _batch([str(a) for a in amounts])
    profile = SPLIT.model_copy(update={"max_rows": cap})
    with tempfile.TemporaryDirectory() as folder:
        batch = write_batch(profile, "P2025-001", lines, Path(folder), when=DAY)
        assert len(batch.files) == math.ceil(len(lines) / cap)
        seen: list[tuple[str, str, Decimal]] = []
        for n, written in enumerate(batch.files, start=1):
            rows = list(csv.reader(io.StringIO(written.path.read_bytes().decode("gbk"))))
            lead, header, data = rows[0], rows[1], rows[2:]
            assert header[0] == "序号" and 1 <= len(data) <= cap
            total = sum((Decimal(r[4]) for r in data), Decimal(0))
            assert written.rows == len(data) and written.amount == total
            assert lead == [f"{n}/{len(batch.files)}", str(len(data)), f"{total:.2f}"]
            seen += [(r[0], r[2], Decimal(r[4])) for r in data]
        assert seen == [(str(x.line), x.payee.account, x.payee.amount) for x in lines]
        assert batch.amount == sum(amounts, Decimal(0)) and batch.rows == len(lines)
        assert sum((f.amount for f in batch.files), Decimal(0)) == batch.amount


def test_split_file_names_sort_in_order(tmp_path: Path) -> None:
    profile = BASIC_PROFILE.model_copy(update={"max_rows": 1})
    batch = write_batch(profile, "P2025-001", _batch(["1"] * 10), tmp_path)
    names = [f.path.name for f in batch.files]
    assert names[0] == "P2025-001-basic-01of10.csv" and names[-1] == "P2025-001-basic-10of10.csv"
    assert sorted(names) == names


def test_xlsx_split_files_carry_their_own_totals(tmp_path: Path) -> None:
    profile = XLSX.model_copy(update={"max_rows": 2})
    batch = write_batch(profile, "P2025-001", _batch(["1", "2", "4"]), tmp_path, payer="局")
    totals = []
    for written in batch.files:
        ws = openpyxl.load_workbook(written.path).worksheets[0]
        totals.append((ws["B3"].value, ws["D3"].value))
    assert totals == [(2, 3), (1, 4)]


# ---------------------------------------------------------------- refusals, all or nothing


def test_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "P2025-001-basic.csv"
    existing.write_text("the bank's own file", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        write_batch(BASIC_PROFILE, "P2025-001", _batch(["1"]), tmp_path)
    assert str(existing) in caught.value.zh
    assert existing.read_text(encoding="utf-8") == "the bank's own file"
    assert _files(tmp_path) == ["P2025-001-basic.csv"]


def test_a_file_appearing_meanwhile_is_not_replaced_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = writer._render

    def render_then_collide(*args: Any) -> str:
        (tmp_path / "P2025-001-批次汇总.txt").write_text("someone else's", encoding="utf-8")
        return real(*args)

    monkeypatch.setattr(writer, "_render", render_then_collide)
    with pytest.raises(UserError, match="已存在"):
        write_batch(BASIC_PROFILE, "P2025-001", _batch(["1"]), tmp_path)
    assert _files(tmp_path) == ["P2025-001-批次汇总.txt"]
    assert (tmp_path / "P2025-001-批次汇总.txt").read_text(encoding="utf-8") == "someone else's"


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_failure_while_naming_the_files_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    real, calls = writer._link, []

    def link(temp: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == fail_at:
            raise OSError("disk full")
        real(temp, target)

    monkeypatch.setattr(writer, "_link", link)
    profile = BASIC_PROFILE.model_copy(update={"max_rows": 1})  # two files and the summary
    with pytest.raises(OSError):
        write_batch(profile, "P2025-001", _batch(["1", "2"]), tmp_path)
    assert _files(tmp_path) == []


def test_a_failure_while_writing_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("xlsxwriter failed")

    monkeypatch.setattr("zjk_charity.workbook.plain.write_plain_book", broken)
    with pytest.raises(RuntimeError):
        write_batch(XLSX, "P2025-001", _batch(["1"]), tmp_path, payer="局")
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"account": "6217 0000 1234"}, "不是纯数字"),
        ({"account": "６２１７"}, "不是纯数字"),
        ({"account": ""}, "不是纯数字"),
        ({"amount": Decimal("0")}, "大于 0"),
        ({"amount": Decimal("10.005")}, "两位小数"),
        ({"name": "=HYPERLINK(1)"}, "公式"),
        ({"bank": "张北\n银行"}, "控制字符"),
    ],
)
def test_a_line_that_would_make_a_wrong_file_is_refused(
    tmp_path: Path, change: dict[str, Any], words: str
) -> None:
    lines = [_line(1), _line(2, **change)]
    with pytest.raises(UserError) as caught:
        write_batch(BASIC_PROFILE, "P2025-001", lines, tmp_path)
    assert words in caught.value.zh and "第 2 笔" in caught.value.zh
    assert "6217000000000000002" not in caught.value.zh + caught.value.en  # masked
    assert _files(tmp_path) == []


def test_an_empty_batch_or_a_bad_code_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="没有要付款的人"):
        write_batch(BASIC_PROFILE, "P2025-001", [], tmp_path)
    with pytest.raises(UserError, match="批次编号"):
        write_batch(BASIC_PROFILE, "../P1", _batch(["1"]), tmp_path)
    with pytest.raises(UserError, match="payer"):
        write_batch(XLSX, "P2025-001", _batch(["1"]), tmp_path)
    assert _files(tmp_path) == []


def test_a_formula_in_an_xlsx_name_is_just_text(tmp_path: Path) -> None:
    lines = [_line(1, name="=1+1")]
    (written,) = write_batch(XLSX, "P2025-001", lines, tmp_path, payer="局").files
    cell = openpyxl.load_workbook(written.path).worksheets[0]["C5"]
    assert cell.value == "=1+1" and cell.data_type == "s"
