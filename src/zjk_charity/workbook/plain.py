"""A plain one-sheet workbook for a machine to read: a bank's 代发 upload file.

No fills, borders, filters, frozen panes or print setup (an importer may stumble on any
of them, and nobody prints it); the cells above the table sit where the bank's template
wants them. Text cells are strings in the text format ``@``, so an account stays its
digits in Excel and WPS (never 6.22E+18) and the importer reads it as a string; money is
a number in the format ``0.00`` (see :class:`Kind`).

Written with xlsxwriter in its default mode, which stores text in the shared-strings
table as Excel and WPS themselves do; some bank importers read only that, and not the
inline strings of the streaming mode. A 100,000-row file still takes a few seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

# text: a string in the text format; money: a number shown with two decimals (an
# importer reading xlsx takes the cell's number, and a text amount is flagged by Excel as
# "number stored as text"); number: a plain number (序号).
Kind = Literal["text", "money", "number"]
PlainValue = str | int | Decimal
FONT = {"font_name": "宋体", "font_size": 11}


@dataclass(frozen=True)
class PlainSheet:
    """Where everything goes, 0-based: ``cells`` above the table, the optional header row,
    and the rows from ``first_row`` on, column by column of ``kinds``."""

    name: str
    kinds: Sequence[Kind]
    widths: Sequence[float]
    first_row: int
    headers: Sequence[str] = ()
    header_row: int | None = None
    cells: Sequence[tuple[int, int, PlainValue]] = ()


def write_plain_book(
    path: Path,
    sheet: PlainSheet,
    rows: Iterable[Sequence[PlainValue]],
    created: datetime | None = None,
) -> None:
    """Write the workbook at ``path`` (the caller's temporary file: atomic naming is the
    caller's). ``created`` fixes the time recorded in the file, so the same rows written
    with the same time give the same bytes."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    if created is not None:
        book.set_properties({"created": created.astimezone(UTC)})
    formats = {
        "text": book.add_format({**FONT, "num_format": "@"}),
        "money": book.add_format({**FONT, "num_format": "0.00"}),
        "number": book.add_format(FONT),
    }
    ws = book.add_worksheet(sheet.name)
    for column, (kind, width) in enumerate(zip(sheet.kinds, sheet.widths, strict=True)):
        ws.set_column(column, column, width, formats[kind] if kind != "number" else None)
    for row, column, value in sheet.cells:
        _write(ws, row, column, value, formats)
    if sheet.header_row is not None:
        for column, title in enumerate(sheet.headers):
            ws.write_string(sheet.header_row, column, title, formats["text"])
    # The undecorated writers: the public ones parse A1 notation first, slow at 100,000 rows.
    write_string = getattr(ws, "_write_string", ws.write_string)
    write_number = getattr(ws, "_write_number", ws.write_number)
    text, money, number = formats["text"], formats["money"], formats["number"]
    for row, values in enumerate(rows, start=sheet.first_row):
        for column, (kind, value) in enumerate(zip(sheet.kinds, values, strict=True)):
            if kind == "text":
                if value != "":
                    write_string(row, column, str(value), text)
            elif kind == "money":
                write_number(row, column, float(value), money)
            else:
                write_number(row, column, value, number)
    book.close()


def _write(ws: Any, row: int, column: int, value: PlainValue, formats: dict[str, Any]) -> None:
    if isinstance(value, Decimal):
        ws.write_number(row, column, float(value), formats["money"])
    elif isinstance(value, int):
        ws.write_number(row, column, value, formats["number"])
    else:
        ws.write_string(row, column, value, formats["text"])
