"""The corpus of broken and hostile inputs, built on demand (nothing binary is committed).

``build(folder)`` writes every case into ``folder`` and returns {name: path}; run it as a
script to look at the files by hand: ``python tests/hostile.py /tmp/corpus``.
Each case is what arrives from some office sooner or later, or what an attacker would
send: see CASES for the expected exit code and the words the message must contain.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import xlwt

HEADERS = ["县(区)", "姓名", "身份证号", "人员类别", "供养方式", "银行账号", "认证截图"]
ROW = [
    "张北县",
    "测甲",
    "130722194001011234",
    "农村特困人员",
    "分散供养",
    "6222021234567890128",
    "a",
]

# name → (exit code, words the one-line message must contain)
CASES: dict[str, tuple[int, tuple[str, ...]]] = {
    "empty.xlsx": (2, ("空的",)),
    "truncated.xlsx": (2, ("损坏或不完整",)),
    "text.xlsx": (2, ("不是 Excel 工作簿",)),
    "no_workbook.xlsx": (2, ("没有 Excel 工作簿",)),
    "password.xlsx": (2, ("密码",)),
    "far_cell.xlsx": (2, ("过大", "1,048,576")),
    "wide_row.xlsx": (2, ("过大", "16,384")),
    # the parser's leniency: a far cell under a near row, an r repeated in single
    # quotes (the last wins), and cells without r placed one after another
    "far_cell_near_row.xlsx": (2, ("过大", "900,000,000")),
    "repeated_ref.xlsx": (2, ("过大", "16,384")),
    "cells_without_r.xlsx": (2, ("过大", "90,000")),
    "xlsb_inside.xlsx": (2, (".xlsb", "另存为")),
    # a date cell of -1e20 days makes calamine panic (a Rust panic, pyo3's PanicException)
    "panic_date.xlsx": (2, ("无法作为 Excel 工作簿读取",)),
    # .xls is parsed in a child process: records that ask for absurd sizes kill the child
    "far_column.xls": (2, ("异常退出", "另存为 .xlsx")),
    "huge_dimensions.xls": (2, ("异常退出", "另存为 .xlsx")),
    "zip_bomb.xlsx": (2, ("大得异常",)),
    "entities.xlsx": (2, ("无法作为 Excel 工作簿读取",)),
    "really_xls.xlsx": (1, ()),  # read as what it is; its rows have findings
    "really_xlsx.xls": (1, ()),
    "mixed_encoding.csv": (2, ("编码",)),
    "long_cells.xlsx": (1, ()),  # read; the 100,000-character cells are findings
    "long_cells.csv": (1, ()),  # the same in a CSV, beyond the csv module's own limit
    "formulas.xlsx": (1, ("公式",)),  # formulas without cached values: findings
}


def _book_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADERS, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _replace_sheet(source: bytes, sheet_xml: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            dst.writestr(info.filename, data)
    return out.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _inline_row(r: int, cells: list[tuple[str, str]]) -> bytes:
    parts = "".join(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>' for ref, text in cells)
    return f'<row r="{r}">{parts}</row>'.encode()


def _header_sheet(extra: bytes) -> bytes:
    head = _inline_row(1, [(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS)])
    return SHEET_HEAD + b"<sheetData>" + head + extra + b"</sheetData></worksheet>"


def _password(good: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("not-a-real-password", out)
    return out.getvalue()


def _entities(good: bytes) -> bytes:
    laughs = (
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b"]>"
    )
    row = _inline_row(2, [("A2", "&i;")])
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        + laughs
        + SHEET_HEAD.split(b"?>", 1)[1]
        + b"<sheetData>"
        + row
        + b"</sheetData></worksheet>"
    )
    return _replace_sheet(good, sheet)


def _zip_bomb(good: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        # 64 MB of one byte repeated deflates to ~64 KB: a thousandfold expansion
        with dst.open("xl/media/padding.bin", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(64):
                member.write(block)
    return out.getvalue()


def _xls(rows: list[list[object]]) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("申请表")
    for r, row in enumerate([HEADERS, *rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _patched_xls(record: bytes, layout: str, values: tuple[int, ...]) -> bytes:
    """A good .xls whose last ``record`` (type and length, little-endian) gets ``values``."""
    data = bytearray(_xls([ROW]))
    at = data.rfind(record)
    assert at > 0, record
    struct.pack_into(layout, data, at + 4, *values)
    return bytes(data)


def _panic_date() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*HEADERS, "申请日期"])
    sheet.append([*ROW, datetime(2025, 10, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as src:
        xml = src.read("xl/worksheets/sheet1.xml")
    # the date's serial number, made absurd; the cell keeps its date format
    xml = re.sub(rb'(<c r="H2"[^>]*><v>)[^<]*', rb"\g<1>-1e20", xml)
    return _replace_sheet(buffer.getvalue(), xml)


def _formulas() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(
        ["张北县", '=CONCATENATE("测","甲")', "=A1", "农村特困人员", "分散供养", "=1+1", "a"]
    )
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stores formulas without cached values
    return buffer.getvalue()


def build(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    good = _book_bytes([ROW])
    wrong_id = [*ROW[:2], "130722194001011230", *ROW[3:]]  # bad check character
    made = {
        "empty.xlsx": b"",
        "truncated.xlsx": good[: len(good) // 2],
        "text.xlsx": "县(区),姓名\n张北县,测甲\n".encode(),
        "no_workbook.xlsx": _zip({"readme.txt": b"hello"}),
        "password.xlsx": _password(good),
        "far_cell.xlsx": _replace_sheet(
            good, _header_sheet(_inline_row(1048576, [("XFD1048576", "x")]))
        ),
        "wide_row.xlsx": _replace_sheet(good, _header_sheet(_inline_row(2000, [("XFD2000", "x")]))),
        "zip_bomb.xlsx": _zip_bomb(good),
        "far_cell_near_row.xlsx": _replace_sheet(
            good, _header_sheet(b'<row r="2"><c r="A900000000"><v>1</v></c></row>')
        ),
        "repeated_ref.xlsx": _replace_sheet(
            good, _header_sheet(b'<row r="2"><c r="A2" r=\'XFD900000\'><v>1</v></c></row>')
        ),
        "cells_without_r.xlsx": _replace_sheet(
            good,
            _header_sheet(
                b'<row r="2">'
                + b"<c><v>1</v></c>" * 400
                + b'</row><row r="90000"><c><v>1</v></c></row>'
            ),
        ),
        # LABELSST (0x00FD, 10 bytes): row, column; DIMENSIONS (0x0200, 14 bytes):
        # first row, last row + 1, first column, last column + 1
        "far_column.xls": _patched_xls(b"\xfd\x00\x0a\x00", "<HH", (65000, 65000)),
        "huge_dimensions.xls": _patched_xls(
            b"\x00\x02\x0e\x00", "<IIHH", (0, 4_000_000_000, 0, 65000)
        ),
        "xlsb_inside.xlsx": _zip(
            {"xl/workbook.bin": b"\0" * 64, "[Content_Types].xml": b"<Types/>"}
        ),
        "entities.xlsx": _entities(good),
        "really_xls.xlsx": _xls([wrong_id]),
        "really_xlsx.xls": _book_bytes([wrong_id]),
        "mixed_encoding.csv": ",".join(HEADERS).encode("utf-8")
        + b"\n"
        + ",".join(ROW).encode("utf-8")
        + b"\n"
        + ",".join(["康保县", "测乙", *ROW[2:]]).encode("gbk")
        + b"\n",
        "long_cells.xlsx": _book_bytes([[ROW[0], "测" * 100_000, *ROW[2:5], "6" * 100_000, "a"]]),
        "formulas.xlsx": _formulas(),
        "panic_date.xlsx": _panic_date(),
        "long_cells.csv": (
            ",".join(HEADERS) + "\n" + ",".join([ROW[0], "测" * 200_000, *ROW[2:]]) + "\n"
        ).encode("utf-8"),
    }
    return {name: _write(folder, name, data) for name, data in made.items()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


if __name__ == "__main__":
    for name, path in build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")).items():
        print(f"{name:24} {path.stat().st_size:>10,} bytes  expect exit {CASES[name][0]}")
