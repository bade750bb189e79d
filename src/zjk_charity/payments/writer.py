"""A payment batch written in a bank's layout (payout.md, "Bank batch files").

:func:`write_batch` writes the bank file(s) of one batch and its 批次汇总, all at once or
not at all:

- **Names.** ``P2025-001-basic.csv``; a batch over the profile's ``max_rows`` is split
  in order into numbered files ``P2025-001-basic-1of3.csv`` … (the number padded to the
  width of the count, ``-01of12``, so the files sort in order). The summary is
  ``P2025-001-批次汇总.txt``.
- **Totals.** Each file's own rows and total: in its cells (xlsx), in its lead lines
  (csv, txt), in :class:`WrittenFile`. 序号 runs on across split files (a result row's
  序号 names one instruction of the batch). There is never a 合计 row among the data.
- **Values.** Accounts are their digits and nothing else (a bank's parser reads them as
  text; no tab, apostrophe or quote tricks). In csv and txt, amounts are two-decimal
  text without separators (``1000.00``); in xlsx they are numbers shown as ``0.00`` and
  accounts are text cells (workbook/plain.py says why).
- **Encoding.** A GBK profile whose file holds a character GBK lacks (a rare 生僻字 in a
  name) is written as GB 18030 (byte for byte GBK for every GBK character) with a
  :class:`BatchNote` per such line, so the officer checks those people with the bank
  rather than have the whole file refused.
- **Refusals** (UserError, nothing written): an empty batch; an account that is not all
  digits; an amount not positive or with fractions of a cent; a line break or control
  character in any value; in csv and txt a text starting with ``= + - @`` (a spreadsheet
  would run it as a formula, and escaping it would change the 户名 the bank compares); in
  txt, a value holding the delimiter (txt has no quoting); a file of that name already
  in the folder.
- **Atomic.** Every file is written under a temporary name in the folder, then linked to
  its name, which fails rather than replace a file that appeared meanwhile; on any
  failure the files already named are removed again and the temporary ones deleted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from zjk_charity.config import make_folder
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_name
from zjk_charity.payments.model import (
    CENT,
    BatchFiles,
    BatchLine,
    BatchNote,
    WrittenFile,
    mask_account,
    yuan,
)
from zjk_charity.payments.profiles import MAX_ROW, BankColumn, BankProfile, cell_position

if TYPE_CHECKING:
    from zjk_charity.workbook.plain import Kind

SUMMARY_SUFFIX = "-批次汇总.txt"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORMULA_START = tuple("=+-@")
# Fields checked for a formula start in csv/txt: the free texts. 序号, 账号, 金额 are
# numbers we make; 身份证号, 手机号 and 县(区) have been validated to their own shapes.
_FREE_TEXT = ("户名", "开户银行", "摘要")
# Column widths of an xlsx file, by field (a person may open it to check).
_WIDTHS = {"序号": 6, "户名": 10, "账号": 24, "开户银行": 20, "金额": 12, "摘要": 22}
_WIDTHS |= {"身份证号": 21, "手机号": 14, "县(区)": 10}


@dataclass(frozen=True)
class _Part:
    """One file of the batch before it is written: its name, rows and template values."""

    path: Path
    lines: Sequence[BatchLine]
    number: int
    count: int

    @property
    def amount(self) -> Decimal:
        return sum((line.payee.amount for line in self.lines), Decimal(0)).quantize(CENT)


def write_batch(
    profile: BankProfile,
    code: str,
    lines: Sequence[BatchLine],
    folder: Path,
    *,
    payer: str = "",
    when: date | None = None,
) -> BatchFiles:
    """Write batch ``code``'s ``lines`` (in this order) into ``folder`` in ``profile``'s
    layout, with the 批次汇总 beside them; see the module docstring for names, totals,
    values, refusals and atomicity.

    ``payer`` fills ``{payer}`` (``bank.payer`` of the settings); ``when`` is the day the
    batch is written (``{date}``, the summary, the workbook's recorded time: the same
    batch written on the same day is the same bytes), default today.
    """
    when = when or date.today()
    _check_batch(profile, code, lines, payer)
    make_folder(folder, "请用 --out 换一个文件夹", "choose another folder with --out")
    parts = _split(profile, code, lines, folder)
    summary_path = folder / f"{code}{SUMMARY_SUFFIX}"
    for path in [p.path for p in parts] + [summary_path]:
        if path.exists() or path.is_symlink():
            raise UserError(
                f"{path} 已存在，未覆盖；批次编号不应重复，请检查文件夹或改用 --out 另一个文件夹",
                f"{path} exists and was not overwritten; choose another folder with --out",
            )
    notes: list[BatchNote] = []
    with _staging(folder) as stage:
        written = []
        for part in parts:
            temp = stage(part.path)
            data = _render(profile, code, part, len(parts), payer, when, temp, notes)
            written.append(WrittenFile(part.path, len(part.lines), part.amount, data))
        batch = BatchFiles(written, [summary_path], code, profile.name, notes)
        text = "\r\n".join(summary_file_lines(batch, payer, when)) + "\r\n"
        stage(summary_path).write_bytes(text.encode("utf-8-sig"))
    return batch


def batch_summary_lines(batch: BatchFiles, lang: str = "zh") -> list[str]:
    """The batch in a few lines, as the CLI prints it and the 批次汇总 file begins:
    批次 P2025-001，笔数 N，金额 X 元，银行格式 NAME; then one line per file."""
    zh = lang != "en"
    lines = [
        f"批次 {batch.code}，笔数 {batch.rows}，金额 {yuan(batch.amount)} 元，银行格式 {batch.profile}"
        if zh
        else f"batch {batch.code}: {batch.rows} payments, {yuan(batch.amount)} yuan, "
        f"bank profile {batch.profile}"
    ]
    for f in batch.files:
        lines.append(
            f"文件 {f.path.name}：{f.rows} 笔，{yuan(f.amount)} 元"
            if zh
            else f"file {f.path.name}: {f.rows} payments, {yuan(f.amount)} yuan"
        )
    return lines


def summary_file_lines(batch: BatchFiles, payer: str, when: date) -> list[str]:
    """The 批次汇总 file: a title, :func:`batch_summary_lines`, each file's SHA-256 (to
    show that the file uploaded is the file written), and the day and paying office."""
    lines = ["代发批次汇总", "", *batch_summary_lines(batch), ""]
    lines += [f"{f.path.name} SHA-256：{f.sha256}" for f in batch.files]
    lines += ["", f"生成日期：{when.isoformat()}"]
    if payer:
        lines.append(f"付款单位：{payer}")
    for note in batch.notes:
        lines.append(f"注意：{note.zh}")
    return lines


# ---------------------------------------------------------------- checks and splitting


def _check_batch(profile: BankProfile, code: str, lines: Sequence[BatchLine], payer: str) -> None:
    if not _CODE.fullmatch(code):
        raise UserError(
            f"批次编号“{code}”不能用作文件名（应如 P2025-001）",
            f"batch code '{code}' cannot be part of a file name (e.g. P2025-001)",
        )
    if not lines:
        raise UserError(
            f"批次 {code} 没有要付款的人，未写出银行文件", f"batch {code} has nobody to pay"
        )
    if profile.needs_payer and not payer:
        raise UserError(
            f"银行格式“{profile.name}”用到 {{payer}}，请在 zjk-charity.toml 的 [bank] 中填写 payer",
            f"bank profile '{profile.name}' uses {{payer}}: set payer in [bank] of zjk-charity.toml",
        )
    for line in lines:
        _check_line(profile, line, _texts(profile, line))


def _refuse_line(line: BatchLine, zh: str, en: str) -> UserError:
    who = f"第 {line.line} 笔（{line.payee.county} {mask_name(line.payee.name)}）"
    return UserError(
        f"{who}{zh}；请改正后再生成银行文件",
        f"line {line.line} ({line.payee.county} {mask_name(line.payee.name)}): {en}",
    )


def _check_line(profile: BankProfile, line: BatchLine, texts: Sequence[str]) -> None:
    """Refuse a line that would make a wrong file; ``texts``: its field columns' texts."""
    p = line.payee
    if not p.account.isascii() or not p.account.isdigit():
        raise _refuse_line(
            line,
            f"的账号 {mask_account(p.account)} 不是纯数字（银行文件中账号只能是数字）",
            f"the account {mask_account(p.account)} is not all digits",
        )
    if p.amount <= 0 or p.amount != p.amount.quantize(CENT):
        raise _refuse_line(
            line,
            f"的金额 {p.amount} 不是大于 0 的两位小数",
            f"the amount {p.amount} is not positive with at most two decimals",
        )
    if _CONTROL.search("".join(texts)):  # one search per line; which field, only then
        for column, value in zip(profile.columns, texts, strict=True):
            if _CONTROL.search(value):
                raise _refuse_line(
                    line,
                    f"的“{column.field}”含换行或控制字符",
                    f"{column.field} holds a line break or control character",
                )
    if profile.format != "xlsx":
        for column, value in zip(profile.columns, texts, strict=True):
            if column.field in _FREE_TEXT:
                _check_text_cell(profile, line, column.field, value)


def _check_text_cell(profile: BankProfile, line: BatchLine, name: str, value: str) -> None:
    if value.startswith(_FORMULA_START):
        raise _refuse_line(
            line,
            f"的“{name}”以 = + - @ 开头，表格软件会当作公式",
            f"{name} starts with = + - @, which a spreadsheet runs as a formula",
        )
    if profile.format == "txt" and profile.field_delimiter in value:
        raise _refuse_line(
            line,
            f"的“{name}”含分隔符“{profile.field_delimiter}”（txt 文件不加引号）",
            f"{name} holds the delimiter '{profile.field_delimiter}' (txt has no quoting)",
        )


def _split(
    profile: BankProfile, code: str, lines: Sequence[BatchLine], folder: Path
) -> list[_Part]:
    """The batch cut into files of at most ``max_rows`` rows (and what a sheet holds)."""
    cap = profile.max_rows or len(lines)
    if profile.format == "xlsx":
        cap = min(cap, MAX_ROW - profile.start_row + 1)
    chunks = [lines[i : i + cap] for i in range(0, len(lines), cap)]
    base = f"{code}-{profile.name}"
    if len(chunks) == 1:
        return [_Part(folder / f"{base}{profile.suffix}", chunks[0], 1, 1)]
    width = len(str(len(chunks)))
    return [
        _Part(
            folder / f"{base}-{n:0{width}d}of{len(chunks)}{profile.suffix}", chunk, n, len(chunks)
        )
        for n, chunk in enumerate(chunks, start=1)
    ]


# ---------------------------------------------------------------- rendering


_GETTERS: dict[str, Callable[[BatchLine], str]] = {
    "序号": lambda x: str(x.line),
    "户名": lambda x: x.payee.name,
    "账号": lambda x: x.payee.account,
    "开户银行": lambda x: x.payee.bank,
    "金额": lambda x: yuan(x.payee.amount),
    "摘要": lambda x: x.memo,
    "身份证号": lambda x: x.payee.id_number,
    "手机号": lambda x: x.payee.phone,
    "县(区)": lambda x: x.payee.county,
}


def _texts(profile: BankProfile, line: BatchLine) -> list[str]:
    """The line's text in every column of the profile ("" in a fixed text's column)."""
    return [_GETTERS[c.field](line) if c.field else "" for c in profile.columns]


def _fill(template: str, code: str, part: _Part, parts: int, payer: str, when: date) -> str:
    return template.format(
        batch=code,
        payer=payer,
        date=when,
        count=len(part.lines),
        amount=yuan(part.amount),
        part=part.number,
        parts=parts,
    )


def _render(
    profile: BankProfile,
    code: str,
    part: _Part,
    parts: int,
    payer: str,
    when: date,
    temp: Path,
    notes: list[BatchNote],
) -> str:
    """Write ``part`` to ``temp``; its SHA-256."""
    fixed = [
        _fill(c.text, code, part, parts, payer, when) if c.text is not None else None
        for c in profile.columns
    ]
    if profile.format == "xlsx":
        _write_xlsx(profile, code, part, parts, payer, when, temp, fixed)
        return _sha256(temp)
    data = _text_file(profile, code, part, parts, payer, when, fixed, notes)
    temp.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _text_file(
    profile: BankProfile,
    code: str,
    part: _Part,
    parts: int,
    payer: str,
    when: date,
    fixed: list[str | None],
    notes: list[BatchNote],
) -> bytes:
    lead = [_fill(t, code, part, parts, payer, when) for t in profile.lead_lines]
    for value in [*lead, *(f for f in fixed if f is not None)]:
        if value.startswith(_FORMULA_START) or _CONTROL.search(value):
            raise UserError(
                f"银行格式“{profile.name}”的文字“{value}”以 = + - @ 开头或含控制字符；请修改设置",
                f"bank profile '{profile.name}': the text '{value}' starts with = + - @ "
                "or holds a control character; change the settings",
            )
    rows = [_texts(profile, line) for line in part.lines]
    for i, text in enumerate(fixed):
        if text is not None:
            for row in rows:
                row[i] = text
    headers = [c.heading for c in profile.columns] if profile.header else None
    delimiter = profile.field_delimiter
    if profile.format == "csv":
        buffer = io.StringIO()
        for text in lead:
            buffer.write(text + "\r\n")
        out = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        if headers is not None:
            out.writerow(headers)
        out.writerows(rows)
        text = buffer.getvalue()
    else:
        table = ([headers] if headers is not None else []) + rows
        text = "".join(t + "\r\n" for t in lead) + "".join(
            delimiter.join(r) + "\r\n" for r in table
        )
    return _encode(profile, text, part, notes)


def _encode(profile: BankProfile, text: str, part: _Part, notes: list[BatchNote]) -> bytes:
    try:
        return text.encode(profile.encoding)
    except UnicodeEncodeError:
        if profile.encoding != "gbk":
            raise UserError(
                f"{part.path.name} 无法用 {profile.encoding} 编码写出（含无效字符）",
                f"{part.path.name} cannot be encoded as {profile.encoding}",
            ) from None
    notes += _outside_gbk(profile, part)
    try:
        return text.encode("gb18030")
    except UnicodeEncodeError:  # a lone surrogate: no encoding writes it
        raise UserError(
            f"{part.path.name} 含无效字符，无法写出", f"{part.path.name} holds an invalid character"
        ) from None


def _outside_gbk(profile: BankProfile, part: _Part) -> list[BatchNote]:
    """A note for each line (or setting) with a character GBK lacks."""
    found: list[BatchNote] = []
    for line in part.lines:
        bad = [
            c.field
            for c in profile.columns
            if c.field is not None and not _in_gbk(_GETTERS[c.field](line))
        ]
        if bad:
            who = f"{line.payee.county} {mask_name(line.payee.name)}"
            found.append(
                BatchNote(
                    f"{part.path.name} 第 {line.line} 笔（{who}）的{'、'.join(bad)}含 GBK 以外的"
                    "生僻字，文件已按 GB18030 编码写出；请与银行核对此人",
                    f"{part.path.name} line {line.line} ({who}): {', '.join(bad)} holds a "
                    "character outside GBK; the file is written as GB18030: check with the bank",
                )
            )
    if not found:  # the payer, a heading or a fixed text of the settings
        found.append(
            BatchNote(
                f"{part.path.name} 含 GBK 以外的字，已按 GB18030 编码写出；请与银行核对",
                f"{part.path.name} holds characters outside GBK; written as GB18030: "
                "check with the bank",
            )
        )
    return found


def _in_gbk(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _write_xlsx(
    profile: BankProfile,
    code: str,
    part: _Part,
    parts: int,
    payer: str,
    when: date,
    temp: Path,
    fixed: list[str | None],
) -> None:
    from zjk_charity.workbook.plain import PlainSheet, PlainValue, write_plain_book

    cells: list[tuple[int, int, PlainValue]] = []
    for reference, template in profile.cells.items():
        cells.append((*cell_position(reference), _fill(template, code, part, parts, payer, when)))
    if profile.total_count_cell:
        cells.append((*cell_position(profile.total_count_cell), len(part.lines)))
    if profile.total_amount_cell:
        cells.append((*cell_position(profile.total_amount_cell), part.amount))
    cells.sort(key=lambda c: (c[0], c[1]))
    kinds: list[Kind] = [_kind(c) for c in profile.columns]
    sheet = PlainSheet(
        name=profile.sheet,
        kinds=kinds,
        widths=[
            _WIDTHS.get(c.field or "", max(12, len(c.heading) * 2 + 2)) for c in profile.columns
        ],
        first_row=profile.start_row - 1,
        headers=[c.heading for c in profile.columns],
        header_row=profile.header_row,
        cells=cells,
    )
    rows = (_xlsx_row(profile.columns, fixed, line) for line in part.lines)
    created = datetime(when.year, when.month, when.day, tzinfo=UTC)
    write_plain_book(temp, sheet, rows, created)


def _kind(column: BankColumn) -> Kind:
    if column.field == "金额":
        return "money"
    if column.field == "序号":
        return "number"
    return "text"


def _xlsx_row(
    columns: Sequence[BankColumn], fixed: list[str | None], line: BatchLine
) -> list[str | int | Decimal]:
    row: list[str | int | Decimal] = []
    for column, text in zip(columns, fixed, strict=True):
        if text is not None:
            row.append(text)
        elif column.field == "金额":
            row.append(line.payee.amount)
        elif column.field == "序号":
            row.append(line.line)
        else:
            row.append(_GETTERS[column.field or ""](line))
    return row


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- all files or none


@contextmanager
def _staging(folder: Path) -> Iterator[_Stage]:
    """Temporary files in ``folder``, published under their names when the block ends
    cleanly (:func:`_publish`); deleted in every case."""
    stage = _Stage(folder)
    try:
        yield stage
        _publish(stage.pairs)
    finally:
        for temp, _target in stage.pairs:
            with suppress(OSError):
                temp.unlink()


class _Stage:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pairs: list[tuple[Path, Path]] = []

    def __call__(self, target: Path) -> Path:
        """A new temporary file beside ``target``, to be published as ``target``."""
        # Created exclusively with the user's umask (mkstemp's files are private, 0600,
        # and a bank file is often picked up by a colleague's upload session).
        temp = self.folder / f".zjk-{secrets.token_hex(8)}{target.suffix}"
        try:
            temp.open("xb").close()
        except OSError as exc:
            raise UserError(
                f"无法在 {self.folder} 写入文件（{exc.strerror or exc}）；请换一个文件夹",
                f"cannot write in {self.folder} ({exc.strerror or exc}); choose another folder",
            ) from None
        self.pairs.append((temp, target))
        return temp


def _publish(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Give every temporary file its name, never replacing a file; on any failure the
    names given so far are removed again, so the folder holds all of them or none."""
    done: list[Path] = []
    try:
        for temp, target in pairs:
            _link(temp, target)
            done.append(target)
    except BaseException:
        for target in done:
            with suppress(OSError):
                target.unlink()
        raise


def _link(temp: Path, target: Path) -> None:
    """``target`` as a new name of ``temp``; a UserError if it exists. Where hard links
    are not supported (some shared folders), an existence check and a rename instead."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise UserError(
            f"{target} 已存在，未覆盖；请检查文件夹或改用 --out 另一个文件夹",
            f"{target} exists and was not overwritten; choose another folder with --out",
        ) from None
    except OSError:
        if target.exists() or target.is_symlink():
            raise UserError(
                f"{target} 已存在，未覆盖", f"{target} exists and was not overwritten"
            ) from None
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise UserError(
                f"无法写出 {target}（{exc.strerror or exc}）",
                f"cannot write {target} ({exc.strerror or exc})",
            ) from None
