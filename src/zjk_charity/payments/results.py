"""A bank's result file (回盘) read into :class:`ResultRow` records (payout.md, ``aid payments
import``), whatever the bank's layout.

The file goes through the reader of the application workbooks (``workbook.reader.read_table``):
.xlsx, .xls or .csv (UTF-8 or GBK), the header searched among the first 20 rows below title
lines, headers matched after NFKC and whitespace removal against the names and aliases of
:data:`RESULT_COLUMNS`. An unreadable, absent or encrypted file raises ``UserError``.

What a bank's file holds besides result rows is handled, never crashed on:

- **total rows** (a cell starting 合计/总计/小计, or holding one of them, with no account):
  skipped and reported in :attr:`ResultFile.notes`; when the total's amount or count
  differs from the rows above it (since the previous total, or since the header), the
  note says so;
- **blank rows**, and **footer or section lines** (制表人：…, 打印时间, 失败明细) — rows whose
  账号 cell has no digit and whose 状态 cell is no status: skipped, listed in one note;
- **a second header block** (a row naming two or more known columns): the rows below it
  are read by that header's columns, with a note.

A row that cannot be used (the account lost its digits, is blank or is not digits; the
status is blank or unknown; the amount is unreadable) becomes a finding and is left out
of :attr:`ResultFile.rows`; a sheet without a required column (账号, 金额, 状态) becomes
COLUMN_MISSING. Findings never carry a full account.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from zjk_charity.ids import normalise_account
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.model import CENT, Outcome, ResultRow, yuan
from zjk_charity.text import header_key, is_blank, nfkc, squash
from zjk_charity.wishes.amounts import AmountProblem, parse_amount, to_decimal
from zjk_charity.workbook.reader import Cell, ColumnSpec, Row, Sheet, cell_text, read_table

ACCOUNT = "账号"
NAME = "户名"
AMOUNT = "金额"
STATUS = "状态"
REASON = "失败原因"
NOTE = "备注"
LINE = "序号"
BATCH = "批次"

# 备注 is read as the failure reason only when the file has no reason column of its own:
# a bank may echo our 摘要 in a 备注 column beside a real 失败原因.
RESULT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(LINE, False, ("行号", "明细序号")),
    ColumnSpec(BATCH, False, ("批次号", "批次编号", "代发批次")),
    ColumnSpec(
        ACCOUNT,
        True,
        (
            "收款账号",
            "账户",
            "卡号",
            "收款人账号",
            "账号/卡号",
            "卡号/账号",
            "收款卡号",
            "收款账户",
            "收款人账户",
            "银行账号",
            "卡(折)号",
            "帐号",
            "收款帐号",
            "收款人帐号",
            "入账账号",
            "对方账号",
        ),
    ),
    ColumnSpec(
        NAME,
        False,
        (
            "收款人",
            "收款账号名称",
            "姓名",
            "收款人名称",
            "收款人姓名",
            "收款户名",
            "账户名称",
            "账户名",
            "帐户名称",
            "对方户名",
        ),
    ),
    ColumnSpec(
        AMOUNT,
        True,
        (
            "交易金额",
            "发生额",
            "金额(元)",
            "交易金额(元)",
            "代发金额",
            "实发金额",
            "付款金额",
            "转账金额",
            "支付金额",
            "发放金额",
            "入账金额",
        ),
    ),
    ColumnSpec(
        STATUS,
        True,
        (
            "处理结果",
            "交易状态",
            "结果",
            "处理状态",
            "交易结果",
            "代发结果",
            "支付状态",
            "入账状态",
            "入账结果",
            "状态(成功/失败)",
            "发放状态",
            "发放结果",
        ),
    ),
    ColumnSpec(
        REASON,
        False,
        (
            "原因",
            "错误信息",
            "失败描述",
            "错误原因",
            "错误描述",
            "失败说明",
            "返回信息",
            "结果说明",
            "处理结果说明",
        ),
    ),
    ColumnSpec(NOTE, False, ("附注",)),
)
REQUIRED = tuple(c.name for c in RESULT_COLUMNS if c.required)

_SUCCESS = ("成功", "交易成功", "处理成功", "已成功", "支付成功", "代发成功", "转账成功")
_SUCCESS_MORE = (
    "入账成功",
    "已入账",
    "已支付",
    "发放成功",
    "已发放",
    "S",
    "SUCCESS",
    "SUCCEED",
    "OK",
)
_FAILURE = ("失败", "交易失败", "处理失败", "已失败", "支付失败", "代发失败", "转账失败")
_FAILURE_MORE = (
    "入账失败",
    "发放失败",
    "退票",
    "已退票",
    "退回",
    "已退回",
    "F",
    "FAIL",
    "FAILED",
    "FAILURE",
)
_PENDING = ("处理中", "待处理", "交易处理中", "银行处理中", "正在处理", "已受理", "受理中")
_PENDING_MORE = ("未处理", "等待处理", "P", "PENDING", "PROCESSING")
# 状态 values after NFKC, whitespace removal and upper-casing (see :func:`outcome_of`).
STATUS_VALUES: dict[str, Outcome] = {
    **dict.fromkeys(_SUCCESS + _SUCCESS_MORE, "success"),
    **dict.fromkeys(_FAILURE + _FAILURE_MORE, "failure"),
    **dict.fromkeys(_PENDING + _PENDING_MORE, "pending"),
}
STATUS_ALLOWED = "成功、交易成功、S；失败、交易失败、F；处理中、待处理"
# "失败：账户已销户", "失败-户名不符", "失败(账号不存在)": the status, then its reason.
_STATUS_SPLIT = re.compile(r"[:\-—,;(/|]")
_TRAILING = "。.!！)"
# An amount as most files write it (digits, at most two decimals): read as it stands,
# which is what the money parser would make of it, without its other readings.
_PLAIN_AMOUNT = re.compile(r"^[1-9][0-9]{0,8}(?:\.[0-9]{1,2})?\Z")  # below MAX_FEN
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
# Excel keeps 15 significant digits: a number cell of 16 or more digits has lost some.
_EXACT_LIMIT = 10**15
_COUNT = re.compile(r"(\d+)(?:笔|条|户|人)|笔数[^0-9]{0,3}(\d+)")
_TOTAL_AMOUNT = re.compile(r"金额[^0-9]{0,3}([0-9][0-9,]*(?:\.[0-9]+)?)|([0-9][0-9,]*\.[0-9]+)元?")
_TOTAL_WORDS = ("合计", "总计", "小计")
MAX_SHOWN = 20  # characters of a footer line a note repeats
AMOUNT_ALLOWED = "大于零的金额，如 1000.00"


@dataclass(frozen=True)
class Note:
    """Something about the file, not an error in a row: a total row, skipped footer lines."""

    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class ResultFile:
    """One bank result file as read: its usable rows, the findings of the others, and notes.

    ``sha256`` identifies the file's content: (sha256, sheet, row) names a row that has
    been applied, so importing the same file again changes nothing (``matching``).
    """

    path: Path
    name: str  # the file's name as findings show it
    sha256: str
    rows: list[ResultRow] = field(default_factory=list)
    findings: list[PayFinding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def read_results(path: Path) -> ResultFile:
    """Read a bank's result file: every sheet with a recognisable header.

    Promises: every row the bank reports on is either in ``rows`` (account as ASCII
    digits, amount as two-decimal Decimal or None when blank, outcome) or the subject of
    an error finding; total rows are never result rows. Raises ``UserError`` only when
    the file itself cannot be read or has no header row at all.
    """
    table = read_table(path, RESULT_COLUMNS, ACCOUNT)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = ResultFile(path, path.name, digest)
    result.notes += [Note(text, text) for text in table.notes]
    for skipped in table.skipped:
        result.notes.append(
            Note(
                f"{path.name}：工作表“{skipped}”没有表头，已跳过",
                f"{path.name}: sheet '{skipped}' has no header row, skipped",
            )
        )
    for sheet in table.sheets:
        _SheetReader(result, sheet).read()
    return result


def outcome_of(value: str) -> tuple[Outcome, str] | None:
    """The outcome a 状态 cell states, and a reason written after a failure ("失败：账户已销户").

    Case, whitespace and full-width forms do not matter (NFKC, then upper case); a
    trailing full stop or exclamation mark is ignored. None when the value is no status.
    """
    key = squash(value).upper().rstrip(_TRAILING)
    found = STATUS_VALUES.get(key)
    if found is not None:
        return found, ""
    split = _STATUS_SPLIT.search(key)
    if split is None or split.start() == 0:
        return None
    found = STATUS_VALUES.get(key[: split.start()])
    if found != "failure":
        # Only a failure carries its reason after it. 成功-待入账, 成功(部分), 已发放(退回),
        # S-处理中: a success or pending status with words after it may not be what it
        # says, and money must not be recorded as arrived on a guess (INVALID_VALUE).
        return None
    reason = nfkc(value).strip()
    cut = _STATUS_SPLIT.search(reason)
    tail = reason[cut.end() :] if cut else ""
    return found, tail.strip().rstrip(_TRAILING).strip()


@dataclass(frozen=True)
class AccountRead:
    """An account cell read: its digits, or the finding code that says why not."""

    digits: str = ""
    code: str = ""
    shape: str = ""


def read_account(value: Cell) -> AccountRead:
    """The digits of an account cell, however the bank's file stored them.

    Spaces, tabs, hyphens, a leading apostrophe (Excel's "text" mark) and the ``="…"``
    wrapper of CSV exports are removed and digits of any script made ASCII. A number cell
    of 16 or more digits (or scientific text such as ``6.22848E+18``) has lost digits:
    PRECISION_LOST. A smaller whole number keeps every digit Excel had, so it is read.
    """
    if isinstance(value, bool):
        return AccountRead(code="BANK_ACCOUNT_INVALID", shape="含非数字字符")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return AccountRead(code="PRECISION_LOST")
        if not 0 <= value < _EXACT_LIMIT:
            return AccountRead(code="PRECISION_LOST")
        return AccountRead(str(int(value)))
    text = normalise_account(cell_text(value))
    text = text.lstrip("'‘’`").removeprefix("=").strip("\"“”'")
    if not text:
        return AccountRead(code="MISSING_FIELD")
    if _SCIENTIFIC.match(text):
        return AccountRead(code="PRECISION_LOST")
    if not (text.isascii() and text.isdigit()):
        return AccountRead(code="BANK_ACCOUNT_INVALID", shape="含非数字字符")
    return AccountRead(text)


def read_line(value: Cell) -> int | None:
    """A 序号 cell as a whole number, or None (a bank's own serial such as ``A-0001``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and value > 0 else None
    text = squash(cell_text(value))
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def _shown(value: Cell) -> str:
    text = cell_text(value).strip()
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def _has_digit(value: Cell) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return any(ch.isdigit() for ch in cell_text(value))


def _contains_total(values: Iterable[Cell]) -> bool:
    return any(isinstance(v, str) and any(w in squash(v) for w in _TOTAL_WORDS) for v in values)


@dataclass
class _Block:
    """One header block of a sheet: its columns, and the rows read since its last total."""

    columns: dict[str, int]
    header_row: int
    amounts: list[Decimal] = field(default_factory=list)  # every row's readable amount
    since_total: list[Decimal] = field(default_factory=list)


class _SheetReader:
    """Reads one sheet's rows into the result file, block by block."""

    def __init__(self, result: ResultFile, sheet: Sheet) -> None:
        self.result = result
        self.sheet = sheet
        self.footers: list[tuple[int, str]] = []
        self.names = {header_key(n): c.name for c in RESULT_COLUMNS for n in (c.name, *c.aliases)}

    def read(self) -> None:
        if self._read_above():
            self._note_header(Row(self.sheet.header_top, []))
        block: _Block | None = self._start(self.sheet.columns, self.sheet.header_row)
        for kind, row in self._events():
            if kind == "total":
                if block is not None:
                    self._total(block, row)
                continue
            status = self._status(block, row) if block is not None else None
            if block is not None and status is not None:
                self._row(block, row, status)  # a status value: a result row, never a header
                continue
            columns = self._header(row)
            if columns is not None:
                self._note_header(row)
                block = self._start(columns, row.number)
            elif block is not None:
                self._row(block, row, status)
        self._note_footers()

    def _read_above(self) -> bool:
        """Read a block above the header the reader chose; True when there was one.

        The reader takes the header naming the most columns among the first 20 rows, so
        a first block whose header names fewer (成功明细 above 失败明细) would be lost
        among the title lines. Only a row naming every required column starts such a
        block: a payer line such as "账户 … 户名 …" under the title is no header.
        """
        block: _Block | None = None
        for index, values in enumerate(self.sheet.preamble[: self.sheet.header_top - 1]):
            row = Row(index + 1, values)
            if all(is_blank(v) for v in values):
                continue
            columns = self._header(row)
            if columns is not None and all(name in columns for name in REQUIRED):
                if block is not None:
                    self._note_header(row)
                block = self._start(columns, row.number)
            elif block is not None:
                self._row(block, row, self._status(block, row))
        return block is not None

    def _events(self) -> Iterator[tuple[str, Row]]:
        events = [("row", r) for r in self.sheet.rows] + [("total", r) for r in self.sheet.totals]
        yield from sorted(events, key=lambda e: e[1].number)

    def _start(self, columns: dict[str, int], header_row: int) -> _Block | None:
        """A new block, or None (its rows skipped) when it lacks a required column."""
        missing = [name for name in REQUIRED if name not in columns]
        for name in missing:
            self._flag(header_row, name, "COLUMN_MISSING", column=name)
        return None if missing else _Block(dict(columns), header_row)

    def _status(self, block: _Block, row: Row) -> tuple[Outcome, str] | None:
        """What the row's status cell states, or None (blank, a heading, anything else)."""
        cell = self._get(block, row, STATUS)
        return outcome_of(cell_text(cell)) if not is_blank(cell) else None

    def _header(self, row: Row) -> dict[str, int] | None:
        """The columns of a row that is a second header (two or more known headings)."""
        found: dict[str, int] = {}
        for position, value in enumerate(row.values):
            canonical = self.names.get(header_key(value)) if isinstance(value, str) else None
            if canonical is not None and canonical not in found:
                found[canonical] = position
        return found if len(found) >= 2 else None

    def _get(self, block: _Block, row: Row, column: str) -> Cell:
        position = block.columns.get(column)
        if position is None or position >= len(row.values):
            return None
        return row.values[position]

    def _flag(self, row: int | None, at: str, code: str, /, **params: object) -> None:
        self.result.findings.append(
            PayFinding(self.result.name, self.sheet.name, row, at, code, dict(params))
        )

    def _row(self, block: _Block, row: Row, status: tuple[Outcome, str] | None) -> None:
        account_cell = self._get(block, row, ACCOUNT)
        status_cell = self._get(block, row, STATUS)
        if status is None and not self._reports_on_an_account(block, row, account_cell):
            if _contains_total(row.values):
                self._total(block, row)
            else:
                text = " ".join(_shown(v) for v in row.values if not is_blank(v))
                self.footers.append((row.number, text[:MAX_SHOWN]))
            return
        amount, readable = self._amount(block, row)
        account = self._account(row.number, account_cell)
        if status is None:
            if is_blank(status_cell):
                self._flag(row.number, STATUS, "MISSING_FIELD", column=STATUS)
            else:
                shown = _shown(status_cell)
                self._flag(
                    row.number,
                    STATUS,
                    "INVALID_VALUE",
                    column=STATUS,
                    value=shown,
                    allowed=STATUS_ALLOWED,
                )
        if account is None or status is None or not readable:
            return
        outcome, stated_reason = status
        self.result.rows.append(
            ResultRow(
                file=self.result.name,
                sheet=self.sheet.name,
                row=row.number,
                account=account,
                name=_text(self._get(block, row, NAME)),
                amount=amount,
                outcome=outcome,
                reason=self._reason(block, row) or stated_reason,
                line=read_line(self._get(block, row, LINE)),
                batch=squash(cell_text(self._get(block, row, BATCH))) or None,
            )
        )

    def _reports_on_an_account(self, block: _Block, row: Row, account_cell: Cell) -> bool:
        """A row without a status is still a result row when it names an account (or has
        digits there and an amount): its missing status is then a finding. Anything else
        ("制表人：", "打印时间：2025-11-02", "失败明细") is a footer or section line."""
        if read_account(account_cell).code in ("", "PRECISION_LOST"):
            return True
        return _has_digit(account_cell) and not is_blank(self._get(block, row, AMOUNT))

    def _account(self, number: int, value: Cell) -> str | None:
        found = read_account(value)
        if not found.code:
            return found.digits
        if found.code == "BANK_ACCOUNT_INVALID":
            self._flag(number, ACCOUNT, found.code, shape=found.shape)
        else:
            self._flag(number, ACCOUNT, found.code, column=ACCOUNT)
        return None

    def _amount(self, block: _Block, row: Row) -> tuple[Decimal | None, bool]:
        """The row's amount (None when blank), and False when unreadable (with a finding)."""
        value = self._get(block, row, AMOUNT)
        if is_blank(value):
            return None, True
        if isinstance(value, str) and _PLAIN_AMOUNT.match(value):  # 1000.00: most rows
            amount = Decimal(value).quantize(CENT)
            block.amounts.append(amount)
            block.since_total.append(amount)
            return amount, True
        fen = parse_amount(value)
        if isinstance(fen, AmountProblem):
            self._flag(
                row.number,
                AMOUNT,
                "INVALID_VALUE",
                column=AMOUNT,
                value=_shown(value),
                allowed=AMOUNT_ALLOWED,
            )
            return None, False
        amount = to_decimal(fen)
        block.amounts.append(amount)
        block.since_total.append(amount)
        return amount, True

    def _reason(self, block: _Block, row: Row) -> str:
        if REASON in block.columns:
            return _text(self._get(block, row, REASON))
        return _text(self._get(block, row, NOTE))

    def _total(self, block: _Block, row: Row) -> None:
        """Note a total row; say so when it disagrees with the rows above it."""
        stated_amount, stated_count = self._stated(block, row)
        where = f"{self.result.name}「{self.sheet.name}」第 {row.number} 行"
        where_en = f"{self.result.name}, sheet {self.sheet.name}, row {row.number}"
        said = _said(stated_count, stated_amount)
        self.result.notes.append(
            Note(
                f"{where}是合计行（{said[0]}），不作为回盘记录",
                f"{where_en} is a total row ({said[1]}), not read as a result row",
            )
        )
        if not _agrees(stated_amount, stated_count, block.since_total) and not _agrees(
            stated_amount, stated_count, block.amounts
        ):
            rows = block.since_total or block.amounts
            sums = _said(len(rows), sum(rows, Decimal("0.00")))
            self.result.notes.append(
                Note(
                    f"{where}的合计（{said[0]}）与其上各行之和（{sums[0]}）不符；"
                    "请向银行核实回盘文件是否完整",
                    f"{where_en}: the file's total ({said[1]}) differs from the sum of the rows "
                    f"above it ({sums[1]}); check with the bank that the file is complete",
                )
            )
        block.since_total = []

    def _stated(self, block: _Block, row: Row) -> tuple[Decimal | None, int | None]:
        """The amount and count a total row states (None where it states none)."""
        amount: Decimal | None = None
        value = self._get(block, row, AMOUNT)
        if not is_blank(value):
            fen = parse_amount(value)
            if not isinstance(fen, AmountProblem):
                amount = to_decimal(fen)
        texts = [squash(cell_text(v)) for i, v in enumerate(row.values) if not is_blank(v)]
        joined = " ".join(texts)
        if amount is None:
            found = _TOTAL_AMOUNT.search(joined)
            if found:
                fen = parse_amount(found.group(1) or found.group(2))
                amount = None if isinstance(fen, AmountProblem) else to_decimal(fen)
        count_match = _COUNT.search(joined)
        count = int(count_match.group(1) or count_match.group(2)) if count_match else None
        return amount, count

    def _note_header(self, row: Row) -> None:
        where = f"{self.result.name}「{self.sheet.name}」第 {row.number} 行"
        where_en = f"{self.result.name}, sheet {self.sheet.name}, row {row.number}"
        self.result.notes.append(
            Note(
                f"{where}是又一个表头，其下各行按此表头读取",
                f"{where_en} is another header row; the rows below it are read by it",
            )
        )

    def _note_footers(self) -> None:
        if not self.footers:
            return
        numbers = "、".join(str(n) for n, _ in self.footers)
        numbers_en = ", ".join(str(n) for n, _ in self.footers)
        rows_en = f"row {numbers_en}" if len(self.footers) == 1 else f"rows {numbers_en}"
        first = self.footers[0][1]
        self.result.notes.append(
            Note(
                f"{self.result.name}「{self.sheet.name}」第 {numbers} 行没有账号和状态"
                f"（如“{first}”），不是回盘记录，已跳过",
                f"{self.result.name}, sheet {self.sheet.name}: {rows_en} without account "
                f"or status (such as '{first}'): not result rows, skipped",
            )
        )


def _text(value: Cell) -> str:
    return "" if is_blank(value) else nfkc(cell_text(value)).strip()


def _agrees(amount: Decimal | None, count: int | None, rows: list[Decimal]) -> bool:
    if amount is not None and amount != sum(rows, Decimal("0.00")):
        return False
    return count is None or count == len(rows)


def _said(count: int | None, amount: Decimal | None) -> tuple[str, str]:
    """ "3 笔，3000.00 元" and "3 rows, 3000.00 yuan", each part only when stated."""
    zh = [f"{count} 笔"] if count is not None else []
    en = [f"{count} rows"] if count is not None else []
    if amount is not None:
        zh.append(f"{yuan(amount)} 元")
        en.append(f"{yuan(amount)} yuan")
    return "，".join(zh) or "未写金额", ", ".join(en) or "no amount stated"
