"""Bank profiles: how a bank wants its 代发 file (payout.md, "Bank batch files").

A profile is data, not code: the built-in ``basic`` and any ``[[bank.profiles]]`` of
``zjk-charity.toml``. It says the file type (csv, xlsx or txt), the encoding and
delimiter of a text file, the sheet and first data row of a workbook, the columns (each
a field of the payee, or fixed text such as the payer's account), where the totals go
and how many rows one file may hold. :mod:`zjk_charity.payments.writer` writes a batch
in it.

Templates (a fixed text column, a heading cell, a lead line) may use the placeholders
``{batch}`` (the batch's code), ``{payer}`` (``bank.payer``), ``{date}`` (the day the
batch is written; ``{date:%Y%m%d}`` takes a strftime format), ``{count}`` and
``{amount}`` (the rows and total of that very file) and ``{part}`` / ``{parts}`` (its
number among the split files). A brace meant literally is written ``{{`` or ``}}``.

Where the totals go:

- xlsx: ``total_count_cell`` and ``total_amount_cell`` name header cells (A1 references
  above the data) that get the file's count and total as numbers.
- csv and txt have no cells: a bank that wants a totals line above the rows gets it from
  ``lead_lines`` (templates written as they are, e.g. ``"{count}|{amount}"``). Total cells
  are refused there, so a setting never silently does nothing.

Every problem is refused when the settings are read (``config.load_settings`` names the
line): an unknown key, an unknown column field, a bad cell reference, a setting that does
not apply to the file type, a placeholder we do not fill.
"""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from zjk_charity.errors import UserError

if TYPE_CHECKING:
    from zjk_charity.config import Settings

BASIC = "basic"
# The payee fields a column may show, in the words of payout.md.
FIELDS = ("序号", "户名", "账号", "开户银行", "金额", "摘要", "身份证号", "手机号", "县(区)")
BASIC_COLUMNS = ("序号", "户名", "账号", "开户银行", "金额", "摘要")
# Without these a bank cannot pay anyone from the file.
REQUIRED_FIELDS = ("账号", "金额")
PLACEHOLDERS = ("batch", "payer", "date", "count", "amount", "part", "parts")
ENCODINGS = ("gbk", "gb18030", "utf-8", "utf-8-sig")
MAX_ROW = 1_048_576  # rows of an Excel sheet
MAX_COLUMN = 16_384  # XFD
_CELL = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def cell_position(reference: str) -> tuple[int, int]:
    """An A1 reference (``B3``) as 0-based (row, column); ValueError when Excel has no
    such cell (``3B``, ``XFE1``, ``A0``, ``A1048577``)."""
    match = _CELL.fullmatch(reference.strip())
    if match is None:
        raise ValueError(
            f"“{reference}”不是单元格地址，应写成列字母加行号，如 B3 "
            f"/ '{reference}' is not a cell reference such as B3"
        )
    letters, digits = match.group(1).upper(), match.group(2)
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - ord("A") + 1
    row = int(digits)
    if not (1 <= column <= MAX_COLUMN and 1 <= row <= MAX_ROW):
        raise ValueError(
            f"单元格 {reference} 超出了工作表的范围（最大 XFD{MAX_ROW}） "
            f"/ cell {reference} is outside a sheet (the last one is XFD{MAX_ROW})"
        )
    return row - 1, column - 1


def check_template(value: str) -> str:
    """``value`` when ``str.format`` with :data:`PLACEHOLDERS` always fills it.

    Only bare placeholder names, and a strftime format after ``date`` (``{date:%Y%m%d}``):
    no positions, attributes, indexes, conversions or other format specs, so a template
    can neither fail at payment time nor build a gigabyte of padding.
    """
    problem = (
        "只能使用占位符 "
        + "、".join(f"{{{p}}}" for p in PLACEHOLDERS)
        + "，花括号本身请写成 {{ 或 }} "
        "/ only the placeholders " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS) + " may be used"
    )
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError:
        raise ValueError(problem) from None
    for _text, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or conversion or (spec and name != "date"):
            raise ValueError(problem)
        if spec:
            try:
                format(date(2025, 1, 2), spec)
            except ValueError:
                raise ValueError(problem) from None
    return value


def uses_payer(template: str) -> bool:
    return any(name == "payer" for _t, name, _s, _c in string.Formatter().parse(template))


def field_name(value: str) -> str:
    """A column field as written (``县（区）``, `` 账号``) in the words of :data:`FIELDS`."""
    key = "".join(unicodedata.normalize("NFKC", value).split())
    if key not in FIELDS:
        raise ValueError(
            f"“{value}”不是可用的列，可用的有：{'、'.join(FIELDS)}；固定文字请写成 "
            '{ title = "标题", text = "文字" } '
            f"/ '{value}' is not a field; use one of {', '.join(FIELDS)}, or "
            '{ title = "...", text = "..." } for fixed text'
        )
    return key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BankColumn(_Strict):
    """One column of the file: a payee field, or the same text on every row."""

    field: str | None = None
    text: str | None = None
    title: str | None = None  # the header cell; default: the field's name, or empty

    @model_validator(mode="before")
    @classmethod
    def _bare_field(cls, data: Any) -> Any:
        """``"账号"`` in a column list is short for ``{ field = "账号" }``."""
        return {"field": data} if isinstance(data, str) else data

    @field_validator("field")
    @classmethod
    def _field(cls, value: str | None) -> str | None:
        return None if value is None else field_name(value)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else check_template(value)

    @model_validator(mode="after")
    def _one_of(self) -> BankColumn:
        if (self.field is None) == (self.text is None):
            raise ValueError(
                '每一列要么是一个字段（如 "账号"），要么是固定文字（text = "…"），二者选一 '
                "/ a column is either a field or fixed text (text = ...), exactly one"
            )
        return self

    @property
    def heading(self) -> str:
        if self.title is not None:
            return self.title
        return self.field or ""


def _fail(loc: tuple[str | int, ...], value: Any, message: str) -> ValidationError:
    """A validation error at ``loc`` (within the model), so the settings line is found."""
    return ValidationError.from_exception_data(
        "BankProfile",
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{reason}", {"reason": message}),
                loc=loc,
                input=value,
            )
        ],
    )


class BankProfile(_Strict):
    """How one bank wants its file. See the module docstring for every key."""

    name: str
    format: Literal["csv", "xlsx", "txt"]
    # csv and txt
    encoding: str = "gbk"
    delimiter: str | None = None  # csv: ","; txt: "|"
    lead_lines: list[str] = Field(default_factory=list)
    # every type
    header: bool = True
    columns: list[BankColumn] = Field(
        default_factory=lambda: [BankColumn(field=f) for f in BASIC_COLUMNS], min_length=1
    )
    max_rows: int | None = Field(default=None, ge=1)
    # xlsx
    sheet: str = "Sheet1"
    start_row: int = Field(default=2, ge=1, le=MAX_ROW)
    cells: dict[str, str] = Field(default_factory=dict)
    total_amount_cell: str | None = None
    total_count_cell: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        """A name that can be part of a file name on Windows, macOS and Linux."""
        value = value.strip()
        if not value or len(value) > 40 or _NOT_IN_FILE_NAMES.search(value):
            raise ValueError(
                '名称用作文件名的一部分：1–40 个字，不能含 \\ / : * ? " < > | '
                '/ the name is part of file names: 1–40 characters, none of \\ / : * ? " < > |'
            )
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        key = value.strip().lower().replace("_", "-")
        key = {"utf8": "utf-8", "utf8-sig": "utf-8-sig", "gb2312": "gbk"}.get(key, key)
        if key not in ENCODINGS:
            raise ValueError(
                f"编码只能是 {'、'.join(ENCODINGS)} / the encoding is one of {', '.join(ENCODINGS)}"
            )
        return key

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value is not None and (
            not value or any(c.isalnum() or c in "\"'.\r\n" or c == " " for c in value)
        ):
            raise ValueError(
                '分隔符不能为空，也不能含字母、数字、引号、点、空格或换行；常用 "," "|" "\\t" '
                "/ a delimiter is not empty and holds no letter, digit, quote, dot, space or newline"
            )
        return value

    @field_validator("lead_lines")
    @classmethod
    def _lead_lines(cls, value: list[str]) -> list[str]:
        for line in value:
            if "\r" in line or "\n" in line:
                raise ValueError("每个元素是一行 / each item is one line")
            check_template(line)
        return value

    @field_validator("sheet")
    @classmethod
    def _sheet(cls, value: str) -> str:
        if (
            not value
            or len(value) > 31
            or _NOT_IN_SHEET_NAMES.search(value)
            or value.startswith("'")
            or value.endswith("'")
        ):
            raise ValueError(
                "工作表名 1–31 个字，不能含 [ ] : * ? / \\，首尾不能是单引号 "
                "/ a sheet name has 1–31 characters, none of [ ] : * ? / \\"
            )
        return value

    @field_validator("cells")
    @classmethod
    def _cells(cls, value: dict[str, str]) -> dict[str, str]:
        named: dict[str, str] = {}
        for reference, text in value.items():
            cell_position(reference)
            check_template(text)
            key = reference.strip().upper()
            if key in named:
                raise ValueError(f"单元格 {key} 写了两次 / cell {key} is given twice")
            named[key] = text
        return named

    @field_validator("total_amount_cell", "total_count_cell")
    @classmethod
    def _total_cell(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cell_position(value)
        return value.strip().upper()

    @model_validator(mode="after")
    def _consistent(self) -> BankProfile:
        self._only_for_its_format()
        self._columns_pay()
        if self.format == "csv" and self.delimiter is not None and len(self.delimiter) != 1:
            raise _fail(
                ("delimiter",),
                self.delimiter,
                'CSV 的分隔符只能是一个字符；多字符分隔请用 format = "txt" '
                '/ a CSV delimiter is one character; use format = "txt" for longer ones',
            )
        if self.format == "xlsx":
            self._cells_above_data()
        return self

    def _only_for_its_format(self) -> None:
        """A key that does nothing for this file type is refused, never ignored."""
        text_only = ("encoding", "delimiter", "lead_lines")
        xlsx_only = ("sheet", "start_row", "cells", "total_amount_cell", "total_count_cell")
        wrong = xlsx_only if self.format != "xlsx" else text_only
        for key in wrong:
            if key in self.model_fields_set:
                hint = (
                    '；CSV/TXT 的合计请用 lead_lines，如 lead_lines = ["{count},{amount}"] '
                    if key.startswith("total_") or key == "cells"
                    else ""
                )
                raise _fail(
                    (key,),
                    getattr(self, key),
                    f"{key} 只适用于 "
                    f"{'xlsx' if key in xlsx_only else 'csv 和 txt'} 格式{hint}"
                    f"/ {key} applies to {'xlsx' if key in xlsx_only else 'csv and txt'} "
                    "files only",
                )

    def _columns_pay(self) -> None:
        fields = [c.field for c in self.columns if c.field]
        for needed in REQUIRED_FIELDS:
            if needed not in fields:
                raise _fail(
                    ("columns",),
                    fields,
                    f"列中必须有“{needed}”，银行才能据此付款 "
                    f"/ the columns must include {needed} for the bank to pay",
                )

    @property
    def header_row(self) -> int | None:
        """The 0-based row of the column titles in a workbook, None without a header."""
        return self.start_row - 2 if self.header else None

    def _cells_above_data(self) -> None:
        if self.header and self.start_row < 2:
            raise _fail(
                ("start_row",),
                self.start_row,
                "有表头时数据至少从第 2 行开始（表头在它的上一行） "
                "/ with a header, data starts at row 2 or below (the header is the row above)",
            )
        first = self.start_row - 1 - (1 if self.header else 0)  # 0-based first table row
        taken: dict[tuple[int, int], str] = {}
        named: list[tuple[str, str]] = [(ref, "cells") for ref in self.cells]
        named += [
            (ref, key)
            for key, ref in (
                ("total_amount_cell", self.total_amount_cell),
                ("total_count_cell", self.total_count_cell),
            )
            if ref is not None
        ]
        for reference, key in named:
            position = cell_position(reference)
            if position[0] >= first:
                where = (
                    f"第 {first} 行及以上"
                    if first
                    else "表头之上没有行，请把 start_row 调大（如 5）"
                )
                raise _fail(
                    (key,),
                    reference,
                    f"单元格 {reference} 应在表头之上（{where}），否则会与表格重叠 "
                    f"/ cell {reference} must lie above the table"
                    + (f" (row {first} or above)" if first else "; raise start_row (e.g. 5)"),
                )
            if position in taken:
                raise _fail(
                    (key,),
                    reference,
                    f"单元格 {reference} 已用于 {taken[position]} / cell {reference} is already "
                    f"used by {taken[position]}",
                )
            taken[position] = key

    @property
    def field_delimiter(self) -> str:
        """The delimiter of a text file: the one set, else "," for csv and "|" for txt."""
        return self.delimiter or ("," if self.format == "csv" else "|")

    @property
    def suffix(self) -> str:
        return "." + self.format

    def templates(self) -> list[str]:
        """Every template of the profile (fixed texts, heading cells, lead lines)."""
        texts = [c.text for c in self.columns if c.text is not None]
        return texts + list(self.cells.values()) + list(self.lead_lines)

    @property
    def needs_payer(self) -> bool:
        return any(uses_payer(t) for t in self.templates())


BASIC_PROFILE = BankProfile(name=BASIC, format="csv")


class BankSettings(_Strict):
    """``[bank]``: the paying office, the profile ``aid pay`` uses, and the profiles."""

    # 付款单位: filled in where a profile says {payer}
    payer: str = Field(default="", max_length=100)
    default_profile: str = BASIC
    profiles: list[BankProfile] = Field(default_factory=list)

    @field_validator("payer")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if any(c in value for c in "\r\n\t"):
            raise ValueError("只能写一行 / one line only")
        return value

    @field_validator("profiles")
    @classmethod
    def _distinct(cls, value: list[BankProfile]) -> list[BankProfile]:
        seen: set[str] = set()
        for index, profile in enumerate(value):
            key = profile.name.casefold()
            if key == BASIC or key in seen:
                why = (
                    "basic 是内置格式的名称，请另起一个名字 / basic is the built-in profile's name"
                    if key == BASIC
                    else f"名称“{profile.name}”已被前面的格式使用 / the name "
                    f"'{profile.name}' is used by an earlier profile"
                )
                raise _fail((index, "name"), profile.name, why)
            seen.add(key)
        return value

    @model_validator(mode="after")
    def _references(self) -> BankSettings:
        known = [BASIC, *(p.name for p in self.profiles)]
        if self.default_profile not in known:
            raise _fail(
                ("default_profile",),
                self.default_profile,
                f"没有名为“{self.default_profile}”的格式，可用的有：{'、'.join(known)} "
                f"/ no profile named '{self.default_profile}'; known: {', '.join(known)}",
            )
        if not self.payer:
            for index, profile in enumerate(self.profiles):
                if profile.needs_payer:
                    raise _fail(
                        ("profiles", index, "name"),
                        profile.name,
                        f"格式“{profile.name}”用到 {{payer}}，请在 [bank] 中填写 payer（付款单位） "
                        f"/ profile '{profile.name}' uses {{payer}}: set payer in [bank]",
                    )
        return self


def known_profiles(bank: BankSettings) -> list[BankProfile]:
    """``basic`` and the settings' profiles, in that order."""
    return [BASIC_PROFILE, *bank.profiles]


def profile(settings: Settings | BankSettings, name: str | None = None) -> BankProfile:
    """The profile called ``name`` (``--profile``; case does not matter), else the
    settings' ``default_profile`` (``basic`` unless set). An unknown name is a UserError
    listing the known ones."""
    bank = settings if isinstance(settings, BankSettings) else settings.bank
    wanted = (name if name is not None else bank.default_profile).strip()
    for candidate in known_profiles(bank):
        if candidate.name == wanted or candidate.name.casefold() == wanted.casefold():
            return candidate
    names = [p.name for p in known_profiles(bank)]
    raise UserError(
        f"没有名为“{wanted}”的银行格式；可用的有：{'、'.join(names)}"
        "（格式在 zjk-charity.toml 的 [[bank.profiles]] 中定义）",
        f"no bank profile named '{wanted}'; known: {', '.join(names)} "
        "(profiles are defined as [[bank.profiles]] in zjk-charity.toml)",
    )
