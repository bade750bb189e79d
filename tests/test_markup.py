"""The marked-up copies a county officer sends back to the townships, and the city list.

One copy per input file, named after it, keeping the county's layout (number
formats, title rows, merged headings) and printable on A4; the workbooks here are built
in the test with the layout a county gives them, and read back with openpyxl.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.styles import Alignment
from typer.testing import CliRunner

from conftest import (
    AS_OF,
    GOOD_ACCOUNT,
    HEADERS,
    TITLE,
    UNIT,
    YEAR,
    good_row,
    ledger_at,
    ledger_exists,
    make_id,
    person_name,
    workbook_parts,
    write_workbook,
)
from zjk_charity.aid.markup import (
    NOTE_FLOOR,
    NOTE_WIDTH,
    PRINT_SCALE,
    city_name,
    copy_name,
    plan_markups,
    write_copy,
    write_markups,
)
from zjk_charity.aid.validation import ValidationResult, validate
from zjk_charity.cli.main import app
from zjk_charity.errors import UserError
from zjk_charity.workbook.layout import (
    display_width,
    format_width,
    print_scale,
    read_layouts,
    units,
    widest,
)
from zjk_charity.workbook.widths import lines_needed, one_line_width, overflowing

RED = "FFFFC7CE"
YELLOW = "FFFFEB9C"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
# The smallest printed size a clerk is asked to read: 60 % of 11 pt is 6.6 pt, just
# above 小六 (6.5 pt), the smallest of the type sizes in everyday Chinese print.
READABLE_SCALE = 60


def _validate(tmp_path: Path, files: list[Path]) -> ValidationResult:
    """Validate into tmp_path/ws; ``write`` given, so the city list's earlier files load."""
    ledger = ledger_at(tmp_path / "ws")
    return validate(ledger, files, year=YEAR, as_of=AS_OF, write=lambda _: None)


def _write(tmp_path: Path, files: list[Path], lang: str = "zh") -> dict[str, Path]:
    """Validate ``files`` and write their copies and the city list; by file name."""
    result = _validate(tmp_path, files)
    plan = plan_markups(files, YEAR, tmp_path / "out", None)
    return {p.name: p for p in write_markups(result, plan, lang)}


def _marked(tmp_path: Path, rows: list[dict[str, object]], lang: str = "zh") -> openpyxl.Workbook:
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    return openpyxl.load_workbook(_write(tmp_path, [book], lang)["校验结果-张北县.xlsx"])


def _fill(cell: object) -> str:
    return str(cell.fill.fgColor.rgb)  # type: ignore[attr-defined]


def _widths(ws: object) -> dict[int, float]:
    """Column (1-based) -> width as Excel shows it: the file stores 5 px of padding more,
    to 1/256 of a character; Excel shows whole pixels of 1/7 character."""
    widths: dict[int, float] = {}
    for d in ws.column_dimensions.values():  # type: ignore[attr-defined]
        if d.min and d.width:
            for c in range(d.min, d.max + 1):
                widths[c] = round((d.width - 5 / 7) * 7) / 7
    return widths


def _scale(ws: object) -> int:
    widths = _widths(ws)
    columns = [widths.get(c, 8.43) for c in range(1, ws.max_column + 1)]  # type: ignore[attr-defined]
    margins = ws.page_margins  # type: ignore[attr-defined]
    return print_scale(columns, margins.left, margins.right)


def _header(ws: object, row: int) -> list[object]:
    return [c.value for c in ws[row]]  # type: ignore[index]


def test_flagged_cells_are_filled_and_commented_at_the_original_rows(tmp_path: Path) -> None:
    rows = [
        good_row(),
        good_row(姓名="测乙", 身份证号=make_id(seq="245")[:-1] + "0", 序号=2),  # bad checksum
        good_row(姓名="测丙", 身份证号=make_id(seq="357"), 联系电话="12", 序号=3),  # warning
    ]
    book = _marked(tmp_path, rows)
    assert book.sheetnames == ["张北镇", "问题清单", "汇总"]
    ws = book["张北镇"]
    headers = _header(ws, 3)
    assert headers[-2:] == ["校验结果", "问题说明"]
    id_col = headers.index("身份证号") + 1
    phone_col = headers.index("联系电话") + 1
    verdict = len(headers) - 1
    assert ws.cell(1, 1).value.startswith("2025年福彩暖冬")  # the title row is kept
    assert ws.cell(4, verdict).value == "通过"
    assert ws.cell(5, verdict).value == "不通过"
    assert _fill(ws.cell(5, id_col)) == RED
    assert "校验位" in ws.cell(5, id_col).comment.text
    assert "校验位" in ws.cell(5, verdict + 1).value
    assert ws.cell(6, verdict).value == "警告"
    assert _fill(ws.cell(6, phone_col)) == YELLOW
    assert ws.cell(6, phone_col).comment is not None
    assert ws.cell(4, id_col).comment is None
    assert ws.cell(4, id_col).data_type == "s"
    assert ws.cell(4, headers.index("年龄") + 1).value == "85"  # General: its text, as before

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
    ws = openpyxl.load_workbook(_write(tmp_path, [source])["校验结果-张北县.xlsx"])["张北县"]
    headers = _header(ws, 1)
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
    # The copies stream with fast_rows (issue 6: 37 s -> 20 s at 100,000 rows); every
    # part but the creation time must be what xlsxwriter's unmodified Worksheet writes.
    from zjk_charity.workbook import writer

    names = ["=1+1", " 前导空格", "尾随空格 ", "a&b<c>\"'", "换行\n符\t制表", "_x0041_", "普通"]
    rows = [
        good_row(姓名=name, 身份证号=make_id(seq=f"{100 + i}"), 序号=i + 1)
        for i, name in enumerate(names)
    ]
    rows.append(good_row(姓名="测乙", 身份证号=make_id(seq="245")[:-1] + "0", 序号=8))
    rows.append(good_row(姓名="测丙", 身份证号=make_id(seq="357"), 联系电话="12", 序号=9))
    rows.append(good_row(申请日期=datetime(2025, 10, 9), 序号=10.5))  # a date, a float
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    result = _validate(tmp_path, [book])
    assert result.findings  # comments, fills and the 问题清单 sheet are in both
    write_copy(result, result.files[0], tmp_path / "fast.xlsx")
    monkeypatch.setattr(writer, "streamed_worksheet_class", lambda: None)
    write_copy(result, result.files[0], tmp_path / "stock.xlsx")
    assert workbook_parts(tmp_path / "fast.xlsx") == workbook_parts(tmp_path / "stock.xlsx")


# One copy per input file.


def _xls(path: Path, rows: list[dict[str, object]]) -> Path:
    """A legacy .xls (xlwt): no widths to keep, a date cell and a number."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("蔚县民政局")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for c, header in enumerate(HEADERS):
        sheet.write(0, c, header)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(HEADERS):
            value = row[header]
            if isinstance(value, datetime):
                sheet.write(r, c, value, day)
            elif value != "":
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        for row in rows:
            out.writerow([row[h] for h in HEADERS])
    return path


def test_each_input_file_gets_its_own_copy_named_after_it(tmp_path: Path) -> None:
    rows = [good_row(), good_row(姓名="测乙", 身份证号=make_id(seq="203"), 联系电话="12", 序号=2)]
    xlsx = write_workbook(tmp_path / "张北县.xlsx", rows)
    xls = _xls(
        tmp_path / "蔚县.xls",
        [
            good_row(  # another person (a 张北 ID living in 蔚县: another name)
                姓名="测丙",
                身份证号=make_id(seq="201"),
                申请日期=datetime(2025, 10, 9),
                **{"县(区)": "蔚县"},
            )
        ],
    )
    other = _csv(tmp_path / "康保县.csv", [good_row(身份证号="", **{"县(区)": "康保县"})])
    written = _write(tmp_path, [xlsx, xls, other])
    assert list(written) == [
        "校验结果-张北县.xlsx",
        "校验结果-蔚县.xlsx",
        "校验结果-康保县.xlsx",
        "问题清单-2025.xlsx",
    ]
    sheets = {name: openpyxl.load_workbook(path).sheetnames for name, path in written.items()}
    assert sheets["校验结果-张北县.xlsx"] == ["张北镇", "问题清单", "汇总"]
    assert sheets["校验结果-蔚县.xlsx"] == [
        "蔚县民政局",
        "问题清单",
        "汇总",
    ]  # names as the original's
    assert sheets["校验结果-康保县.xlsx"] == ["康保县", "问题清单", "汇总"]
    assert sheets["问题清单-2025.xlsx"] == ["问题清单", "汇总"]

    def listed(name: str) -> set[tuple[object, object]]:
        rows = openpyxl.load_workbook(written[name])["问题清单"].iter_rows(
            min_row=3, values_only=True
        )
        return {(r[0], r[4]) for r in rows}

    assert listed("校验结果-张北县.xlsx") == {("张北县.xlsx", "PHONE_INVALID")}  # its rows only
    assert listed("校验结果-康保县.xlsx") == {("康保县.csv", "MISSING_FIELD")}
    assert listed("问题清单-2025.xlsx") == {
        ("张北县.xlsx", "PHONE_INVALID"),
        ("康保县.csv", "MISSING_FIELD"),
    }
    county = openpyxl.load_workbook(written["校验结果-康保县.xlsx"])["汇总"]
    assert [r[0] for r in county.iter_rows(min_row=3, max_row=3, values_only=True)] == ["康保县"]
    city = openpyxl.load_workbook(written["问题清单-2025.xlsx"])["汇总"]
    assert {r[0] for r in city.iter_rows(min_row=3, values_only=True)} >= {
        "张北县",
        "康保县",
        "蔚县",
    }

    ws = openpyxl.load_workbook(written["校验结果-蔚县.xlsx"])["蔚县民政局"]  # from the .xls
    headers = _header(ws, 1)
    day = ws.cell(2, headers.index("申请日期") + 1)
    assert day.value == datetime(2025, 10, 9) and day.number_format == "yyyy-mm-dd"
    widths = _widths(ws)
    assert widths[headers.index("身份证号") + 1] >= units(18)  # computed: every digit shows


def _county_original(path: Path) -> Path:
    """An application workbook as a county lays it out (openpyxl): a merged title, a merged
    填报单位 line, a tall header row, its own widths (the ID column too narrow), a date
    format and a number format of its own."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "公会镇"
    ws.append([TITLE])
    ws.append([UNIT])
    ws.append(HEADERS)
    last = len(HEADERS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    ws.row_dimensions[3].height = 36
    ws["A3"].alignment = Alignment(wrap_text=True)
    widths = {"序号": 5, "村(社区)": 6, "姓名": 8, "身份证号": 9, "开户银行": 7, "备注": 30}
    for c, header in enumerate(HEADERS, start=1):
        letter = openpyxl.utils.get_column_letter(c)
        ws.column_dimensions[letter].width = widths.get(header, 6)
    rows = [
        good_row(
            序号=i,
            姓名=person_name(i),  # three people (the same name would be POSSIBLE_DUPLICATE)
            申请日期=datetime(2025, 10, 8 + i),
            身份证号=make_id(seq=f"{301 + 2 * i}"),
        )
        for i in range(1, 4)
    ]
    rows[1]["开户银行"] = "河北省农村信用社张北支行"
    rows[2]["年龄"] = 80  # AGE_MISMATCH: a number cell marked yellow
    for r, row in enumerate(rows, start=4):
        for c, header in enumerate(HEADERS, start=1):
            value = row[header]
            cell = ws.cell(r, c, None if value == "" else value)
            if header == "申请日期":
                cell.number_format = 'yyyy"年"m"月"d"日"'
            elif header == "年龄":
                cell.number_format = "0.0"
            elif header in ("身份证号", "银行账号", "联系电话"):
                cell.number_format = "@"
    book.save(path)
    return path


def test_the_copy_keeps_the_county_layout_and_adds_the_marking(tmp_path: Path) -> None:
    original = _county_original(tmp_path / "张北县.xlsx")
    ws = openpyxl.load_workbook(_write(tmp_path, [original])["校验结果-张北县.xlsx"])["公会镇"]
    headers = _header(ws, 3)
    column = {h: i + 1 for i, h in enumerate(headers)}
    assert headers[-2:] == ["校验结果", "问题说明"]
    last = openpyxl.utils.get_column_letter(len(headers))
    # The title and the 填报单位 line stay merged, now across the added columns too.
    assert {str(r) for r in ws.merged_cells.ranges} == {f"A1:{last}1", f"A2:{last}2"}
    assert ws.cell(1, 1).value == TITLE and ws.cell(2, 1).value == UNIT
    assert ws.row_dimensions[3].height >= 36
    widths, county = _widths(ws), _widths(openpyxl.load_workbook(original)["公会镇"])
    village, bank = column["村(社区)"], column["开户银行"]
    # The county made both too narrow for their text: widened, every character shows.
    assert widths[village] > county[village] and widths[bank] > county[bank]
    assert _cut_cells(ws, 3) == []
    assert widths[column["备注"]] < county[column["备注"]]  # empty: trimmed to its header
    assert widths[column["身份证号"]] >= units(18)  # widened: every digit shows
    assert widths[column["银行账号"]] >= units(len(GOOD_ACCOUNT))
    assert NOTE_FLOOR <= widths[column["问题说明"]] <= NOTE_WIDTH
    day = ws.cell(4, column["申请日期"])
    assert day.value == datetime(2025, 10, 9)
    assert day.number_format == 'yyyy"年"m"月"d"日"'  # the county's date format
    age = ws.cell(6, column["年龄"])
    assert (age.value, age.number_format, _fill(age)) == (80, "0.0", YELLOW)
    assert age.comment is not None
    assert ws.cell(4, column["身份证号"]).data_type == "s"
    assert ws.cell(4, column["身份证号"]).number_format == "@"
    # Printing: A4 landscape, one page wide, header rows on every page, page numbers.
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"
    assert "&P" in ws.oddFooter.center.text
    assert ws.oddHeader.center.text == "2025年福彩暖冬申请校验结果 · 张北县.xlsx · 公会镇"
    assert ws.freeze_panes == "A4"
    assert ws.page_margins.left <= 0.25 and ws.page_margins.right <= 0.25
    assert _scale(ws) >= READABLE_SCALE


def test_a_two_tier_header_keeps_its_merged_group_headings(tmp_path: Path) -> None:
    """申请人信息 over 姓名/身份证号, the other headings merged down over both rows."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "申请表"
    first, second = HEADERS.index("姓名"), HEADERS.index("身份证号")
    grouped = set(range(first, second + 1))  # 姓名, 性别, 身份证号
    ws.append([TITLE])
    ws.append(
        ["申请人信息" if i == first else None if i in grouped else h for i, h in enumerate(HEADERS)]
    )
    ws.append([h if i in grouped else None for i, h in enumerate(HEADERS)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.merge_cells(start_row=2, start_column=first + 1, end_row=2, end_column=second + 1)
    for i in range(len(HEADERS)):
        if i not in grouped:
            ws.merge_cells(start_row=2, start_column=i + 1, end_row=3, end_column=i + 1)
    first, second = first + 1, second + 1  # 1-based from here
    row = good_row()
    ws.append([None if row[h] == "" else row[h] for h in HEADERS])
    path = tmp_path / "张北县.xlsx"
    book.save(path)

    marked = openpyxl.load_workbook(_write(tmp_path, [path])["校验结果-张北县.xlsx"])["申请表"]
    ranges = {str(r) for r in marked.merged_cells.ranges}
    letter = openpyxl.utils.get_column_letter
    n = len(HEADERS)
    assert f"{letter(first)}2:{letter(second)}2" in ranges  # the group heading
    assert "A2:A3" in ranges  # 序号 merged down over both header rows
    assert {f"{letter(n + 1)}2:{letter(n + 1)}3", f"{letter(n + 2)}2:{letter(n + 2)}3"} <= ranges
    assert marked.cell(2, n + 1).value == "校验结果" and marked.cell(2, n + 2).value == "问题说明"
    assert marked.cell(2, first).value == "申请人信息"
    assert marked.cell(3, first).value == "姓名" and marked.cell(3, second).value == "身份证号"
    assert marked.cell(4, n + 1).value == "通过"
    assert marked.print_title_rows == "$1:$3" and marked.freeze_panes == "A4"


def test_csv_widths_show_every_digit_of_ids_and_accounts(tmp_path: Path) -> None:
    rows = [
        good_row(身份证号=make_id(seq=f"{400 + i}"), 序号=i, 银行账号="6217000010000000001")
        for i in range(3)
    ]
    rows.append(good_row(身份证号="１３０７２２１９４００１０１５１２Ｘ", 序号=4))  # full-width
    ws = openpyxl.load_workbook(
        _write(tmp_path, [_csv(tmp_path / "蔚县.csv", rows)])["校验结果-蔚县.xlsx"]
    )["蔚县"]
    headers = _header(ws, 1)
    widths = _widths(ws)
    assert widths[headers.index("身份证号") + 1] >= units(18)
    assert widths[headers.index("银行账号") + 1] >= units(19)
    assert widths[headers.index("身份证号") + 1] < units(30)  # one full-width ID does not double it
    # That one wraps onto a second line, and its row is made tall enough to show it.
    assert ws.cell(5, headers.index("身份证号") + 1).alignment.wrap_text
    assert ws.row_dimensions[5].height >= 2 * 14


# A line of 11 pt text takes at most 16 pt: LibreOffice's stand-in for 宋体 (Noto Sans
# CJK) needs that much, Excel's 宋体 14.25. A row shows as many lines as it holds.
LINE_HEIGHT = 16.0


def _lines_shown(ws: object, row: int) -> int:
    height = ws.row_dimensions[row].height  # type: ignore[attr-defined]
    return int(height // LINE_HEIGHT) if height else 1


def _shown_text(cell: object) -> tuple[str, bool]:
    """What a cell shows (a date at its format's widest), and whether it may wrap."""
    value = cell.value  # type: ignore[attr-defined]
    if isinstance(value, datetime):
        return "0" * format_width(cell.number_format), False  # type: ignore[attr-defined]
    if isinstance(value, int | float):
        return f"{value:.1f}" if cell.number_format == "0.0" else str(value), False  # type: ignore[attr-defined]
    return str(value), bool(cell.alignment.wrap_text)  # type: ignore[attr-defined]


def _cut_cells(ws: object, header_row: int) -> list[tuple[str, str, int, int]]:
    """Every cell below ``header_row`` (and every header) whose text needs more lines than
    its row shows, by the wrapping rule; one that may not wrap must fit one line."""
    widths = _widths(ws)
    cut = []
    for c, header in enumerate(_header(ws, header_row), start=1):
        if lines_needed(str(header), widths[c], bold=True) > _lines_shown(ws, header_row):
            cut.append((ws.title, str(header), header_row, 0))  # type: ignore[attr-defined]
    for line in ws.iter_rows(min_row=header_row + 1):  # type: ignore[attr-defined]
        for cell in line:
            if cell.value is None or cell.value == "":
                continue
            text, wraps = _shown_text(cell)
            needed = lines_needed(text, widths[cell.column])
            if needed > (_lines_shown(ws, cell.row) if wraps else 1):
                cut.append((ws.title, text, cell.row, needed))
    return cut


def _printed_lines(ws: object, header_row: int) -> int:
    return sum(_lines_shown(ws, r) for r in range(header_row + 1, ws.max_row + 1))  # type: ignore[attr-defined]


def test_the_sample_copies_print_readably_and_lose_no_character(tmp_path: Path) -> None:
    """Every marked-up sheet of sample_data prints one page wide at a readable size, with
    every character of every cell on the page, its IDs in full, and not much longer
    than it must.

    The bound on length: the columns that may wrap need W width units with every cell on
    one line; at the target scale A units are left for them once the other columns have
    theirs. A column holding its cells in L lines is at least 1/L as wide, so no layout
    can print fewer than ceil(W / A) lines a row on average. A row may take one line
    more (a word such as a file name cannot break where the arithmetic would like), or
    what its 问题说明 needs; only the few rows with a remark that most rows leave blank
    may take more.
    """
    files = [SAMPLE / "张北县.xlsx", SAMPLE / "康保县.xlsx", SAMPLE / "蔚县.csv"]
    written = _write(tmp_path, files)
    printable = (297 / 25.4 - 0.5) * 96  # pixels across A4 landscape, 0.25" margins
    for name in ("校验结果-张北县.xlsx", "校验结果-康保县.xlsx", "校验结果-蔚县.xlsx"):
        book = openpyxl.load_workbook(written[name])
        for ws in book.worksheets[:-2]:
            assert _scale(ws) >= READABLE_SCALE, (name, ws.title, _scale(ws))
            header_row = next(r for r in range(1, 6) if "校验结果" in _header(ws, r))
            assert _cut_cells(ws, header_row) == []
            headers = _header(ws, header_row)
            widths = _widths(ws)
            id_column = next(i for i, h in enumerate(headers) if str(h).startswith("身份证")) + 1
            assert widths[id_column] >= units(18)  # an ID on one line

            rows = range(header_row + 1, ws.max_row + 1)
            note = headers.index("问题说明") + 1
            wrapping = [
                c
                for c in range(1, len(headers) + 1)
                if c != note and ws.cell(header_row + 1, c).alignment.wrap_text
            ]
            one_line = {
                c: one_line_width(str(ws.cell(r, c).value or "") for r in rows) for c in wrapping
            }
            budget = printable * 100 / PRINT_SCALE - 5 * len(headers)  # pixels of columns
            fixed = sum(widths[c] for c in widths if c not in wrapping) * 7
            needed = math.ceil(sum(one_line.values()) * 7 / (budget - fixed))
            ideal = [
                max(1, lines_needed(str(ws.cell(r, note).value or ""), widths[note])) for r in rows
            ]
            # Remarks only some rows have (特殊情况说明, 备注: blank in most rows) may wrap
            # onto more lines: a few rows, where the page gains most for the fewest lines.
            remarks = [
                c for c in wrapping if sum(not ws.cell(r, c).value for r in rows) * 2 > len(rows)
            ]
            remarked = [r for r in rows if any(ws.cell(r, c).value for c in remarks)]
            assert len(remarked) * 20 <= len(rows)
            for r, least in zip(rows, ideal, strict=True):
                assert r in remarked or _lines_shown(ws, r) <= max(least, needed + 1), r
            assert needed >= 2  # these sheets cannot print one line a row (hence the wrapping)


def test_rows_past_the_sampled_ones_lose_no_character_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Widths are chosen on the first rows; a longer text further down still wraps, and
    its row is made tall enough: in a column of few texts and in one of many (file names)."""
    from zjk_charity.aid import markup

    monkeypatch.setattr(markup, "SAMPLE_ROWS", 4)
    remark = "本人长期卧床，子女均在外地务工，经村委会入户核实并公示无异议后申请" * 2
    rows = [
        good_row(
            序号=i + 1,
            姓名=person_name(i),
            身份证号=make_id(seq=f"{300 + 2 * i}"),
            认证截图=f"认证截图/130722_{i:04d}.jpg",
        )
        for i in range(12)
    ]
    rows[9]["特殊情况说明"] = remark
    rows[10]["认证截图"] = "认证截图/补充材料/130722_0010_户口本首页及本人页.jpg"
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    ws = openpyxl.load_workbook(_write(tmp_path, [book])["校验结果-张北县.xlsx"])["张北镇"]
    headers = _header(ws, 3)
    assert _cut_cells(ws, 3) == []
    remark_row, name_row = 4 + 9, 4 + 10
    width = _widths(ws)[headers.index("特殊情况说明") + 1]
    assert _lines_shown(ws, remark_row) >= lines_needed(remark, width) > 2
    assert _lines_shown(ws, name_row) > _lines_shown(ws, 4)


def test_the_city_list_holds_every_file_of_the_campaign(tmp_path: Path) -> None:
    """A file validated on its own later still leaves the city list complete."""
    first = write_workbook(tmp_path / "张北县.xlsx", [good_row(联系电话="12")])
    second = _csv(tmp_path / "康保县.csv", [good_row(身份证号="", **{"县(区)": "康保县"})])
    _write(tmp_path, [first])
    city = _write(tmp_path, [second])["问题清单-2025.xlsx"]
    rows = list(openpyxl.load_workbook(city)["问题清单"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[4]) for r in rows] == [
        ("张北县.xlsx", "PHONE_INVALID"),  # validated first: listed first
        ("康保县.csv", "MISSING_FIELD"),
    ]
    summary = list(openpyxl.load_workbook(city)["汇总"].iter_rows(min_row=3, values_only=True))
    assert ("合计", 2, 1, 1, 1) in summary


# Where the outputs go (--out).


def test_plan_default_folder_and_same_names(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "张北县.xlsx", tmp_path / "b" / "张北县.csv"
    plan = plan_markups([a, b, a], YEAR, tmp_path / "out", None)
    assert plan.copies == {
        str(a): tmp_path / "out" / "校验结果-张北县.xlsx",
        str(b): tmp_path / "out" / "校验结果-张北县-2.xlsx",
    }
    assert plan.city == tmp_path / "out" / "问题清单-2025.xlsx"
    assert (
        copy_name(Path("蔚县.csv")) == "校验结果-蔚县.xlsx"
        and city_name(2026) == "问题清单-2026.xlsx"
    )


def test_plan_out_as_folder_or_as_the_one_copy(tmp_path: Path) -> None:
    one, two = tmp_path / "张北县.xlsx", tmp_path / "蔚县.csv"
    folder = plan_markups([one, two], YEAR, tmp_path / "out", tmp_path / "发回")
    assert folder.copies[str(two)] == tmp_path / "发回" / "校验结果-蔚县.xlsx"
    assert folder.city == tmp_path / "发回" / "问题清单-2025.xlsx"
    single = plan_markups([one], YEAR, tmp_path / "out", tmp_path / "x" / "张北县-标注.xlsx")
    assert single.copies == {str(one): tmp_path / "x" / "张北县-标注.xlsx"}
    assert single.city == tmp_path / "x" / "问题清单-2025.xlsx"  # beside it
    with pytest.raises(UserError, match="文件夹"):
        plan_markups([one, two], YEAR, tmp_path / "out", tmp_path / "all.xlsx")
    with pytest.raises(UserError, match=r"\.xlsx"):
        plan_markups([one], YEAR, tmp_path / "out", tmp_path / "m.xls")
    with pytest.raises(UserError, match="全市问题清单"):
        plan_markups([one], YEAR, tmp_path / "out", tmp_path / "问题清单-2025.xlsx")
    with pytest.raises(UserError, match="输入文件"):
        one.write_bytes(b"PK")
        plan_markups([one], YEAR, tmp_path / "out", one)


def _cli(*args: str) -> tuple[int, str]:
    result = runner().invoke(app, ["aid", "validate", *args, "--year", "2025"])
    return result.exit_code, result.output


def test_cli_lists_every_file_written_and_replaces_a_copy_on_revalidation(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    bad = write_workbook(tmp_path / "张北县.xlsx", [good_row(联系电话="12")])
    other = _csv(
        tmp_path / "蔚县.csv",
        [good_row(姓名="测丙", 身份证号=make_id(seq="777"), **{"县(区)": "蔚县"})],
    )
    code, output = _cli(str(bad), str(other), "-w", str(ws))
    assert code == 0, output
    out = ws / "out"
    for name in ("校验结果-张北县.xlsx", "校验结果-蔚县.xlsx", "问题清单-2025.xlsx"):
        assert str(out / name) in output.replace("\n", "")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["校验结果-张北县.xlsx", "校验结果-蔚县.xlsx", "问题清单-2025.xlsx"]
    )
    write_workbook(bad, [good_row()])  # corrected by the township
    code, output = _cli(str(bad), "-w", str(ws))
    assert code == 0, output
    assert len(list(out.iterdir())) == 3  # replaced, not added
    marked = openpyxl.load_workbook(out / "校验结果-张北县.xlsx")["张北镇"]
    assert marked.cell(4, len(_header(marked, 3)) - 1).value == "通过"


def test_cli_out_variants(tmp_path: Path) -> None:
    one = write_workbook(tmp_path / "张北县.xlsx", [good_row()])
    two = _csv(tmp_path / "蔚县.csv", [good_row(身份证号=make_id(seq="779"))])
    code, output = _cli(
        str(one), str(two), "--out", str(tmp_path / "m.xlsx"), "-w", str(tmp_path / "a")
    )
    assert code == 2 and "文件夹" in output
    assert not ledger_exists(tmp_path / "a")  # stopped before the ledger
    code, output = _cli(
        str(one), str(two), "--out", str(tmp_path / "发回"), "-w", str(tmp_path / "b")
    )
    assert code == 0, output
    assert {p.name for p in (tmp_path / "发回").iterdir()} == {
        "校验结果-张北县.xlsx",
        "校验结果-蔚县.xlsx",
        "问题清单-2025.xlsx",
    }
    code, output = _cli(
        str(one), "--out", str(tmp_path / "张北-标注.xlsx"), "-w", str(tmp_path / "c")
    )
    assert code == 0, output
    assert (tmp_path / "张北-标注.xlsx").is_file() and (tmp_path / "问题清单-2025.xlsx").is_file()


def test_no_copy_is_replaced_when_one_output_cannot_be_written(tmp_path: Path) -> None:
    """All or nothing: the city list's path is a folder, so the copy stays as it was."""
    ws = tmp_path / "ws"
    source = write_workbook(tmp_path / "张北县.xlsx", [good_row()])
    out = ws / "out"
    (out / "问题清单-2025.xlsx").mkdir(parents=True)
    (out / "校验结果-张北县.xlsx").write_bytes(b"earlier copy")
    code, output = _cli(str(source), "-w", str(ws))
    assert code == 2 and "文件夹" in output
    assert (out / "校验结果-张北县.xlsx").read_bytes() == b"earlier copy"
    assert sorted(p.name for p in out.iterdir()) == ["校验结果-张北县.xlsx", "问题清单-2025.xlsx"]


def test_json_output_is_unchanged_by_the_copies(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "张北县.xlsx", [good_row(联系电话="12")])
    args = ["aid", "validate", str(book), "--year", "2025", "--json", "-w", str(tmp_path / "ws")]
    result = runner().invoke(app, args)
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["PHONE_INVALID"]
    assert (tmp_path / "ws" / "out" / "校验结果-张北县.xlsx").is_file()


# The layout reader and the width rule.


def test_layouts_are_read_from_xlsxwriter_files_too(tmp_path: Path) -> None:
    path = tmp_path / "k.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("康保县")
    ws.set_column(0, 0, 5)
    ws.set_column(1, 3, 17.5)
    ws.set_row(0, 40)
    money = book.add_format({"num_format": "#,##0.00"})
    ws.write_row(1, 0, HEADERS)
    ws.write_number(2, 3, 12.5, money)
    book.close()
    layout = read_layouts(path, {"康保县": 2})["康保县"]
    assert layout.widths[0] == pytest.approx(5, abs=0.1)
    assert layout.widths[1] == layout.widths[3] == pytest.approx(17.5, abs=0.1)
    assert layout.row_heights == {0: pytest.approx(40, abs=0.5)}
    assert layout.formats == {3: "#,##0.00"}
    assert read_layouts(tmp_path / "missing.xlsx", {"x": 1}) == {}
    (tmp_path / "t.csv").write_text("a,b\n")
    assert read_layouts(tmp_path / "t.csv", {"t": 1}) == {}


@given(st.lists(st.text(max_size=12), max_size=30), st.none() | st.floats(0, 30))
def test_widest_is_the_widest_display_width(texts: list[str], enough: float | None) -> None:
    """The shortcuts (ASCII, the GB 18030 bound, ``enough``) never change the answer below
    ``enough``; ``enough`` only lets a wider answer stop early."""
    exact = max(map(display_width, texts), default=0)
    found = widest(texts, enough)
    if enough is None or exact < enough:
        assert found == exact
    else:
        assert enough <= found <= exact or found == exact


def test_a_layout_that_cannot_be_followed_is_no_layout(tmp_path: Path) -> None:
    """Odd styles and sheet XML that the parser accepts cost the county's formats or
    widths where they are odd, never the copy."""
    import zipfile

    good = _county_original(tmp_path / "张北县.xlsx")
    bad = tmp_path / "坏.xlsx"
    odd = {
        "xl/styles.xml": [
            (
                b'<numFmts count="3">',
                b'<numFmts count="4"><numFmt numFmtId="oops" formatCode="&amp;"/>',
            ),
            (
                b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" pivotButton',
                b'<xf numFmtId="zz" fontId="0" fillId="0" borderId="0" pivotButton',
            ),
        ],
        "sheet": [
            (b' s="', b' s="9'),  # style indexes beyond the styles
            (
                b"<cols>",
                b"<cols><col min='9' max='1' width='-3'/><col min='30' max='99999' width='1e999'/>",
            ),
        ],
    }
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            key = "sheet" if item.filename.startswith("xl/worksheets/") else item.filename
            for old, new in odd.get(key, []):
                assert old in data, old
                data = data.replace(old, new)
            target.writestr(item, data)
    layout = read_layouts(bad, {"公会镇": 3})["公会镇"]
    assert 30 not in layout.widths and 8 in layout.widths  # the good <col> entries count
    written = _write(tmp_path, [bad])
    ws = openpyxl.load_workbook(written["校验结果-坏.xlsx"])["公会镇"]
    headers = _header(ws, 3)
    assert ws.cell(4, len(headers) - 1).value in ("通过", "警告")  # the date read as a number
    assert ws.cell(4, headers.index("身份证号") + 1).value == make_id(seq="303")


@given(st.lists(st.text(max_size=30), max_size=30), st.floats(3, 40))
def test_overflowing_finds_every_text_that_needs_more_lines(texts: list[str], width: float) -> None:
    """The C-speed pick of candidates misses no text that wraps."""
    expected = {t: n for t in set(texts) if (n := lines_needed(t, width)) > 1}
    assert overflowing(texts, width) == expected
