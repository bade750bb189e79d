"""The pre-parse guard never under-estimates the grid calamine builds (workbook/guard.py).

Sheets are generated in every form the parser accepts (lowercase references, single
quotes, spaces around ``=``, repeated ``r``, cells and rows without ``r``, namespace
prefixes, self-closing rows) but kept small, so calamine itself can read them here and
say where its furthest cell is. The guard must reach at least as far, or calamine could
be handed a sheet whose grid aborts the process.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from zjk_charity.errors import UserError
from zjk_charity.workbook.guard import MAX_CELLS, check_workbook, sheet_extent

SHEET = "xl/worksheets/sheet1.xml"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="申请表" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def workbook(sheet_data: str) -> bytes:
    """A minimal .xlsx whose only sheet holds ``sheet_data`` inside <sheetData>."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in PARTS.items():
            book.writestr(name, text)
        book.writestr(SHEET, sheet)
    return out.getvalue()


def letters(col: int) -> str:
    name = ""
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def r_attribute(value: str, form: str) -> str:
    """An r attribute written the way ``form`` says; the parser accepts every one."""
    return {
        "usual": f' r="{value}"',
        "lower": f' r="{value.lower()}"',
        "quote": f" r='{value}'",
        "spaced": f' r = "{value}"',
        "tab": f'\tr="{value}"',
        "late": f' s="1" r="{value}"',
        "zeros": f' r="{value.rstrip("0123456789")}000{value.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"',
    }[form]


FORMS = ["usual", "lower", "quote", "spaced", "tab", "late", "zeros"]


@st.composite
def cells(draw: st.DrawFn, row: int) -> str:
    col = draw(st.integers(1, 120))
    where = draw(st.sampled_from([*FORMS, "none", "repeated"]))
    prefix = "x:" if draw(st.integers(0, 9)) == 0 else ""
    if where == "none":
        attributes = ""
    elif where == "repeated":
        first = f"A{row}"
        attributes = f' r="{first}" r="{letters(col)}{draw(st.integers(1, 2500))}"'
    else:
        attributes = r_attribute(f"{letters(col)}{draw(st.integers(1, 2500))}", where)
    return f'<{prefix}c{attributes} t="inlineStr"><is><t>v</t></is></{prefix}c>'


@st.composite
def rows(draw: st.DrawFn) -> str:
    number = draw(st.integers(1, 2500))
    form = draw(st.sampled_from([*FORMS[:4], "none", "closed"]))
    if form == "closed":
        return f'<row r="{number}"/>'
    attributes = "" if form == "none" else r_attribute(str(number), form)
    body = "".join(draw(st.lists(cells(number), max_size=6)))
    body += "".join(
        '<c t="inlineStr"><is><t>v</t></is></c>' for _ in range(draw(st.integers(0, 3)))
    )
    return f"<row{attributes}>{body}</row>"


def calamine_reach(data: bytes) -> tuple[int, int]:
    """(rows, columns) of the grid calamine builds: its furthest cell, counted from 1."""
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("申请表")
    if sheet.end is None:
        return 0, 0
    end_row, end_col = sheet.end
    return end_row + 1, end_col + 1


def guard_reach(tmp: Path, data: bytes) -> tuple[int, int]:
    path = tmp / "sheet.xlsx"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        rows_, cols, _ = sheet_extent(path, archive, SHEET)
    return rows_, cols


@settings(max_examples=150, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=12))
def test_the_guard_reaches_at_least_as_far_as_calamine(
    tmp_path_factory: pytest.TempPathFactory, sheet_rows: list[str]
) -> None:
    data = workbook("".join(sheet_rows))
    want_rows, want_cols = calamine_reach(data)
    got_rows, got_cols = guard_reach(tmp_path_factory.mktemp("guard"), data)
    assert got_rows >= want_rows and got_cols >= want_cols, ("".join(sheet_rows), want_rows)


def test_a_sheet_in_the_usual_form_is_vouched_for_without_reading_it_twice(
    tmp_path: Path,
) -> None:
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{letters(c)}{r}" s="1" t="s"><v>0</v></c>' for c in range(1, 23))
        + "</row>"
        for r in range(1, 50)
    )
    rows_, cols = guard_reach(tmp_path, workbook(body))
    assert cols == 26 and rows_ * cols <= MAX_CELLS  # a bound, the fast scan's


def test_a_wide_sheet_gets_its_exact_furthest_row(tmp_path: Path) -> None:
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="AH{r}"><v>1</v></c></row>'
        for r in (1, 2, 70_000)
    )
    assert guard_reach(tmp_path, workbook(body)) == (70_000, 34)


FAR = [
    ("single letter, far row", '<row r="2"><c r="A900000000"><v>1</v></c></row>'),
    ("lowercase", '<row r="2"><c r="xfd900000"><v>1</v></c></row>'),
    ("single quotes", "<row r='2'><c r='XFD900000'><v>1</v></c></row>"),
    ("spaces around =", '<row r="2"><c r = "XFD900000"><v>1</v></c></row>'),
    ("repeated r", '<row r="2"><c r="A2" r="XFD900000"><v>1</v></c></row>'),
    ("a > in a value first", '<row r="2"><c x=">" r="XFD900000"><v>1</v></c></row>'),
    ("no space between", '<row r="2"><c r="A2"r="XFD900000"><v>1</v></c></row>'),
    ("prefixed row", '<x:row r="900000000"><c><v>1</v></c></x:row>'),
    (
        "cells without r",
        '<row r="2">' + "<c><v>1</v></c>" * 400 + '</row><row r="90000"><c><v>1</v></c></row>',
    ),
    ("self-closing far row", '<row r="900000000"/><row><c><v>1</v></c></row>'),
]


@pytest.mark.parametrize("body", [b for _, b in FAR], ids=[n for n, _ in FAR])
def test_each_way_of_hiding_a_far_cell_is_refused(tmp_path: Path, body: str) -> None:
    path = tmp_path / "far.xlsx"
    path.write_bytes(workbook('<row r="1"><c r="A1"><v>1</v></c></row>' + body))
    with pytest.raises(UserError, match="过大"):
        check_workbook(path)


@pytest.mark.parametrize(
    ("member", "word"), [("xl/workbook.bin", ".xlsb"), ("content.xml", ".ods")]
)
def test_xlsb_and_ods_content_is_refused_with_what_to_do(
    tmp_path: Path, member: str, word: str
) -> None:
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(member, b"x")
    with pytest.raises(UserError, match=r"另存为 \.xlsx") as caught:
        check_workbook(path)
    assert word in str(caught.value)


def test_an_xls_read_in_the_child_is_what_calamine_reads_in_process(tmp_path: Path) -> None:
    import datetime

    import xlwt

    from zjk_charity.workbook.isolated import read_grids
    from zjk_charity.workbook.reader import excel_grids

    book = xlwt.Workbook()
    sheet = book.add_sheet("申请表")
    sheet.write_merge(0, 0, 0, 2, "2025年福彩暖冬申请表")
    sheet.write(1, 0, "测甲")
    sheet.write(1, 1, 130722194001011234.0)
    sheet.write(1, 2, datetime.date(2025, 10, 8), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    book.add_sheet("说明").write(0, 0, "空")
    path = tmp_path / "县.xls"
    book.save(str(path))
    grids = read_grids(path)
    assert grids == excel_grids(path)
    assert [name for name, _, _ in grids] == ["申请表", "说明"]
    assert grids[0][2] == [(0, 0, 0, 2)]  # the merged title survives the hand-over
