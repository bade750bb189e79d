"""Checks that run before a workbook is parsed, so a hostile file cannot take the process down.

The spreadsheet parser (calamine) builds a dense grid from the furthest cell of a sheet:
one cell at XFD1048576 asks for 17 billion cells and aborts the process, which no
``except`` can catch. So before parsing we look at the file itself, in bounded memory:

- an OLE2 (CFB) container holding ``EncryptionInfo`` is a password-protected .xlsx;
- a zip is checked for a workbook part, for members whose uncompressed size is absurd
  (a zip bomb), and each worksheet's XML is streamed to find how far its cells reach,
  refusing a sheet whose grid would exceed :data:`MAX_CELLS`. The parser (quick-xml)
  is lenient: it takes lowercase references, single quotes, spaces around ``=``,
  repeated ``r`` attributes (the last wins), cells and rows without ``r`` (placed after
  the previous one) and namespace prefixes. A sheet in the usual form is vouched for
  by a fast scan (0.8–0.9 s for 100,000 rows); any other is read whole and followed
  tag by tag, as the parser would (tests/test_guard.py checks this against calamine);
- .xlsb and .ods content is refused (not scanned, so not parsed either); .xls (BIFF)
  goes to the parser unscanned: BIFF8 stops at 65,536 rows, but a crafted record
  naming a far column is not looked for (a known gap, noted in the README);
- the extension is compared with the content (.xlsx that is really .xls and the reverse
  are read as what they are; plain text named .xlsx is refused).

All failures are :class:`UserError` with the file, the sheet where it applies, and
what to do. The fast scan keeps a few megabytes in memory; the tag-by-tag one reads
the sheet's XML whole, up to :data:`EXACT_MAX_BYTES`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zjk_charity.errors import UserError

# A sheet's grid (furthest row × furthest column) may not exceed this many cells:
# 100,000 applicants × 22 columns is 2.2 million; a full-width stray cell is billions.
MAX_CELLS = 30_000_000
MAX_MEMBER_BYTES = 2_000_000_000  # uncompressed size of one part of the zip
MAX_RATIO = 400  # uncompressed / compressed for a large part; zip bombs are far beyond
CHUNK = 4 << 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# The usual sheet XML (Excel, WPS, LibreOffice, openpyxl, xlsxwriter) writes every cell
# as <c r="B12" s="3" t="s"> and every row as <row r="12" …>. The fast scan vouches for a
# sheet written that way and finds its widest column, with patterns that begin with a
# literal (the regex engine skips along in C) and on a usual sheet build no match:
# - a cell tag not of that exact form, or with a reference beyond column ZZ or row
#   999,999; the findall captures two-letter columns, which a sheet past Z has;
# - a row tag whose r is missing or beyond 999,999 (further attributes do not move rows);
# - a row or cell element with a namespace prefix (the parser matches local names).
# Every cell of a sheet it vouches for lies within row 999,999, so it needs no row numbers
# unless the sheet is wider than MAX_CELLS / 999,999 = 30 columns.
_CELL_ATTRS = rb'(?: (?:s|t|cm|vm|ph)="[^"<>]*+")*+/?>'
_ODD_CELL = re.compile(
    rb'<c(?![\w.:-])(?! r="[A-Z]\d{1,6}+"' + _CELL_ATTRS + rb")"
    rb'(?: r="([A-Z]{2})\d{1,6}+"' + _CELL_ATTRS + rb")?"
)
_ODD_ROW = re.compile(rb'<row(?![\w.:-])(?! r="\d{1,6}+")')
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_USUAL_ROW = re.compile(rb' r="[A-Z]{0,2}(\d++)"')
FAST_ROWS = 999_999
# The exact scan, for every other sheet: each row and cell tag however written (quoted
# values may hold < and >), placed as the parser places it: a row without r follows the
# previous one, a cell without r takes the next column of its row, and of repeated r
# attributes the parser keeps the last (we keep the furthest). Every r value anywhere is
# counted too, so a tag the pattern cannot take apart still cannot hide a far cell.
_QUOTED_ATTRS = rb"""[^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+"""
_TAG = re.compile(
    rb"<(?:(/)(?:[\w.-]+:)?row\s*>|(?:[\w.-]+:)?(row|c)(?=[\s/>])(" + _QUOTED_ATTRS + rb")>)"
)
_R_VALUE = re.compile(rb"""r\s*+=\s*+(?:"([^"]*+)"|'([^']*+)')""")
_REF = re.compile(rb"([A-Za-z]*+)(\d++)")
EXACT_MAX_BYTES = 512 << 20  # a sheet the fast scan cannot vouch for is read whole


def _fail(path: Path, zh: str, en: str) -> UserError:
    return UserError(f"{path}：{zh}", f"{path}: {en}")


def sniff(path: Path) -> str:
    """What the file really is: "zip", "ole", or "other" (text, or something else)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head == OLE_MAGIC:
        return "ole"
    return "other"


def _ole_is_encrypted_ooxml(path: Path) -> bool:
    """An encrypted .xlsx is an OLE2 file with EncryptionInfo/EncryptedPackage streams."""
    marker = "EncryptionInfo".encode("utf-16-le")
    with path.open("rb") as handle:
        data = handle.read(1 << 20)  # the directory of small files sits near the start
    return marker in data or "EncryptedPackage".encode("utf-16-le") in data


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


_UNCACHED = re.compile(rb"</f>\s*(?:<v\s*/>|<v>\s*</v>|</c>)|<f\b[^>]*/>\s*</c>")


@dataclass(frozen=True)
class Inspection:
    kind: str  # "xlsx" or "xls": what the file really is
    uncached_formulas: int = 0  # formula cells saved without a computed value


def _uncached(data: bytes) -> int:
    return len(_UNCACHED.findall(data)) if b"<f" in data else 0


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The member streamed in pieces cut just before a ``<``: no tag of the usual form
    (whose values hold no ``<``) is ever cut in two."""
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            data = tail + chunk
            cut = data.rfind(b"<")
            tail, data = (data[cut:], data[:cut]) if cut > 0 else (b"", data)
            yield data
    yield tail


def _scan(archive: zipfile.ZipFile, name: str) -> tuple[str, int, int]:
    """("usual", furthest column, uncached formulas) for a sheet in the usual form,
    ("wide", …) for one wider than 30 columns, ("odd", 0, 0) for any other."""
    cols = 26
    uncached = 0
    for data in _chunks(archive, name):
        wide = set(_ODD_CELL.findall(data))
        if b"" in wide or _ODD_ROW.search(data) or _PREFIXED.search(data):
            return "odd", 0, 0
        if wide:
            cols = max(cols, *map(_column_number, wide))
        uncached += _uncached(data)
    return ("usual" if FAST_ROWS * cols <= MAX_CELLS else "wide"), cols, uncached


def _furthest_row(archive: zipfile.ZipFile, name: str) -> int:
    """The furthest row of a sheet in the usual form: every r there is a row or a cell."""
    rows = 0
    for data in _chunks(archive, name):
        found = _USUAL_ROW.findall(data)
        if found:
            rows = max(rows, *map(int, found))
    return rows


def _position(value: bytes) -> tuple[int, int] | None:
    """(row, column) of a reference as the parser reads it, column 0 when it has none;
    None when the parser refuses it (then the workbook fails to read: no cell there)."""
    found = _REF.fullmatch(value)
    if found is None:
        return None
    letters, digits = found.groups()
    return int(digits), (_column_number(letters.upper()) if letters else 0)


def _positions(attributes: bytes) -> list[tuple[int, int]]:
    found = (_position(a or b) for a, b in _R_VALUE.findall(attributes))
    return [p for p in found if p is not None]


class _Extent:
    """The furthest row and column the parser would place a cell in, tag by tag."""

    def __init__(self) -> None:
        self.row = 1  # where a cell without r goes: the current row ...
        self.col = 1  # ... and the column after the previous cell
        self.rows = 0
        self.cols = 0

    def reach(self, row: int, col: int) -> None:
        self.rows = max(self.rows, row)
        self.cols = max(self.cols, col)

    def row_tag(self, attributes: bytes) -> None:
        rows = [r for r, _ in _positions(attributes)]
        if rows:
            self.row = max(rows)
        self.rows = max(self.rows, self.row)
        if attributes.endswith(b"/"):
            self.end_row()

    def end_row(self) -> None:
        self.row += 1
        self.col = 1

    def cell_tag(self, attributes: bytes) -> None:
        places = [p for p in _positions(attributes) if p[1]]
        for row, col in places:
            self.reach(row, col)
        if places:
            self.col = max(c for _, c in places) + 1
        else:
            self.reach(self.row, self.col)
            self.col += 1


def _exact_extent(path: Path, archive: zipfile.ZipFile, name: str) -> tuple[int, int, int]:
    """(furthest row, furthest column, uncached formulas), following the parser's rules."""
    with archive.open(name) as stream:
        xml = stream.read(EXACT_MAX_BYTES + 1)
    if len(xml) > EXACT_MAX_BYTES:
        sheet = Path(name).stem
        raise _fail(
            path,
            f"工作表（{sheet}）的写法不常见且内容过大，无法安全读取；请用 Excel/WPS 打开后另存为 .xlsx",
            f"sheet {sheet} is written in an unusual form and too large to check; open it in "
            "Excel or WPS and save it as .xlsx",
        )
    extent = _Extent()
    for closing, tag, attributes in _TAG.findall(xml):
        if closing:
            extent.end_row()
        elif tag == b"row":
            extent.row_tag(attributes)
        else:
            extent.cell_tag(attributes)
    for row, col in _positions(xml):
        extent.reach(row, col)
    return extent.rows, max(extent.cols, 1), _uncached(xml)


def _check_zip(path: Path) -> int:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail(
            path,
            "文件已损坏或不完整（可能下载或拷贝中断），请向报送单位索取原文件",
            "the file is damaged or truncated; ask the sender for the original",
        ) from None
    with archive:
        names = archive.namelist()
        if "xl/workbook.bin" in names or "content.xml" in names:
            # .xlsb (binary parts) and OpenDocument (.ods) are not scanned for far-away
            # cells, so they are not handed to the parser either.
            kind = ".xlsb" if "xl/workbook.bin" in names else ".ods"
            raise _fail(
                path,
                f"这是 {kind} 格式的表格，本工具不读取；请用 Excel/WPS 打开后另存为 .xlsx",
                f"a {kind} spreadsheet, which is not read here; save it from Excel or WPS as .xlsx",
            )
        if "xl/workbook.xml" not in names:
            raise _fail(
                path,
                "这是一个压缩包，但里面没有 Excel 工作簿；请确认文件，或用 Excel/WPS 另存为 .xlsx",
                "a zip file without a workbook in it; save it from Excel or WPS as .xlsx",
            )
        for info in archive.infolist():
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > 50_000_000 and ratio > MAX_RATIO
            ):
                raise _fail(
                    path,
                    f"文件内部的 {info.filename} 解压后大得异常（{info.file_size:,} 字节），"
                    "可能是恶意构造的文件，已拒绝读取",
                    f"part {info.filename} expands to {info.file_size:,} bytes; refused as a zip bomb",
                )
        return sum(
            _check_extent(path, archive, name)
            for name in names
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def sheet_extent(path: Path, archive: zipfile.ZipFile, name: str) -> tuple[int, int, int]:
    """(furthest row or a bound of it, furthest column, uncached formulas) of a worksheet:
    never less than the grid the parser would build from it."""
    form, cols, uncached = _scan(archive, name)
    if form == "usual":
        return FAST_ROWS, cols, uncached  # at most 30 columns: within MAX_CELLS anyway
    if form == "wide":
        return _furthest_row(archive, name), cols, uncached
    return _exact_extent(path, archive, name)


def _check_extent(path: Path, archive: zipfile.ZipFile, name: str) -> int:
    """Refuse a sheet too large to parse; return its count of uncached formulas."""
    try:
        rows, cols, uncached = sheet_extent(path, archive, name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _fail(
            path,
            "文件已损坏或不完整，请向报送单位索取原文件",
            "the file is damaged or truncated; ask the sender for the original",
        ) from None
    if rows * cols > MAX_CELLS:
        sheet = Path(name).stem
        raise _fail(
            path,
            f"工作表（{sheet}）的内容延伸到第 {rows:,} 行、第 {cols:,} 列，表格过大无法读取；"
            "通常是表格下方或右侧远处有多余的内容或格式：请在 Excel/WPS 中删除这些行列后另存",
            f"sheet {sheet} reaches row {rows:,}, column {cols:,}: too large to read; delete "
            "the stray content far below or right of the table and save again",
        )
    return uncached


def check_workbook(path: Path) -> Inspection:
    """Refuse files that cannot or must not be parsed; return the real format.

    The result is "xlsx" (an OOXML zip, whatever the extension), "xls" (OLE2/BIFF,
    whatever the extension) — the reader then parses the file as what it is.
    """
    kind = sniff(path)
    if kind == "ole":
        if _ole_is_encrypted_ooxml(path):
            raise _fail(
                path,
                "工作簿设有打开密码，无法读取；请在 Excel/WPS 中打开，取消密码（文件→信息→保护工作簿→"
                "用密码进行加密，清空密码）后另存，再试",
                "the workbook is password-protected; remove the password in Excel/WPS and save it again",
            )
        return Inspection("xls")
    if kind == "zip":
        return Inspection("xlsx", _check_zip(path))
    raise _fail(
        path,
        "不是 Excel 工作簿（内容像是文本或其他格式，可能只是改了扩展名）；"
        "如果是 CSV，请把扩展名改为 .csv；否则请用 Excel/WPS 另存为 .xlsx",
        "not a workbook (text or another format under a workbook extension); "
        "rename a CSV to .csv, or save it from Excel/WPS as .xlsx",
    )
