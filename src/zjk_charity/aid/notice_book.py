"""The printed 公示: one sheet, each county starting on a new page; or one file per county.

Layout (A4 landscape, at 100 % so that the manual page breaks hold: Excel and
LibreOffice ignore them when a sheet is shrunk to fit): the title and the column header
are repeated at the top of every page; each county's part starts on a new page with its
own lines: the county with its total (people, amount), the period, how many minors are
counted but not listed, and whom to tell of an objection (with the supervision phone
when the settings have one); then its people, numbered from 1. Page numbers in the
footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from zjk_charity.aid.notice import ADULT, Notice, NoticePage
from zjk_charity.config import make_folder
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.workbook.writer import (
    Book,
    Column,
    PrintSetup,
    SheetSpec,
    atomic_path,
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
        for n, e in enumerate(page.listed, start=1):
            out.write(
                [
                    n,
                    e.county,
                    e.township,
                    e.village,
                    mask_name(e.name),
                    mask_id(e.id_number or ""),
                    e.amount,
                ]
            )


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
    if folder.suffix and not folder.is_dir():
        raise UserError(
            f"--out {folder}：应为文件夹（每县一个公示文件），不是文件名",
            f"--out {folder}: give a folder (one notice file per county), not a file name",
        )
    make_folder(folder, "请用 --out 指定一个文件夹", "give a folder with --out")
    title = notice_title(year, supplement, round)
    targets = [folder / notice_file_name(year, page.county, supplement, round) for page in pages]
    with ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(target)) for target in targets]
        for page, temp in zip(pages, temps, strict=True):
            write_county_notice(temp, page, notice, title, created, supplement)
    return targets
