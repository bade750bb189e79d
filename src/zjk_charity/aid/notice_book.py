"""The printed 公示: one sheet, each county starting on a new page; or one file per county.

Layout (A4 landscape, at 100 % so that the manual page breaks hold: Excel and
LibreOffice ignore them when a sheet is shrunk to fit): the title and the column header
are repeated at the top of every page; each county's part starts on a new page with its
own lines: the county with its total (people, amount), the period, how many minors are
counted but not listed, and whom to tell of an objection (with the supervision phone
when the settings have one); then its people, numbered from 1. Page numbers in the
footer.

The 补充公示 is also written as a PDF beside each workbook (the same lines and table,
drawn by ``templates/aid-list.typ`` through ``payout_lists.write_lists``): a notice is
posted on paper, and a PDF prints the same on any machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid.notice import ADULT, Notice, NoticePage
from zjk_charity.aid.payout_lists import ListFiles, PrintedList, pdf_columns, pdf_row, write_lists
from zjk_charity.config import make_folder
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.workbook.writer import (
    Book,
    Column,
    PrintSetup,
    SheetSpec,
    Value,
    new_book,
)

# Widths in characters of the workbook's default font (Calibri 11: 7 pixels in Excel and
# WPS). 95 characters fill about two thirds of A4 landscape there, and still fit the
# page where that font is missing and a wider one stands in (LibreOffice on Linux with
# DejaVu Sans: 9-10 pixels a character). Printed at 100 %, centred: the page breaks hold.
NOTICE_COLUMNS = (
    ("序号", 5),
    ("县(区)", 10),
    ("乡镇(街道)", 16),
    ("村(社区)", 18),
    ("姓名", 10),
    ("身份证号", 22),
    ("资助金额（元）", 14),
)
# How the PDF aligns each column (payout_lists' kinds): 序号 centred, money right.
NOTICE_PDF_KINDS = ("text", "wrap", "wrap", "wrap", "wrap", "id", "money")


def notice_title(year: int, supplement: bool = False, round: int = 1) -> str:
    """The printed title; a supplement's second and later rounds say which (第2批)."""
    batch = f"（第{round}批）" if supplement and round > 1 else ""
    return f"{year}年福彩暖冬资助对象{'补充' if supplement else ''}公示名单{batch}"


def notice_file_name(year: int, county: str, supplement: bool = False, round: int = 1) -> str:
    """``公示-2025-张北县.xlsx``; a supplement ``补充公示-2025-张北县.xlsx``, and from its
    second round on ``补充公示-2025-第2批-张北县.xlsx`` (an earlier round's file is a
    posted record: never overwritten)."""
    if not supplement:
        return f"公示-{year}-{county}.xlsx"
    batch = f"第{round}批-" if round > 1 else ""
    return f"补充公示-{year}-{batch}{county}.xlsx"


SUPPLEMENT_LINE = "以下人员因原资助对象撤销，按候补顺序递补为资助对象。"


def page_lines(page: NoticePage, notice: Notice, supplement: bool = False) -> list[str]:
    """The lines above a county's list: total, (for a 补充公示, why these people),
    period, minors, objections."""
    what = "递补资助对象" if supplement else "资助对象"
    lines = [f"{page.county}：{what} {page.people} 人，资助金额 {_yuan(page.amount)} 元"]
    if supplement:
        lines.append(SUPPLEMENT_LINE)
    lines.append(notice.period_line())
    if page.minors:
        lines.append(f"其中未满 {ADULT} 周岁的受助人 {page.minors} 名，依法只计人数，不予公示。")
    lines.append(notice.contact_for(page.county).objection_line())
    return lines


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def write_notice_sheet(
    book: Book,
    pages: Sequence[NoticePage],
    notice: Notice,
    title: str,
    name: str = "公示名单",
    supplement: bool = False,
) -> None:
    """The notice as one sheet of ``book``: each page group starts a printed page."""
    spec = SheetSpec(
        name,
        [Column(header, width, text=header == "身份证号") for header, width in NOTICE_COLUMNS],
        title=title,
        print_setup=PrintSetup(fit_width=False),
        autofilter=False,
    )
    out = book.sheet(spec)
    for page in pages:
        out.page_break()
        lines = page_lines(page, notice, supplement)
        out.write_banner(lines[0], bold=True, size=12)
        for line in lines[1:]:
            out.write_banner(line)
        for row in notice_rows(page):
            out.write(row)


def notice_rows(page: NoticePage) -> list[list[Value]]:
    """A county's listed people as printed, numbered from 1: names and IDs masked."""
    return [
        [
            n,
            e.county,
            e.township,
            e.village,
            mask_name(e.name),
            mask_id(e.id_number or ""),
            e.amount,
        ]
        for n, e in enumerate(page.listed, start=1)
    ]


def notice_pdf_data(
    page: NoticePage, notice: Notice, title: str, supplement: bool = False
) -> dict[str, Any]:
    """One county's notice for ``templates/aid-list.typ``: the workbook's lines and
    table (no total row: the first line holds the county's total)."""
    specs = [(h, w, k) for (h, w), k in zip(NOTICE_COLUMNS, NOTICE_PDF_KINDS, strict=True)]
    return {
        "title": title,
        "subtitle": "",
        "columns": pdf_columns(specs),
        "row_mm": 7,
        "groups": [
            {
                "lines": page_lines(page, notice, supplement),
                "rows": [pdf_row(row) for row in notice_rows(page)],
                "total": [],
            }
        ],
        "note": "",
        "signature": "",
    }


def write_county_notice(
    target: Path,
    page: NoticePage,
    notice: Notice,
    title: str,
    created: datetime | None = None,
    supplement: bool = False,
) -> Path:
    """One county's notice as its own printable workbook, written atomically."""
    name = "补充公示名单" if supplement else "公示名单"
    with new_book(target, created=created) as book:
        write_notice_sheet(book, [page], notice, title, name, supplement)
    return target


def write_county_notices(
    pages: Sequence[NoticePage],
    notice: Notice,
    folder: Path,
    year: int,
    *,
    supplement: bool = False,
    round: int = 1,
    created: datetime | None = None,
) -> list[Path]:
    """``公示-{year}-{county}.xlsx`` in ``folder`` for every page (made if missing);
    a supplement's names are :func:`notice_file_name`'s.

    All or nothing: every file is written under a temporary name and they are renamed
    together at the end, so a file that cannot be written leaves the others as they were.
    """
    return write_county_notice_files(
        pages, notice, folder, year, supplement=supplement, round=round, created=created, pdf=False
    ).xlsx


@dataclass
class NoticeFiles:
    """What :func:`write_county_notice_files` wrote: per page its workbook and (when a
    Chinese font was found) its PDF; ``warnings`` are (Chinese, English) lines for the user."""

    files: list[ListFiles] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def xlsx(self) -> list[Path]:
        return [f.xlsx for f in self.files]

    @property
    def pdfs(self) -> list[Path]:
        return [f.pdf for f in self.files if f.pdf is not None]


def write_county_notice_files(
    pages: Sequence[NoticePage],
    notice: Notice,
    folder: Path,
    year: int,
    *,
    supplement: bool = False,
    round: int = 1,
    created: datetime | None = None,
    pdf: bool = True,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
) -> NoticeFiles:
    """As :func:`write_county_notices`, and with ``pdf`` each workbook's PDF beside it
    (``补充公示-2025-张北县.pdf``): the same lines and table, page numbers, the header
    repeated on every page. Every file, workbooks and PDFs, is renamed into place
    together at the end, or none is. Without a Chinese font the workbooks are still
    written and a warning says what to install."""
    _check_folder(folder)
    title = notice_title(year, supplement, round)
    lists = [
        PrintedList(
            _county_writer(page, notice, title, created, supplement),
            notice_pdf_data(page, notice, title, supplement),
            ListFiles(
                folder / notice_file_name(year, page.county, supplement, round),
                people=page.people,
                amount=page.amount,
            ),
        )
        for page in pages
    ]
    warnings = write_lists(lists, pdf=pdf, pdf_font=pdf_font, templates=templates)
    return NoticeFiles([item.result for item in lists], warnings)


def _county_writer(
    page: NoticePage, notice: Notice, title: str, created: datetime | None, supplement: bool
) -> Callable[[Path], None]:
    def write(temp: Path) -> None:
        write_county_notice(temp, page, notice, title, created, supplement)

    return write


def _check_folder(folder: Path) -> None:
    if folder.suffix and not folder.is_dir():
        raise UserError(
            f"--out {folder}：应为文件夹（每县一个公示文件），不是文件名",
            f"--out {folder}: give a folder (one notice file per county), not a file name",
        )
    make_folder(folder, "请用 --out 指定一个文件夹", "give a folder with --out")
