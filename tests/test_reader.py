"""Reading application workbooks: header search, row numbers, skipped rows, formats."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import xlwt

from conftest import make_id, write_sheet, write_workbook
from zjk_charity.aid import columns as col
from zjk_charity.errors import UserError
from zjk_charity.workbook.reader import Table, read_table

# Headers as counties really type them: full-width brackets, inner spaces, aliases.
MESSY = [
    "序号",
    "县（区）",
    "姓 名",
    "身份证号码",
    "人员类别",
    "供养方式",
    "卡(折)号",
    "认证截图",
    "家庭人口",
]
ID1, ID2 = make_id(seq="123"), make_id(seq="246")
DATA = [
    ["1", "张北县", "测甲", ID1, "农村特困人员", "分散供养", "6222021234567890128", "a.png", "1"],
    ["2", "康保县", "测乙", ID2, "农村特困人员", "分散供养", "6222021234567890128", "b.png", "2"],
]


def read(path: Path) -> Table:
    return read_table(path, col.COLUMNS, col.ID)


def values(table: Table) -> list[list[str]]:
    out = []
    for sheet in table.sheets:
        for row in sheet.rows:
            out.append(["" if v is None else str(v) for v in row.values])
    return out


def test_header_below_merged_title_and_unit_line(tmp_path: Path) -> None:
    table = read(write_workbook(tmp_path / "a.xlsx", DATA, MESSY))
    (sheet,) = table.sheets
    assert sheet.header_row == 3
    assert sheet.missing == []
    assert sheet.columns[col.COUNTY] == 1
    assert sheet.columns[col.NAME] == 2
    assert sheet.columns[col.ID] == 3
    assert sheet.columns[col.ACCOUNT] == 6
    assert [r.number for r in sheet.rows] == [4, 5]
    assert sheet.get(sheet.rows[0], col.ID) == ID1
    assert sheet.get(sheet.rows[1], col.NAME) == "测乙"


def test_unknown_columns_kept_in_headers(tmp_path: Path) -> None:
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", DATA, MESSY)).sheets
    assert sheet.headers == MESSY
    assert sheet.rows[0].values[8] == "1"


def test_header_without_title_lines(tmp_path: Path) -> None:
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", DATA, MESSY, title=None, unit=None)).sheets
    assert sheet.header_row == 1
    assert [r.number for r in sheet.rows] == [2, 3]


def test_blank_and_total_rows_skipped_row_numbers_kept(tmp_path: Path) -> None:
    rows = [DATA[0], None, DATA[1], ["合计", None, None, None, None, None, None, None, "3"]]
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", rows, MESSY)).sheets
    # title 1, unit 2, header 3, data 4, blank 5, data 6, total 7
    assert [r.number for r in sheet.rows] == [4, 6]


@pytest.mark.parametrize("word", ["总计", "小计", "合 计"])
def test_other_total_words_skipped(tmp_path: Path, word: str) -> None:
    rows = [DATA[0], [None, word, None, None, None, None, None, None, "1"]]
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", rows, MESSY)).sheets
    assert [r.number for r in sheet.rows] == [4]


def test_row_with_content_but_no_name_or_id_is_kept(tmp_path: Path) -> None:
    rows = [DATA[0], ["3", "张北县", None, None, "农村特困人员", None, None, None, None]]
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", rows, MESSY)).sheets
    assert [r.number for r in sheet.rows] == [4, 5]


def test_instructions_sheet_skipped_and_several_sheets_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes.append(["填表说明"])
    notes.append(["1. 身份证号请设为文本格式"])
    notes.append(["2. 每户只报 1 人"])
    first = wb.create_sheet("张北镇")
    write_sheet(first, [DATA[0]], MESSY)
    second = wb.create_sheet("公会镇")
    write_sheet(second, [DATA[1], DATA[0]], MESSY, unit=None)
    path = tmp_path / "a.xlsx"
    wb.save(path)
    table = read(path)
    assert table.skipped == ["填表说明"]
    assert [(s.name, s.index, s.header_row) for s in table.sheets] == [
        ("张北镇", 1, 3),
        ("公会镇", 2, 2),
    ]
    assert [[r.number for r in s.rows] for s in table.sheets] == [[4], [3, 4]]


def test_id_typed_as_number_comes_back_as_float(tmp_path: Path) -> None:
    row = list(DATA[0])
    row[3] = int(ID1[:15])
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", [row], MESSY)).sheets
    value = sheet.get(sheet.rows[0], col.ID)
    assert isinstance(value, float)
    assert value == float(ID1[:15])


def _write_csv(path: Path, encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["2025年福彩暖冬活动申请审批表"])
        writer.writerow(["填报单位：张北县民政局"])
        writer.writerow(MESSY)
        writer.writerows(DATA)
    return path


def test_gbk_and_utf8_bom_csv_read_the_same(tmp_path: Path) -> None:
    gbk = read(_write_csv(tmp_path / "gbk.csv", "gbk"))
    bom = read(_write_csv(tmp_path / "bom.csv", "utf-8-sig"))
    plain = read(_write_csv(tmp_path / "plain.csv", "utf-8"))
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert values(gbk) == values(bom) == values(plain) == DATA
    for table in (gbk, bom, plain):
        (sheet,) = table.sheets
        assert sheet.header_row == 3
        assert sheet.headers == MESSY
        assert [r.number for r in sheet.rows] == [4, 5]


def test_xls_reads_the_same_as_xlsx(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("张北镇")
    ws.write_merge(0, 0, 0, len(MESSY) - 1, "2025年福彩暖冬活动申请审批表")
    ws.write(1, 0, "填报单位：张北县民政局")
    for c, text in enumerate(MESSY):
        ws.write(2, c, text)
    for r, line in enumerate(DATA, start=3):
        for c, text in enumerate(line):
            ws.write(r, c, text)
    xls = tmp_path / "a.xls"
    book.save(str(xls))
    old = read(xls)
    new = read(write_workbook(tmp_path / "a.xlsx", DATA, MESSY))
    assert values(old) == values(new) == DATA
    assert [(s.name, s.header_row, s.headers) for s in old.sheets] == [
        (s.name, s.header_row, s.headers) for s in new.sheets
    ]
    assert [r.number for r in old.sheets[0].rows] == [4, 5]


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(UserError):
        read(tmp_path / "nope.xlsx")


def test_empty_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(UserError):
        read(path)


def test_text_named_xlsx_raises(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("县(区),姓名,身份证号\n张北县,测甲,1\n", encoding="utf-8")
    with pytest.raises(UserError):
        read(path)


def test_headerless_file_raises_and_names_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["这里没有表头"])
    wb.active.append(["张北县", "测甲"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    with pytest.raises(UserError) as info:
        read(path)
    assert "说明" in info.value.zh


def test_headerless_csv_raises(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UserError):
        read(path)


def test_unsupported_suffix_raises(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("县(区),姓名\n", encoding="utf-8")
    with pytest.raises(UserError):
        read(path)


def test_first_data_row_not_taken_for_a_second_header(tmp_path: Path) -> None:
    headers = [*MESSY, "所在组"]
    rows = [[*DATA[0], "村"], [*DATA[1], "一组"]]
    (sheet,) = read(write_workbook(tmp_path / "a.xlsx", rows, headers)).sheets
    assert sheet.header_row == 3
    assert [r.number for r in sheet.rows] == [4, 5]


def test_two_tier_header_under_merged_group_headings(tmp_path: Path) -> None:
    """申请人信息 over 县/姓名/身份证号 and 银行信息 over 开户行/卡号, as merged cells."""
    book = openpyxl.Workbook()
    ws = book.active
    top = ["序号", "申请人信息", None, None, "人员类别", "供养方式", "银行信息", None, "认证截图"]
    ws.append(top)
    ws.append([None, "县（区）", "姓名", "身份证号", None, None, "开户行", "卡(折)号", None])
    for cells in ("B1:D1", "G1:H1", "A1:A2", "E1:E2", "F1:F2", "I1:I2"):
        ws.merge_cells(cells)
    ws.append(
        ["1", "张北县", "测甲", ID1, "农村特困人员", "分散供养", "农行", "6222021234567890128", "a"]
    )
    book.save(tmp_path / "two.xlsx")
    (sheet,) = read(tmp_path / "two.xlsx").sheets
    assert sheet.header_row == 2
    assert sheet.missing == []
    assert sheet.columns[col.NAME] == 2
    assert sheet.columns[col.ID] == 3
    assert sheet.columns["人员类别"] == 4
    assert sheet.columns[col.ACCOUNT] == 7
    assert [r.number for r in sheet.rows] == [3]
    assert sheet.get(sheet.rows[0], col.NAME) == "测甲"


def test_two_tier_header_in_csv_with_blank_group_cells(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["县（区）", "申请人信息", "", "人员类别", "供养方式", "卡号", "认证截图"])
        out.writerow(["", "", "身份证号", "", "", "", ""])
        out.writerow(
            ["张北县", "测甲", ID1, "农村特困人员", "分散供养", "6222021234567890128", "a"]
        )
    (sheet,) = read(path).sheets
    assert sheet.columns[col.ID] == 2
    assert [r.number for r in sheet.rows] == [3]


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_csv_lines_may_end_as_any_system_ends_them(tmp_path: Path, ending: str) -> None:
    # Excel for Mac has saved CSV with a bare \r; a quoted cell may hold a line break.
    lines = [
        ",".join(MESSY),
        ",".join(DATA[0]),
        ",".join(DATA[1][:2]) + ',"测\n乙",' + ",".join(DATA[1][3:]),
    ]
    path = tmp_path / "lines.csv"
    path.write_bytes(ending.join(lines).encode("gbk") + ending.encode())
    table = read(path)
    assert values(table) == [DATA[0], [*DATA[1][:2], "测\n乙", *DATA[1][3:]]]
    assert [r.number for r in table.sheets[0].rows] == [2, 3]


def test_a_csv_cell_longer_than_the_csv_module_allows_is_read(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    long_name = "测" * 200_000
    path.write_text(
        ",".join(MESSY) + "\n" + ",".join([*DATA[0][:2], long_name, *DATA[0][3:]]) + "\n"
    )
    assert values(read(path))[0][2] == long_name


def test_a_csv_the_csv_module_cannot_parse_is_refused_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write_csv(tmp_path / "odd.csv", "utf-8")

    def broken(*args: object, **kwargs: object) -> object:
        class Rows:
            line_num = 7

            def __iter__(self) -> Rows:
                return self

            def __next__(self) -> list[str]:
                raise csv.Error("bad quoting")

        return Rows()

    monkeypatch.setattr(csv, "reader", broken)
    with pytest.raises(UserError, match="第 7 行无法按 CSV 读取（bad quoting）"):
        read(path)
