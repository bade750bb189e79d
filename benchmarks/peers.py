"""The peers a result is compared with, each run as ``python -m benchmarks.peers``.

Every peer reads the whole workbook into Python objects (or writes the same cells), the
way a script using that library would; none does any checking except frictionless,
which validates against a schema equivalent to the required columns and formats.
``xlsxwriter-cells`` writes the cells of an allocation workbook (saved once by
``save_cells``) unformatted: the floor of ``aid allocate`` with its outputs.
"""

from __future__ import annotations

import importlib
import marshal
import sys
import traceback
from pathlib import Path
from typing import Any

from benchmarks.generate import HEADERS

HEADER_ROW = 3  # the generated workbooks have a title and a 填报单位 line above it


class PeerError(RuntimeError):
    """A peer that could not do its work: the benchmark stops instead of timing it."""


def calamine_read(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    rows: list[list[Any]] = []
    for name in book.sheet_names:
        rows.extend(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return rows


def openpyxl_read(path: Path) -> list[tuple[Any, ...]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def pandas_read(path: Path) -> int:
    import pandas

    frames = pandas.read_excel(
        path, sheet_name=None, header=HEADER_ROW - 1, dtype=str, engine="openpyxl"
    )
    return sum(len(frame) for frame in frames.values())


def calamine_read_xlsxwriter_write(path: Path, target: Path) -> None:
    """Read with calamine, then write the same cells, unformatted, in constant-memory mode."""
    import xlsxwriter

    rows = calamine_read(path)
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet("申请表")
    for r, line in enumerate(rows):
        for c, value in enumerate(line):
            if value != "":
                sheet.write(r, c, value)
    book.close()


def save_cells(book: Path, target: Path) -> int:
    """Every sheet's values of ``book`` (read with calamine) to ``target`` for ``write_cells``.

    marshal: loading two million values back takes a fraction of a second, which the
    writing floor then includes. Returns the number of non-empty cells.
    """
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(book))
    sheets = {
        name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in workbook.sheet_names
    }
    target.write_bytes(marshal.dumps(sheets))
    return sum(1 for rows in sheets.values() for row in rows for value in row if value != "")


def write_cells(cells: Path, target: Path) -> None:
    """The writing floor: the saved cells, unformatted, with xlsxwriter in constant memory."""
    import xlsxwriter

    sheets = marshal.loads(cells.read_bytes())
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, line in enumerate(rows):
            for c, value in enumerate(line):
                if value != "":
                    sheet.write(r, c, value)
    book.close()


def frictionless_validate(path: Path) -> int:
    """Validate against the required columns, the ID and account formats and the categories."""
    # Imported by name: an optional peer (the bench extra), with no type stubs.
    frictionless: Any = importlib.import_module("frictionless")

    required = {"县(区)", "姓名", "身份证号", "人员类别", "供养方式", "银行账号", "认证截图"}
    patterns = {"身份证号": r"^\d{17}[\dXx]$", "银行账号": r"^\d{12,30}$"}
    fields: list[dict[str, Any]] = []
    for header in HEADERS:
        constraints: dict[str, Any] = {}
        if header in required:
            constraints["required"] = True
        if header in patterns:
            constraints["pattern"] = patterns[header]
        if header == "人员类别":
            constraints["enum"] = ["农村特困人员", "农村特困", "农村特困供养人员"]
        kind = "integer" if header in ("序号", "年龄") else "string"
        fields.append({"name": header, "type": kind, "constraints": constraints})
    # frictionless refuses an absolute path as "not safe" and reports that as the one
    # error of an otherwise empty validation: the file is named relative to its folder.
    resource = frictionless.Resource(
        path.name,
        basepath=str(path.parent),
        schema=frictionless.Schema.from_descriptor({"fields": fields}),
        dialect=frictionless.Dialect(header_rows=[HEADER_ROW]),
    )
    report = resource.validate(limit_errors=10**9)
    return _checked_rows(report)


def _checked_rows(report: Any) -> int:
    """The number of rows frictionless validated; an error if it did not validate any.

    A resource, scheme or header error (anything that is not about a row) means the
    peer measured nothing but its own refusal, so the benchmark must stop, not time it.
    """
    task = report.tasks[0]
    refused = [e.message for e in task.errors if getattr(e, "row_number", None) is None]
    rows = int(task.stats.get("rows") or 0)
    if refused or rows == 0:
        raise PeerError(f"frictionless did not validate the file: {refused or 'no rows'}")
    return rows


def main(argv: list[str]) -> None:
    name, path = argv[0], Path(argv[1])
    if name == "calamine":
        calamine_read(path)
    elif name == "openpyxl":
        openpyxl_read(path)
    elif name == "pandas":
        pandas_read(path)
    elif name == "calamine+xlsxwriter":
        calamine_read_xlsxwriter_write(path, Path(argv[2]))
    elif name == "xlsxwriter-cells":
        write_cells(path, Path(argv[2]))
    elif name == "frictionless":
        print(frictionless_validate(path), "rows validated")
    else:
        raise SystemExit(f"unknown peer {name}")


if __name__ == "__main__":
    # Exit code 1 means "done, with findings" to the benchmark (the toolkit's own code);
    # a peer never has findings, so any failure of a peer is 3, which stops the run.
    try:
        main(sys.argv[1:])
    except Exception:
        traceback.print_exc()
        raise SystemExit(3) from None
