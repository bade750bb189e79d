"""The printed lists of a payout (payout.md): the cash 领取表 and the counties' 失败名单.

Both are A4 landscape workbooks printed as they are, with a PDF of the same list beside
them (``templates/aid-list.typ``): the title and the column header are repeated at the
top of every page, the footer numbers the pages, cells have borders, and every column is
wide enough for its widest character; longer text wraps and its row is made tall enough
for the lines it takes (``workbook/widths.py``), so nothing is cut when printed.

- **领取表** (:func:`write_cash_sheet`): one cash batch (``C2025-001``, named in the title
  row so the signed sheet finds its batch again: :func:`read_cash_sheet`). 序号 is the
  instruction's line in the batch; rows are tall enough to sign and thumb-print in; a
  total (people, amount) and the issuing office's signature line close it. A clerk may
  delete the rows of people who did not come: the read-back lists the rows left.
- **失败名单** (:func:`write_failure_list`): the people whose bank payment failed, for the
  counties to act on; each county starts a new page with its own count and amount, and
  an empty 处理意见 column (更正账号 / 现金发放 / …) for the county to fill in.

IDs are shown as their first 6 and last 4 digits, accounts as first 4 and last 4: these
sheets travel between offices and are signed in public. The writers take plain records
(no ledger, no SQL); the commands of ``aid/payout/`` build them. :func:`write_lists`
(workbooks and their PDFs, all or none) also prints the 补充公示 (``aid/notice_book.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from zjk_charity.config import Signers
from zjk_charity.counties import find_county
from zjk_charity.dates import chinese_date
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_id
from zjk_charity.workbook.reader import ColumnSpec, cell_text, read_table
from zjk_charity.workbook.widths import lines_needed
from zjk_charity.workbook.writer import (
    Book,
    Column,
    PrintSetup,
    SheetSpec,
    SheetWriter,
    Value,
    atomic_path,
    safe_sheet_name,
)

TEMPLATE = "aid-list.typ"
MARGINS = (0.4, 0.4, 0.55, 0.6)  # inches: left, right, top, bottom (the footer below)
LINE_POINTS = 16  # a printed line of 宋体 11 (widths.py: LibreOffice's stand-in needs 16)
SIGN_POINTS = 40  # a 领取表 row: room to sign and to press a thumb (about 14 mm)


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class CashLine:
    """One person on a 领取表: ``line`` is their 序号 in the cash batch."""

    line: int
    county: str
    township: str
    village: str
    name: str
    id_number: str  # in full; printed as first 6 and last 4
    amount: Decimal


@dataclass(frozen=True)
class FailedPayment:
    """One person whose bank payment failed, as the county's list shows them."""

    county: str
    township: str
    village: str
    name: str
    id_number: str  # in full; printed masked
    bank: str
    account: str  # in full; printed as first 4 and last 4
    amount: Decimal
    batch: str
    reason: str


@dataclass
class ListFiles:
    """What a writer wrote: the workbook always, the PDF when a Chinese font was found.

    ``warnings`` are (Chinese, English) lines for the user: no PDF and why, or characters
    the font lacks (printed as □ in the PDF, whole in the workbook).
    """

    xlsx: Path
    pdf: Path | None = None
    people: int = 0
    amount: Decimal = Decimal(0)
    warnings: list[tuple[str, str]] = field(default_factory=list)


class CashSheetLine(NamedTuple):
    """A row of a signed 领取表 as read back: its 序号, 姓名 and masked 身份证号."""

    line: int
    name: str
    masked_id: str


class CashSheetRead(NamedTuple):
    """A 领取表 read back: its batch code and the rows left on it."""

    code: str
    lines: list[CashSheetLine]


# ------------------------------------------------------------------ layout

# (header, width in Excel's units, kind). Kinds: text (one line), wrap (may wrap), id and
# account (masked, text), money, sign (empty, for the pen). Widths fit A4 landscape at
# 100 % in Excel and WPS (宋体 11: a Chinese character is 2.16 units, a digit 1.15).
Spec = tuple[str, float, str]

CASH_COLUMNS: tuple[Spec, ...] = (
    ("序号", 6, "text"),
    ("县(区)", 9.5, "wrap"),
    ("乡镇(街道)", 12, "wrap"),
    ("村(社区)", 12, "wrap"),
    ("姓名", 9.5, "wrap"),
    ("身份证号", 22, "id"),
    ("金额（元）", 11, "money"),
    ("领取人签字", 14, "sign"),
    ("手印", 9, "sign"),
    ("领取日期", 11, "sign"),
    ("经办人", 10, "sign"),
)

FAILURE_COLUMNS: tuple[Spec, ...] = (
    ("序号", 5.5, "text"),
    ("县(区)", 8, "wrap"),
    ("乡镇(街道)", 10, "wrap"),
    ("村(社区)", 10, "wrap"),
    ("姓名", 8, "wrap"),
    ("身份证号", 22, "id"),
    ("开户银行", 12, "wrap"),
    ("账号", 23, "account"),
    ("金额（元）", 11, "money"),
    ("批次", 11.5, "text"),
    ("失败原因", 12, "wrap"),
    ("处理意见", 18, "sign"),
)

# What the read-back looks for (a clerk's retyped header still matches: the same header
# search and aliases as the application workbooks).
CASH_READ_COLUMNS = (
    ColumnSpec("序号", required=True),
    ColumnSpec("姓名", required=True, aliases=("领取人", "领取人姓名")),
    ColumnSpec("身份证号", required=True, aliases=("身份证号码", "公民身份号码")),
    ColumnSpec("金额（元）", aliases=("金额", "金额(元)", "发放金额")),
)
# A cash batch's code (C2025-001; 微心愿's WC2025-001), wherever it stands in the title.
MASKED_ID = re.compile(r"\d{6}\*+\d{3}[\dXx]")
CASH_CODE = re.compile(r"(?<![A-Za-z0-9])(W?C\d{4}-\d{3,})(?!\d)")


def cash_title(year: int, code: str) -> str:
    """The 领取表's title, holding the batch code: ``2025年福彩暖冬资助金现金领取表（C2025-001）``."""
    return f"{year}年福彩暖冬资助金现金领取表（{code}）"


def failure_title(year: int, day: date) -> str:
    return f"{year}年福彩暖冬资助金代发失败名单（{chinese_date(day)}）"


def yuan_text(amount: Decimal) -> str:
    """Money as the printed lists show it: 1,000.00."""
    return f"{amount.quantize(Decimal('0.01')):,.2f}"


def _columns(specs: Sequence[Spec]) -> list[Column]:
    return [
        Column(
            header,
            width,
            text=kind in ("id", "account", "text"),
            num_format="#,##0.00" if kind == "money" else None,
            wrap=kind in ("wrap", "account"),
        )
        for header, width, kind in specs
    ]


def _height(cells: Sequence[str], specs: Sequence[Spec], least: float, bold: bool = False) -> float:
    """Points for a row whose cells wrap as :func:`widths.lines_needed` says, at least ``least``."""
    lines = max(
        (
            lines_needed(text, width, bold=bold)
            for text, (_, width, kind) in zip(cells, specs, strict=True)
            if text and kind != "sign"
        ),
        default=1,
    )
    return max(least, lines * LINE_POINTS + 4)


def _spec(name: str, specs: Sequence[Spec], title: str, subtitle: str) -> SheetSpec:
    headers = [h for h, _, _ in specs]
    return SheetSpec(
        name,
        _columns(specs),
        title=title,
        subtitle=subtitle,
        # Fit to the page width: Excel prints at 100 % (the columns fit A4 there), and
        # LibreOffice, whose stand-in for Calibri is wider, shrinks instead of cutting a column.
        print_setup=PrintSetup(fit_width=True, margins=MARGINS),
        freeze=True,
        autofilter=False,
        row_heights={2: _height(headers, specs, 20, bold=True)},
    )


def _row(out: SheetWriter, values: list[Value], specs: Sequence[Spec], least: float) -> None:
    shown = ["" if v is None or isinstance(v, Decimal) else str(v) for v in values]
    out.write(values, style="grid", height=_height(shown, specs, least))


def _total(out: SheetWriter, specs: Sequence[Spec], people: int, amount: Decimal) -> None:
    """The 合计 row: blank 序号 (a reader skips it as a total), people and amount."""
    values: list[Value] = [""] * len(specs)
    values[1] = "合计"
    values[4] = f"{people} 人"
    values[[k for _, _, k in specs].index("money")] = amount
    out.write(values, style="grid_bold", height=LINE_POINTS + 6)


# ------------------------------------------------------------------ 领取表


def _cash_values(p: CashLine) -> list[Value]:
    return [
        str(p.line),
        p.county,
        p.township,
        p.village,
        p.name,
        mask_id(p.id_number),
        p.amount,
        "",
        "",
        "",
        "",
    ]


CASH_NOTE = "领取人本人签字并按手印；代领的，由代领人签字并注明与领取人的关系，附双方身份证复印件。"


def signature_line(signers: Signers | None, office: str = "") -> str:
    """The issuing office's line under a 领取表: names from ``[signers]`` when set, else
    room to write them by hand."""
    s = signers or Signers()
    blank = "\u3000" * 6
    return (
        f"发放单位（盖章）：{office or blank * 2}\u3000\u3000"
        f"经办人：{s.handler or blank}\u3000\u3000"
        f"审核人：{s.reviewer or blank}\u3000\u3000"
        "日期：\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"
    )


def write_cash_sheet(
    target: Path,
    *,
    code: str,
    year: int,
    lines: Sequence[CashLine],
    signers: Signers | None = None,
    office: str = "",
    day: date | None = None,
    pdf: bool = True,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
    created: datetime | None = None,
) -> ListFiles:
    """Write the 领取表 of cash batch ``code`` to ``target`` (.xlsx) and, with ``pdf``, the
    same sheet to ``target`` with suffix .pdf; both appear together or neither does.

    The title row holds the batch code (:func:`read_cash_sheet` finds it there). Without
    a Chinese font the workbook is still written and a warning says what to install.
    ``day`` is printed as the date the sheet was made (default: today).
    """
    made = day or date.today()
    amount = sum((p.amount for p in lines), Decimal(0))
    title = cash_title(year, code)
    subtitle = (
        f"批次 {code}\u3000共 {len(lines)} 人，金额合计 {yuan_text(amount)} 元"
        f"\u3000制表日期：{chinese_date(made)}"
    )
    sign = signature_line(signers, office)

    def workbook(path: Path) -> None:
        with _book(path, created) as book:
            out = book.sheet(_spec("领取表", CASH_COLUMNS, title, subtitle))
            for p in lines:
                _row(out, _cash_values(p), CASH_COLUMNS, SIGN_POINTS)
            _total(out, CASH_COLUMNS, len(lines), amount)
            out.write([])
            out.write_banner(CASH_NOTE)
            out.write_banner(sign, size=12)

    data = {
        "title": title,
        "subtitle": subtitle,
        "columns": pdf_columns(CASH_COLUMNS),
        "row_mm": 14,
        "groups": [
            {
                "lines": [],
                "rows": [pdf_row(_cash_values(p)) for p in lines],
                "total": _pdf_total(CASH_COLUMNS, len(lines), amount),
            }
        ],
        "note": CASH_NOTE,
        "signature": sign,
    }
    result = ListFiles(target, people=len(lines), amount=amount)
    _write_both(workbook, data, pdf, pdf_font, templates, result)
    return result


def read_cash_sheet(path: Path) -> CashSheetRead:
    """A 领取表 as a clerk brings it back: its batch code (from the title) and each row
    left on it as (序号, 姓名, masked 身份证号). Rows deleted (people who did not come)
    are simply absent; blank rows, the 合计 row and the signature line are skipped.

    A file that names no batch code, or two, or has no 序号/姓名/身份证号 header, is a
    :class:`UserError`; so is a 序号 that is not a whole number or appears twice.
    """
    table = read_table(path, CASH_READ_COLUMNS, key_column="序号")
    codes: set[str] = set()
    found: list[CashSheetLine] = []
    seen: set[int] = set()
    for sheet in table.sheets:
        for line in sheet.preamble:
            for value in line:
                codes.update(CASH_CODE.findall(cell_text(value)))
        if sheet.missing:
            continue
        for row in sheet.rows:
            number = cell_text(sheet.get(row, "序号")).strip()
            name = cell_text(sheet.get(row, "姓名")).strip()
            masked = cell_text(sheet.get(row, "身份证号")).strip()
            if not number.isdigit() and not MASKED_ID.fullmatch(masked):
                # The notes and the signature line under the table (merged across the
                # row, so their text fills every column as it is read).
                continue
            if not number.isdigit():
                raise _bad_row(path, sheet.name, row.number, number)
            if int(number) in seen:
                raise _twice(path, sheet.name, row.number, number)
            seen.add(int(number))
            found.append(CashSheetLine(int(number), name, masked))
    if len(codes) != 1:
        raise _no_code(path, sorted(codes))
    return CashSheetRead(codes.pop(), found)


def _bad_row(path: Path, sheet: str, row: int, number: str) -> UserError:
    return UserError(
        f"{path.name}：工作表「{sheet}」第 {row} 行的序号“{number}”不是整数；请按打印时的序号填写",
        f"{path.name}: sheet '{sheet}' row {row}: 序号 '{number}' is not a whole number",
    )


def _twice(path: Path, sheet: str, row: int, number: str) -> UserError:
    return UserError(
        f"{path.name}：工作表「{sheet}」第 {row} 行的序号 {number} 重复出现；请核对领取表",
        f"{path.name}: sheet '{sheet}' row {row}: 序号 {number} appears twice",
    )


def _no_code(path: Path, codes: list[str]) -> UserError:
    if not codes:
        return UserError(
            f"{path.name}：标题中找不到领取表批次编号（如 C2025-001）；请用 aid cash sheet 打印的文件",
            f"{path.name}: no batch code (such as C2025-001) in the title; "
            "use the file aid cash sheet wrote",
        )
    return UserError(
        f"{path.name}：标题中有多个批次编号（{'、'.join(codes)}）；一个文件只能是一张领取表",
        f"{path.name}: several batch codes in the title ({', '.join(codes)}); one sheet per file",
    )


# ------------------------------------------------------------------ 失败名单


def printed_account(account: str) -> str:
    """An account as the 失败名单 prints it: first 4 and last 4 digits (6222*****0128).

    Wider than the terminal's ``mask_account`` (last 4 only) on purpose: the county checks
    each failed account against the person's card or passbook, and the first digits say
    which bank's card it is. Short numbers (8 digits or fewer) are starred out whole."""
    if len(account) <= 8:
        return "*" * len(account)
    return f"{account[:4]}{'*' * (len(account) - 8)}{account[-4:]}"


def _failure_values(n: int, p: FailedPayment) -> list[Value]:
    return [
        str(n),
        p.county,
        p.township,
        p.village,
        p.name,
        mask_id(p.id_number),
        p.bank,
        printed_account(p.account),
        p.amount,
        p.batch,
        p.reason,
        "",
    ]


def _county_order(county: str) -> tuple[str, str]:
    found = find_county(county)
    return (found.code if found else "~", county)


def by_county(people: Sequence[FailedPayment]) -> list[tuple[str, list[FailedPayment]]]:
    """The failures grouped by county, in the city's county order (code), unknown last;
    within a county as given."""
    groups: dict[str, list[FailedPayment]] = {}
    for p in people:
        groups.setdefault(p.county, []).append(p)
    return [(c, groups[c]) for c in sorted(groups, key=_county_order)]


def county_line(county: str, people: Sequence[FailedPayment]) -> str:
    amount = sum((p.amount for p in people), Decimal(0))
    return f"{county or '县区不明'}：代发失败 {len(people)} 人，金额 {yuan_text(amount)} 元"


NO_FAILURES = "本次没有代发失败的受助人。"
FAILURE_NOTE = (
    "请核实后在“处理意见”栏填写：更正账号（写明正确的开户银行、账号、户名）、现金发放或其他，"
    "签字盖章后报回。身份证号、账号只显示前后几位，请按姓名和批次核对。"
)


def write_failure_list(
    target: Path,
    *,
    year: int,
    people: Sequence[FailedPayment],
    day: date | None = None,
    pdf: bool = True,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
    created: datetime | None = None,
) -> ListFiles:
    """Write the 代发失败名单 to ``target`` (.xlsx) and, with ``pdf``, beside it as .pdf
    (both or neither): each county from a new page, with its own count and amount, its
    people numbered from 1. ``day`` (default today) is printed in the title.
    """
    made = day or date.today()
    amount = sum((p.amount for p in people), Decimal(0))
    title = failure_title(year, made)
    subtitle = f"共 {len(people)} 人，金额合计 {yuan_text(amount)} 元"
    groups = by_county(people)

    def workbook(path: Path) -> None:
        with _book(path, created) as book:
            used: set[str] = set()
            if not groups:  # a result without failures: say so rather than print nothing
                book.sheet(_spec("失败名单", FAILURE_COLUMNS, title, NO_FAILURES))
            for county, group in groups:
                name = safe_sheet_name(county or "县区不明", used)
                total = sum((p.amount for p in group), Decimal(0))
                sub = f"{county_line(county, group)}\u3000（全市共 {len(people)} 人，{yuan_text(amount)} 元）"
                out = book.sheet(_spec(name, FAILURE_COLUMNS, title, sub))
                out.write_banner(FAILURE_NOTE)
                for n, p in enumerate(group, start=1):
                    _row(out, _failure_values(n, p), FAILURE_COLUMNS, 22)
                _total(out, FAILURE_COLUMNS, len(group), total)

    data = {
        "title": title,
        "subtitle": subtitle,
        "columns": pdf_columns(FAILURE_COLUMNS),
        "row_mm": 8,
        "groups": [
            {
                "lines": [county_line(county, group), FAILURE_NOTE],
                "rows": [pdf_row(_failure_values(n, p)) for n, p in enumerate(group, 1)],
                "total": _pdf_total(
                    FAILURE_COLUMNS, len(group), sum((p.amount for p in group), Decimal(0))
                ),
            }
            for county, group in groups
        ],
        "note": "",
        "signature": "",
    }
    result = ListFiles(target, people=len(people), amount=amount)
    _write_both(workbook, data, pdf, pdf_font, templates, result)
    return result


# ------------------------------------------------------------------ writing


@contextmanager
def _book(path: Path, created: datetime | None) -> Iterator[Book]:
    """A workbook written straight to ``path`` (already a temporary name)."""
    book = Book(path, created=created)
    yield book
    book.close()


def pdf_columns(specs: Sequence[Spec]) -> list[dict[str, Any]]:
    """The columns as the PDF template takes them: header, width, alignment by kind."""
    return [
        {
            "header": h,
            "width": w,
            "align": "right" if k == "money" else "center" if k in ("text",) else "left",
        }
        for h, w, k in specs
    ]


def pdf_row(values: Sequence[Value]) -> list[str]:
    """A row's cells as printed text (money as 1,000.00, nothing for None)."""
    return [yuan_text(v) if isinstance(v, Decimal) else "" if v is None else str(v) for v in values]


def _pdf_total(specs: Sequence[Spec], people: int, amount: Decimal) -> list[str]:
    cells = [""] * len(specs)
    cells[1] = "合计"
    cells[4] = f"{people} 人"
    cells[[k for _, _, k in specs].index("money")] = yuan_text(amount)
    return cells


@dataclass
class PrintedList:
    """One printed list to write: ``workbook`` writes it to the (temporary) path it is
    given, ``data`` is the same list for ``templates/aid-list.typ`` (title, subtitle,
    columns, row_mm, groups of lines, rows and total, note, signature), ``result`` is
    filled in (its PDF, the characters the font lacks)."""

    workbook: Callable[[Path], None]
    data: dict[str, Any]
    result: ListFiles


def write_lists(
    lists: Sequence[PrintedList],
    *,
    pdf: bool = True,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
) -> list[tuple[str, str]]:
    """Write every list's workbook (``result.xlsx``) and, with ``pdf``, its PDF beside it;
    all files are renamed into place together at the end, so a failure leaves none of
    them. The font is looked up once. Without a Chinese font the workbooks are still
    written: no PDF, and the warning returned (one for all) says what to install.

    Returns the (Chinese, English) warnings; each result's ``warnings`` gets its own too.
    """
    from zjk_charity.pdf import PdfUnavailable

    for item in lists:
        if item.result.xlsx.suffix.lower() != ".xlsx":
            raise UserError(
                f"{item.result.xlsx}：打印名单应保存为 .xlsx 文件",
                f"{item.result.xlsx}: a printed list is an .xlsx file",
            )
    warnings: list[tuple[str, str]] = []
    with ExitStack() as stack:
        for item in lists:
            item.workbook(stack.enter_context(atomic_path(item.result.xlsx)))
        if not pdf or not lists:
            return warnings
        try:
            fonts = stack.enter_context(_fonts(pdf_font))
        except PdfUnavailable as exc:
            names = [item.result.xlsx.name for item in lists]
            warning = (
                f"{exc.zh}；{'、'.join(names)} 已照常生成",
                f"{exc.en}; {', '.join(names)} written",
            )
            for item in lists:
                item.result.warnings.append(warning)
            return [warning]
        for item in lists:
            shown = item.result.xlsx.with_suffix(".pdf")
            temp = stack.enter_context(atomic_path(shown))
            _render(item.data, temp, fonts, templates, item.result, shown)
            warnings.extend(item.result.warnings)
            item.result.pdf = shown
    return warnings


def _write_both(
    workbook: Callable[[Path], None],
    data: dict[str, Any],
    pdf: bool,
    pdf_font: Path | None,
    templates: Sequence[Path] | None,
    result: ListFiles,
) -> None:
    """One list: its workbook (``result.xlsx``) and its PDF (:func:`write_lists`)."""
    write_lists(
        [PrintedList(workbook, data, result)], pdf=pdf, pdf_font=pdf_font, templates=templates
    )


def _fonts(pdf_font: Path | None) -> Any:
    from zjk_charity.pdf import pdf_fonts

    return pdf_fonts(pdf_font)


def _render(
    data: dict[str, Any],
    temp: Path,
    fonts: Any,
    templates: Sequence[Path] | None,
    result: ListFiles,
    shown: Path,
) -> None:
    from zjk_charity.pdf import PLACEHOLDER, codepoint, render_pdf
    from zjk_charity.reports.render import packaged_templates

    folders = list(templates) if templates is not None else [packaged_templates()]
    rendered = render_pdf(TEMPLATE, data, temp, fonts, folders, tags=False)
    if rendered.missing:
        chars = sorted(rendered.missing)
        zh = "、".join(f"“{c}”（{codepoint(c)}）" for c in chars)
        en = ", ".join(f"{c} ({codepoint(c)})" for c in chars)
        font = rendered.fonts[0].family
        result.warnings.append(
            (
                f"{shown.name}：字体 {font} 没有 {zh}，PDF 中印为 {PLACEHOLDER}（工作簿中完整）；"
                "请手写补上，或在 zjk-charity.toml 中用 pdf_font 指定含这些字的字体",
                f"{shown.name}: the font {font} lacks {en}, printed as {PLACEHOLDER} in the PDF "
                "(whole in the workbook); write it in by hand, or set pdf_font",
            )
        )
