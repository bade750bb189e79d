"""Checks that run before a workbook is parsed, so a hostile file cannot take the process down.

The spreadsheet parser (calamine) builds a dense grid from the furthest cell of a sheet:
one cell at XFD1048576 asks for 17 billion cells and aborts the process, which no
``except`` can catch. So before parsing we look at the file itself, in bounded memory:

- an OLE2 (CFB) container holding ``EncryptionInfo`` is a password-protected .xlsx;
- a zip is checked for a workbook part, for members whose uncompressed size is absurd
  (a zip bomb), and each worksheet's XML is streamed once to find its furthest row and
  column, refusing a sheet whose grid would exceed :data:`MAX_CELLS`;
- the extension is compared with the content (.xlsx that is really .xls and the reverse
  are read as what they are; plain text named .xlsx is refused).

All failures are :class:`UserError` with the file, the sheet where it applies, and
what to do. Nothing here keeps more than a few megabytes in memory.
"""

from __future__ import annotations

import re
import zipfile
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
# Any r="<digits>" (row numbers) and r="<2+ letters><digits>" (cells beyond column Z),
# wherever the attribute stands in its element: simple patterns keep the scan at
# ~0.1 s for 100,000 rows, and a usual 20-odd-column sheet has no wide cell at all.
# (A literal start keeps the regex engine on its fast path; an attribute merely ending
# in r, such as paper="9", can only over-estimate the extent, never hide a cell.)
_ROW = re.compile(rb'r="(\d{1,9})"')
_WIDE_CELL = re.compile(rb'r="([A-Z]{2,4})(\d{1,9})"')


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


def _sheet_extent(archive: zipfile.ZipFile, name: str) -> tuple[int, int, int]:
    """(furthest row, furthest column, uncached formulas) of a worksheet, streamed."""
    rows = cols = uncached = 0
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            data = tail + chunk
            found = _ROW.findall(data)
            if found:
                rows = max(rows, *map(int, found))
            for letters, r in set(_WIDE_CELL.findall(data)):
                rows = max(rows, int(r))
                cols = max(cols, _column_number(letters))
            if b"<f" in chunk:
                uncached += len(_UNCACHED.findall(chunk))
            tail = data[-256:]
    return rows, max(cols, 26), uncached


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
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
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


def _check_extent(path: Path, archive: zipfile.ZipFile, name: str) -> int:
    """Refuse a sheet too large to parse; return its count of uncached formulas."""
    try:
        rows, cols, uncached = _sheet_extent(archive, name)
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
