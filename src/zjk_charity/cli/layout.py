"""Terminal layout that never loses a character, at any width (issue 15).

rich wraps text by words and folds a run of Chinese longer than the line by dropping the
cell that does not fit (a known rich bug, also with ``overflow="fold"``): at 80 columns
"Excel 只保留 15 位有效数字" came out as "Excel 只保 / 15 / 位有效数字". So no text
reaches rich's wrapper here:

- :func:`wrap` breaks text into lines by display width (wcwidth): between Chinese
  characters (never before a closing mark such as ，。）” nor after an opening one), and
  at spaces in Latin text. A run of Latin letters or digits (a word, a number, a path) is
  never split: one longer than the whole line stands alone and the terminal folds it, so
  a path (Chinese folder names included) stays whole, and so does a file name
  (张北县.xlsx) as far as it fits in a line.
- :class:`Screen`, the console every command prints through, wraps every text it is given
  that way and hands rich finished lines with ``soft_wrap=True``, so rich never folds or
  crops. Control characters in the text (an escape sequence typed into a cell) are shown
  as ``\\x1b`` rather than sent to the terminal.
- A rich table is printed as a table only when it fits the width at its natural size
  (then rich wraps nothing); otherwise each row becomes a record: its first cell, then
  "表头：值" pairs, wrapped like text. The title is printed as text above it either way.
- :func:`print_findings` is the one findings layout of every command: per file a heading,
  then per finding its place, level and code and the message, in aligned columns when
  the message keeps at least :data:`MESSAGE_MIN` cells, else the message on its own
  indented lines.

This module imports rich and wcwidth; ``cli.common`` imports it only when a command
prints, so ``--help`` stays instant.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, JustifyMethod, OverflowMethod
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Span, Text
from wcwidth import wcwidth

if TYPE_CHECKING:
    from zjk_charity.findings import Finding

# A line never starts with these (closing marks) ...
NO_START = frozenset("，。、；：？！）】」』》〉”’…·%‰,.;:?!)]}'\"")
# ... and never ends with these (opening marks); ASCII quotes open and close, so both.
NO_END = frozenset("（【「『《〈“‘([{·'\"")
# Findings keep aligned columns while the message column has at least this many cells.
MESSAGE_MIN = 36
INDENT = "  "
# The width of a console writing to a file or pipe without COLUMNS (see screen()).
UNBOUNDED = 1_000_000
# A path (it holds / or \): kept whole so it can be copied, Chinese folder names and
# brackets included, up to a space or a Chinese punctuation mark (，。；： “” 「」 …).
_STOPS = "\\s，。、；：？！“”‘’「」『』《》【】…"
_PATH = re.compile(rf"[!-~]*[/\\\\][^{_STOPS}]*")
# A file name (张北县.xlsx): kept whole too, as far as it fits in a line.
_FILE_NAME = re.compile(rf"[^{_STOPS}/\\\\]{{1,40}}\.[A-Za-z]\w{{0,4}}\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def char_width(ch: str) -> int:
    """Cells one character takes: 2 for Chinese, 0 for a combining or control character."""
    width = wcwidth(ch)
    return width if width > 0 else 0


def cells(text: str) -> int:
    """Cells ``text`` takes in a terminal."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(char_width(ch) for ch in text)


def _kept_whole(text: str, width: int) -> bytearray:
    """1 where a break before that position would split a path or a file name.

    A file name has no visible start in Chinese text (同一身份证号已在康保县.xlsx), so
    only as much of it as fits in a line, counted back from its extension, is kept whole.
    """
    mask = bytearray(len(text) + 1)
    spans: list[tuple[int, int]] = []
    if "." in text:
        for match in _FILE_NAME.finditer(text):
            first, end = match.span()
            start = first
            while start < end and (
                cells(text[start:end]) > width
                or (start > first and not _can_break_before(text[start - 1], text[start]))
            ):
                start += 1  # to a part that fits, and begins where a line may begin
            spans.append((start, end))
    if "/" in text or "\\" in text:
        spans += [m.span() for m in _PATH.finditer(text)]
    for start, end in spans:
        mask[start + 1 : end] = b"\x01" * max(end - start - 1, 0)
    return mask


def _can_break_before(prev: str, ch: str, prev_width: int = -1, width: int = -1) -> bool:
    if ch == " ":
        return False  # spaces hang at the end of a line
    if prev == " ":
        return True
    if ch in NO_START or prev in NO_END:
        return False
    width = char_width(ch) if width < 0 else width
    prev_width = char_width(prev) if prev_width < 0 else prev_width
    return width == 2 or (prev_width == 2 and width > 0)


def line_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Where each line of ``text`` starts and ends when wrapped to ``width`` cells.

    Every character lands in exactly one line, in order; only the spaces at a break and
    the newlines are left between the spans. A line is at most ``width`` cells, except a
    run of Latin letters or digits, or a path, longer than the line: it stays whole (see
    the module docstring).
    """
    width = max(width, 2)  # a Chinese character needs two cells
    n = len(text)
    if "\n" not in text and cells(text) <= width:
        return [(0, n)]
    widths = [char_width(ch) for ch in text]
    whole = _kept_whole(text, width)
    spans: list[tuple[int, int]] = []
    start = used = 0
    cut = -1  # the last place in this line where a break is allowed
    i = 0
    while i < n:
        ch, w = text[i], widths[i]
        if ch == "\n":
            spans.append((start, i))
            start, used, cut, i = i + 1, 0, -1, i + 1
            continue
        if i > start and not whole[i] and _can_break_before(text[i - 1], ch, widths[i - 1], w):
            cut = i
        if used + w > width and i > start and ch != " ":
            if cut > start:
                end = cut
            elif used <= width and not whole[i] and (w == 2 or widths[i - 1] == 2):
                end = i  # Chinese with no allowed break in a whole line: break anyway
            else:
                used += w  # a word or path longer than the line: kept whole
                i += 1
                continue
            spans.append((start, end))
            start, cut = end, -1
            used = sum(widths[start:i])
            continue  # look at text[i] again, on the new line
        used += w
        i += 1
    spans.append((start, n))
    return spans


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells, no character lost (spaces at breaks
    and trailing spaces dropped)."""
    return [text[s:e].rstrip(" ") for s, e in line_spans(text, width)]


def visible(text: str) -> str:
    """Control characters (an escape sequence typed into a cell) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown_text(text: str | Text) -> Text:
    """Text as it is printed: tabs as spaces, control characters visible as ``\\xNN``
    (styled text keeps its styles)."""
    result = Text(visible(text)) if isinstance(text, str) else text.copy()
    if "\t" in result.plain:
        result.expand_tabs(4)
    plain = result.plain
    if _CONTROL.search(plain):
        parts, last = [], 0
        for match in _CONTROL.finditer(plain):
            parts += [result[last : match.start()], Text(visible(match.group()))]
            last = match.end()
        result = Text("").join([*parts, result[last:]])
    return result


def wrap_text(text: str | Text, width: int) -> list[Text]:
    """Styled text wrapped like :func:`wrap`; a leading indent is kept on every line."""
    text = shown_text(text)
    plain = text.plain
    lead = len(plain) - len(plain.lstrip(" "))
    if lead and lead < width // 2:
        body = text[lead:]
        return [Text(" " * lead) + line for line in wrap_text(body, width - lead)]
    lines = []
    for s, e in line_spans(plain, width):
        line = text[s:e]
        line.rstrip()
        lines.append(line)
    return lines


class Screen(Console):
    """The console of every command: text is wrapped by :func:`wrap_text`, tables by
    :meth:`print_table`; nothing is left to rich's own folding (module docstring)."""

    @property
    def bounded(self) -> bool:
        """False for a file or pipe (see :func:`screen`): lines are not wrapped."""
        return self.width < UNBOUNDED

    def print(
        self,
        *objects: Any,
        sep: str = " ",
        end: str = "\n",
        style: str | Style | None = None,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        no_wrap: bool | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        width: int | None = None,
        height: int | None = None,
        crop: bool = True,
        soft_wrap: bool | None = None,
        new_line_start: bool = False,
    ) -> None:
        if len(objects) == 1 and isinstance(objects[0], Table):
            self.print_table(objects[0])
            return
        if not objects or not all(isinstance(o, str | Text) for o in objects):
            super().print(
                *objects,
                sep=sep,
                end=end,
                style=style,
                justify=justify,
                overflow=overflow,
                no_wrap=no_wrap,
                emoji=emoji,
                markup=markup,
                highlight=highlight,
                width=width,
                height=height,
                crop=crop,
                soft_wrap=soft_wrap,
                new_line_start=new_line_start,
            )
            return
        text = Text(sep).join(Text(visible(o)) if isinstance(o, str) else o for o in objects)
        if soft_wrap or not self.bounded:  # a path to copy, or a file: never wrapped here
            lines = [shown_text(text)]
        else:
            lines = wrap_text(text, width or self.width)
        super().print(Text("\n").join(lines), end=end, style=style, soft_wrap=True)

    def print_lines(self, lines: Lines) -> None:
        """Lines laid out already (each fits the width): printed as they are."""
        super().print(lines.text(), soft_wrap=True)

    def print_table(self, table: Table) -> None:
        """The table when it fits the width at its natural size, else its rows as records."""
        if table.title is not None:
            title = table.title
            self.print(title if isinstance(title, str | Text) else str(title), style="bold")
            table.title = None
        for column in table.columns:  # data from files: control characters made visible
            column._cells = [shown_text(_as_text(c)) for c in column._cells]
        natural = self.options.update_width(UNBOUNDED)  # measured unconstrained
        if Measurement.get(self, natural, table).maximum <= self.width:
            super().print(table, crop=False)
            return
        headers = [_plain(c.header) for c in table.columns]
        rows = zip(*(list(c.cells) for c in table.columns), strict=True)
        for row, meta in zip(rows, table.rows, strict=True):
            self.print_record(headers, [_as_text(c) for c in row], meta.style)

    def print_record(
        self, headers: Sequence[str], row: Sequence[Text], style: str | Style | None = None
    ) -> None:
        """One row: its first cell, then "表头：值" pairs, as many on a line as fit; a pair
        that does not fit on a line of its own is wrapped like text."""
        units = [shown_text(row[0])] if row else []
        if units and not style:
            units[0].stylize("bold")  # the row's name stands out from its pairs
        for header, value in zip(headers[1:], row[1:], strict=True):
            mark = ": " if header.isascii() else "："
            units.append(shown_text(Text(header + mark) + value))
        lines: list[Text] = []
        line: Text | None = None
        for unit in units:
            if line is not None and cells(line.plain) + 2 + cells(unit.plain) <= self.width:
                line += Text("  ") + unit
                continue
            if line is not None:
                lines.append(line)
            indent = INDENT if line is not None else ""
            wrapped = wrap_text(Text(indent) + unit, self.width)
            lines.extend(wrapped[:-1])
            line = wrapped[-1]
        if line is not None:
            lines.append(line)
        super().print(Text("\n").join(lines), style=style or "", soft_wrap=True)


def _plain(renderable: Any) -> str:
    return renderable.plain if isinstance(renderable, Text) else str(renderable)


def _as_text(renderable: Any) -> Text:
    return renderable if isinstance(renderable, Text) else Text(str(renderable))


MIN_COLUMNS = 20  # below this a COLUMNS setting is taken as a mistake


def screen(stderr: bool = False) -> Screen:
    """The console of a command, on stdout or stderr.

    It prints text as it is: a cell, file or sheet name holding ``[/]``, ``[red]`` or
    ``:smile:`` is data, never rich markup or an emoji code. Its width is the terminal's
    (or ``COLUMNS``); when the output is a file or a pipe and ``COLUMNS`` is not set, the
    width is :data:`UNBOUNDED`: each message stays on one line (for grep, and for the
    viewer's own wrapping) and tables keep their natural width.
    """
    options: dict[str, Any] = {"highlight": False, "markup": False, "emoji": False}
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) < MIN_COLUMNS:
        # COLUMNS=0 (or 5) would leave no room for a single character: rich then prints
        # nothing at all, errors included. The narrowest terminal laid out for is used.
        options["width"] = MIN_COLUMNS
    out = Screen(stderr=stderr, **options)
    if not out.is_terminal and not columns.isdigit():
        out = Screen(stderr=stderr, width=UNBOUNDED, **options)
    return out


class Lines:
    """Lines laid out already, gathered as one plain string with style spans: printing
    thousands of findings (``--all``) as one Text is many times faster than line by line."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.size = 0

    def add(self, line: str | Text, styles: Sequence[tuple[int, int, str]] = ()) -> None:
        """One line; ``styles``: (start, end, style) within it."""
        if isinstance(line, Text):
            plain = line.plain
            if line.style:
                self.spans.append(Span(self.size, self.size + len(plain), line.style))
            self.spans += [s.move(self.size) for s in line.spans]
        else:
            plain = line
        self.spans += [Span(self.size + a, self.size + b, style) for a, b, style in styles]
        self.parts += (plain, "\n")
        self.size += len(plain) + 1

    def text(self) -> Text:
        return Text("".join(self.parts[:-1]), spans=self.spans)


# ---- findings ------------------------------------------------------------------------------
def level_text(finding: Finding, lang: str) -> Text:
    from zjk_charity.findings import Severity

    error = finding.severity is Severity.ERROR
    word = ("错误" if error else "警告") if lang == "zh" else finding.severity.value
    return Text(word, style="red" if error else "yellow")


def print_findings(out: Screen, findings: Sequence[Finding], lang: str, limit: int | None) -> int:
    """Every finding (or the first ``limit``), per file; returns how many were not shown.

    Per file a heading with its count; then, when the width leaves the message
    :data:`MESSAGE_MIN` cells, aligned columns (工作表 行 列 级别 代码 说明) with the
    message wrapped in its column; otherwise one line "工作表 第N行 列 级别 代码" per finding
    and the message on its own indented lines.
    """
    shown = list(findings if limit is None else findings[:limit])
    per_file = Counter(f.file for f in findings)
    width = out.width
    for file in dict.fromkeys(f.file for f in shown):
        group = [f for f in shown if f.file == file]
        name = Path(file).name
        total = per_file[file]
        if lang == "zh":
            more = f"，以下是前 {len(group)} 个" if len(group) < total else ""
            heading = f"{name}：问题清单（{total} 个{more}）"
        else:
            more = f", the first {len(group)} below" if len(group) < total else ""
            heading = f"{name}: findings ({total}{more})"
        out.print(heading, style="bold")
        grid = _grid(group, lang)
        widths = [max(cells(row[i][0]) for row in grid) for i in range(5)]
        left = len(INDENT) + sum(widths) + 2 * len(widths)
        if width - left >= MESSAGE_MIN or not out.bounded:
            out.print_lines(_columns(group, grid, widths, lang, width, out.bounded))
        else:
            out.print_lines(_records(group, grid[1:], lang, width))
    return len(findings) - len(shown)


Cell = tuple[str, str]  # text and style ("" for none)


def _grid(findings: Sequence[Finding], lang: str) -> list[list[Cell]]:
    """The header and, per finding, 工作表 行 列 级别 代码 as (text, style)."""
    zh = lang == "zh"
    header = (
        ("工作表", "行", "列", "级别", "代码")
        if zh
        else ("sheet", "row", "column", "level", "code")
    )
    rows = [[(h, "bold") for h in header]]
    for f in findings:
        level = level_text(f, lang)
        rows.append(
            [
                (visible(f.sheet), ""),
                (str(f.row or ""), ""),
                (visible(f.column or ""), ""),
                (level.plain, str(level.style)),
                (f.code, ""),
            ]
        )
    return rows


def _columns(
    findings: Sequence[Finding],
    grid: list[list[Cell]],
    widths: list[int],
    lang: str,
    width: int,
    bounded: bool,
) -> Lines:
    left = len(INDENT) + sum(widths) + 2 * len(widths)
    message_width = width - left if bounded else UNBOUNDED
    messages = [visible(f.message(lang)) for f in findings]
    rule = min(width, left + max(4, *(cells(m) for m in messages))) - len(INDENT)
    lines = Lines()
    for row, message in zip(grid, [None, *messages], strict=True):
        prefix, styles = INDENT, []
        for (cell, style), cell_width in zip(row, widths, strict=True):
            if style:
                styles.append((len(prefix), len(prefix) + len(cell), style))
            prefix += cell + " " * (cell_width - cells(cell) + 2)
        if message is None:
            title = "说明" if lang == "zh" else "message"
            lines.add(prefix + title, [*styles, (len(prefix), len(prefix) + len(title), "bold")])
            lines.add(INDENT + "─" * rule, [(0, len(INDENT) + rule, "dim")])
            continue
        parts = wrap(message, message_width)
        lines.add(prefix + parts[0], styles)
        for part in parts[1:]:
            lines.add(" " * left + part)
    return lines


def _records(findings: Sequence[Finding], grid: list[list[Cell]], lang: str, width: int) -> Lines:
    lines = Lines()
    for row, f in zip(grid, findings, strict=True):
        (sheet, _), (number, _), (column, _), (level, style), (code, _) = row
        place = sheet
        if number:
            place += f" 第 {number} 行" if lang == "zh" else f" row {number}"
        if column:
            place += " " + column
        before = INDENT + place + "  "
        plain = f"{before}{level} {code}"
        if cells(plain) <= width:
            lines.add(plain, [(len(before), len(before) + len(level), style)])
        else:
            head = Text(before) + Text(level, style=style) + Text(" " + code)
            for line in wrap_text(head, width):
                lines.add(line)
        for part in wrap(visible(f.message(lang)), width - 2 * len(INDENT)):
            lines.add(INDENT * 2 + part)
    return lines


def code_summary(findings: Sequence[Finding], lang: str) -> Table:
    """问题代码: how many findings of each code, errors first, then by code."""
    from zjk_charity.findings import Severity

    zh = lang == "zh"
    table = Table(title="问题代码" if zh else "By code")
    table.add_column("代码" if zh else "code")
    table.add_column("级别" if zh else "level")
    table.add_column("个数" if zh else "count", justify="right")
    counts = Counter(f.code for f in findings)
    first = {f.code: f for f in reversed(findings)}
    order = sorted(counts, key=lambda c: (first[c].severity is not Severity.ERROR, c))
    for code in order:
        table.add_row(code, level_text(first[code], lang), str(counts[code]))
    return table


def print_more(
    out: Screen, hidden: int, lang: str, noun: tuple[str, str], where: tuple[str, str]
) -> None:
    """ "另有 N 个…未显示" with where to see them all: ``--all``, and ``where`` (zh, en)."""
    if hidden <= 0:
        return
    if lang == "zh":
        out.print(f"另有 {hidden} {noun[0]}未显示：加 --all 全部列出；{where[0]}", style="yellow")
    else:
        out.print(
            f"{hidden} more {noun[1]} not shown: add --all to list them all; {where[1]}",
            style="yellow",
        )
