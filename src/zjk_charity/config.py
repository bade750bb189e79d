"""Settings (``zjk-charity.toml``) and the workspace folder.

Every command works in an empty folder with the built-in defaults; ``init`` writes them
out, commented, for editing. A key we do not know, or a value of the wrong type, is an
error that names the key and the file: a typo must never silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from zjk_charity.campaign_year import YearSource
from zjk_charity.errors import UserError
from zjk_charity.payments.profiles import BankSettings

if TYPE_CHECKING:
    from collections.abc import Callable

    from zjk_charity.ledger import Clock, Ledger

SETTINGS_FILE = "zjk-charity.toml"
LEDGER_FILE = "zjk-charity.db"
# The campaign years a command accepts (--year, campaign_year). A year outside them is a
# typo (0, 99999, 20225), and ``date`` cannot hold most of them anyway.
MIN_YEAR = 2000
MAX_YEAR = 2100
# What ``payment_memo`` may use: the CLI formats it with ``year=`` only.
MEMO_FIELDS = ("year",)


def check_year(year: int, source: str = "--year") -> int:
    """``year`` when it is a campaign year this tool accepts (2000–2100), else UserError.

    ``source`` names where the year came from (an option or a setting), for the message.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        # str() of an int beyond 4,300 digits raises; such a number is not shown.
        small = abs(year) < 10**12
        raise UserError(
            f"{source} 的年度{f' {year} ' if small else '（位数过多）'}不对："
            f"活动年度应在 {MIN_YEAR}–{MAX_YEAR} 之间，如 2025",
            f"{source}: year {year if small else '(too many digits)'} is out of range; "
            f"use a year from {MIN_YEAR} to {MAX_YEAR}",
        )
    return year


def memo_template(value: str) -> str:
    """``value`` when it is a template that ``value.format(year=…)`` always fills
    (``[aid] payment_memo``, ``[wishes] payment_memo``), else ValueError.

    Only the bare placeholder ``{year}`` is accepted: no other name, no position, no
    attribute or index, no conversion or format spec (a spec like ``{year:>999999999}``
    would build a gigabyte of text). A brace meant literally is written ``{{`` or ``}}``.
    """
    problem = (
        "只能使用占位符 {year}（活动年度），花括号本身请写成 {{ 或 }} "
        "/ only the placeholder {year} may be used; write {{ or }} for a brace"
    )
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError:
        raise ValueError(problem) from None
    for _text, name, spec, conversion in fields:
        if name is not None and (name not in MEMO_FIELDS or spec or conversion):
            raise ValueError(problem)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriorityClass(_Strict):
    """One priority class: a person belongs to the first class whose conditions all hold."""

    name: str
    care_levels: list[Literal["失能", "半失能", "自理"]] = Field(default_factory=list)
    min_age: int | None = Field(default=None, ge=0, le=150)


NOTICE_TEXT_MAX = 200  # one printed line or two; longer is a paste of something else


def _notice_text(value: str) -> str:
    """A phone or contact line as printed on the notice: one line, outer spaces removed."""
    value = value.strip()
    if any(c in value for c in "\r\n\t"):
        raise ValueError("只能写一行 / one line only")
    return value


class NoticeContactSettings(_Strict):
    """One county's own notice contact (``[aid.notice_by_county."张北县"]``); a key left
    out falls back to the city-wide ``notice_phone`` / ``notice_contact``."""

    notice_phone: str | None = Field(default=None, max_length=NOTICE_TEXT_MAX)
    notice_contact: str | None = Field(default=None, max_length=NOTICE_TEXT_MAX)

    @field_validator("notice_phone", "notice_contact")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return None if value is None else _notice_text(value)


class AidSettings(_Strict):
    budget: Decimal = Decimal("810000")
    per_person: Decimal = Decimal("1000")
    # Ages are computed at this day of the campaign year unless --as-of is given.
    reference_day: str = "10-20"

    @field_validator("reference_day")
    @classmethod
    def _month_day(cls, value: str) -> str:
        """A month and day that exist in every year, so 02-29 is refused here.

        A reference day of 29 February would have no date in three years out of four;
        rather than move it silently to the 28th or 1 March, the settings ask for a day
        every campaign year has (use ``--as-of`` for a one-off leap day).
        """
        try:
            month, day = (int(p) for p in value.split("-"))
            date(2000, month, day)
        except (ValueError, OverflowError):
            raise ValueError("应写成 月-日，如 10-20 / write it as MM-DD") from None
        try:
            date(2001, month, day)  # not a leap year: the day exists in every year
        except ValueError:
            raise ValueError(
                "2 月 29 日不是每年都有，请改用 02-28 或 03-01 "
                "/ 02-29 is not in every year; use 02-28 or 03-01"
            ) from None
        return value

    # Ordered: class 0 first. Whoever matches none of them is in the last class.
    priority: list[PriorityClass] = Field(
        default_factory=lambda: [
            PriorityClass(name="失能、半失能老人", care_levels=["失能", "半失能"], min_age=60)
        ]
    )
    payment_memo: str = "{year}年福彩暖冬资助"

    @field_validator("payment_memo")
    @classmethod
    def _memo_template(cls, value: str) -> str:
        return memo_template(value)

    # 公示期：法定工作日数 / working days the public notice is posted (workdays.py)
    notice_days: int = Field(default=7, ge=1, le=60)
    # 公示的监督电话和受理异议的单位（地址）；各县另设的见 notice_by_county
    # the notice's supervision phone and the office receiving objections; per county below
    notice_phone: str = Field(default="", max_length=NOTICE_TEXT_MAX)
    notice_contact: str = Field(default="", max_length=NOTICE_TEXT_MAX)
    notice_by_county: dict[str, NoticeContactSettings] = Field(default_factory=dict)

    @field_validator("notice_phone", "notice_contact")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _notice_text(value)

    @field_validator("notice_by_county")
    @classmethod
    def _counties(cls, value: dict[str, NoticeContactSettings]) -> dict[str, NoticeContactSettings]:
        """Keys are Zhangjiakou counties (张北 = 张北县), stored under the full name.

        An unknown name, or two keys naming the same county, is a settings error naming
        it: a typo must not leave a county's notice silently without its own phone.
        """
        from zjk_charity.counties import find_county

        named: dict[str, NoticeContactSettings] = {}
        for key, contact in value.items():
            county = find_county(key)
            if county is None:
                raise ValueError(
                    f"“{key}”不是张家口市的县（区），请写全称，如“张北县” "
                    f"/ '{key}' is not a county of Zhangjiakou"
                )
            if county.name in named:
                raise ValueError(f"{county.name}写了两次 / {county.name} is given twice")
            named[county.name] = contact
        return named

    # PHONE_SHARED (integrity.md): a phone given by more than this many households is a
    # warning (a village official's phone for a few old people is normal; more is 代管).
    phone_shared_limit: int = Field(default=3, ge=1, le=1000)

    # No longer used: aid allocate and aid export wrote a bank CSV with a tab after each
    # account; bank files now come only from aid pay (bank profiles, accounts written as
    # their digits). Still accepted so that a zjk-charity.toml that sets it keeps loading.
    bank_csv_text_accounts: bool = True


class Signers(_Strict):
    """Names printed in a report's signature block. One left empty (the default) prints as
    a blank line to sign on by hand, never as the role's own name (经办人：经办人)."""

    handler: str = ""
    reviewer: str = ""
    head: str = ""


class WishesSettings(_Strict):
    standard_amount: Decimal = Decimal("300")
    # 资金心愿代发文件的摘要 (wishes pay) / the memo of a wishes bank batch
    payment_memo: str = "{year}年微心愿"

    @field_validator("payment_memo")
    @classmethod
    def _memo_template(cls, value: str) -> str:
        return memo_template(value)


class Settings(_Strict):
    campaign_year: int | None = None

    @field_validator("campaign_year")
    @classmethod
    def _campaign_year(cls, value: int | None) -> int | None:
        """A year from 2000 to 2100 (see :func:`check_year`), or unset."""
        if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
            raise ValueError(
                f"活动年度应在 {MIN_YEAR}–{MAX_YEAR} 之间，如 2025 "
                f"/ use a year from {MIN_YEAR} to {MAX_YEAR}"
            )
        return value

    lang: Literal["zh", "en"] = "zh"
    # A font file for every PDF (.ttf, .otf or .ttc); relative to the workspace. Unset:
    # a Chinese font is found on the system (zjk_charity.pdf.fonts).
    pdf_font: Path | None = None

    @field_validator("pdf_font")
    @classmethod
    def _font_file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """An existing TrueType, OpenType or collection font file, made absolute against
        the workspace (``info.context["root"]``), so a typo is refused when the settings
        are read, not when a PDF is due."""
        if value is None:
            return None
        from zjk_charity.pdf.fonts import FONT_SUFFIXES, is_font_file

        root = (info.context or {}).get("root")
        value = value.expanduser()  # ~/fonts/x.ttf is the user's folder, not the workspace's
        path = Path(root) / value if root and not value.is_absolute() else value
        if not path.is_file():
            raise ValueError(f"找不到字体文件 {path} / no font file at {path}")
        if path.suffix.lower() not in FONT_SUFFIXES or not is_font_file(path):
            raise ValueError(
                f"{path} 不是 .ttf、.otf 或 .ttc 字体文件 / {path} is not a .ttf, .otf or .ttc font"
            )
        return path.resolve()

    # Where the ledger is: unset, the workspace's zjk-charity.db (SQLite); a file name
    # (relative to the workspace) for another SQLite file; or a postgresql:// URL for a
    # server several offices share (issue 19). ZJK_CHARITY_LEDGER, when set, wins.
    ledger: str | None = None

    @field_validator("ledger")
    @classmethod
    def _ledger(cls, value: str | None) -> str | None:
        """A URL or a file name, stripped; empty means unset."""
        return check_ledger_setting(value, "ledger")

    # An SQLite ledger on a network folder is refused (ledger/location.py); true keeps
    # it there anyway, at the user's own risk.
    ledger_on_network: bool = False
    aid: AidSettings = Field(default_factory=AidSettings)
    wishes: WishesSettings = Field(default_factory=WishesSettings)
    signers: Signers = Field(default_factory=Signers)
    bank: BankSettings = Field(default_factory=BankSettings)


DEFAULT_TOML = """\
# zjk-charity 设置 / settings. 删除的键使用默认值 / a key left out takes its default.

# 活动年度，2000–2100（不填则为当前年份；数据的日期大多不在该年度时，命令会提示）
# campaign year, 2000–2100 (default: this year; a command warns when the data's dates
# lie mostly in another year)
# campaign_year = 2025

# 界面语言 zh 或 en / language of messages
# lang = "zh"

# PDF（报告、申请审批表）所用的中文字体文件（.ttf、.otf 或 .ttc；相对路径从工作目录算起）。
# 不填则自动查找本机字体：Windows 宋体/微软雅黑，macOS 苹方/华文黑体，Linux Noto CJK/文泉驿。
# Windows 路径请用单引号 / font file for every PDF; unset: found on the system
# pdf_font = 'C:\\Windows\\Fonts\\simsun.ttc'

# 工作目录在网络文件夹（SMB/NFS 共享、映射的网络驱动器）上时，命令拒绝运行：SQLite 台账在
# 网络共享上会因多人同时使用而损坏。确需如此时写 true（风险自负）
# the workspace on a network folder (SMB/NFS share, mapped network drive) is refused: an
# SQLite ledger there is corrupted by people working at once. true: allow it, at your own risk
# ledger_on_network = false

# 台账位置：不填为本工作目录的 zjk-charity.db；多个单位共用一个活动时，填 PostgreSQL 服务器地址，
# 如 "postgresql://minzheng@10.0.0.5/zjk"。密码不要写在这里：用 ~/.pgpass 或环境变量 PGPASSWORD。
# 环境变量 ZJK_CHARITY_LEDGER 优先于此设置
# where the ledger is: unset, this workspace's zjk-charity.db; a postgresql:// URL for a
# server several offices share (password in ~/.pgpass or PGPASSWORD, not here);
# the environment variable ZJK_CHARITY_LEDGER wins over this setting
# ledger = "postgresql://user@host/zjk"

[aid]
# 福彩暖冬预算与每人标准（元）/ budget and amount per person, yuan
# budget = "810000"
# per_person = "1000"
# 年龄计算基准日（月-日，每年都有的一天，不能是 02-29），可用 --as-of 覆盖 / reference day for ages
# reference_day = "10-20"
# 银行代发摘要，只能用占位符 {year}（活动年度）/ memo on the bank transfer; {year} only
# payment_memo = "{year}年福彩暖冬资助"
# 公示期：法定工作日数（跳过周末和法定节假日，调休上班的周六、周日计入）
# working days the notice is posted (weekends and official holidays skipped, 调休 Saturdays counted)
# notice_days = 7
# 公示上的监督电话和受理异议的单位（可含地址）；不填时公示写“向所在县（区）民政局反映”，不印电话
# supervision phone and the office receiving objections, printed on the notice; unset: no phone
# notice_phone = ""
# notice_contact = ""
# 同一联系电话最多几户申请人共用，超过时提示 PHONE_SHARED（警告）
# a phone given by more households than this is a PHONE_SHARED warning
# phone_shared_limit = 3

# 优先级（按顺序，先满足者优先；都不满足的为最后一类）
# priority classes, in order; whoever matches none ranks last
# [[aid.priority]]
# name = "失能、半失能老人"
# care_levels = ["失能", "半失能"]
# min_age = 60

# 某县（区）自己的监督电话和受理单位（未写的项用上面全市的），县名须是张家口市的县（区）
# a county's own phone and office (a key left out: the city-wide one above)
# [aid.notice_by_county."张北县"]
# notice_phone = ""
# notice_contact = "张北县民政局"

[wishes]
# 微心愿标准金额（元）/ standard wish amount, yuan
# standard_amount = "300"
# 资金心愿代发文件的摘要（wishes pay），{year} 为活动年度 / memo of the wishes bank batch
# payment_memo = "{year}年微心愿"

[signers]
# 报告签字栏的姓名；不填的打印为空白签字线 / names in the report's signature block;
# one left out prints as a blank line to sign on
# handler = "张三"     # 经办人
# reviewer = "李四"    # 审核人
# head = "王五"        # 负责人

[bank]
# 银行代发文件的格式（aid pay --profile 名称）。内置 basic：GBK 编码的 CSV，列为 序号、户名、
# 账号、开户银行、金额、摘要，账号只有数字，金额两位小数，没有合计行；笔数和金额另写入
# “批次汇总”文件。银行有自己的模板时，照下面的例子写一个 [[bank.profiles]]。
# bank file layouts (aid pay --profile NAME). Built in: basic, a GBK CSV with 序号, 户名, 账号,
# 开户银行, 金额, 摘要, digits-only accounts, two-decimal amounts and no 合计 row (the count and
# total go to the 批次汇总 file). Describe your bank's own template as a [[bank.profiles]].
# default_profile = "basic"
# 付款单位，填入格式中写 {payer} 的位置 / the paying office, where a profile says {payer}
# payer = "张家口市民政局"
#
# 格式的键 / a profile's keys:
#   name       名称，用于 --profile 和文件名（P2025-001-名称.xlsx）/ name, in --profile and file names
#   format     "csv"、"xlsx" 或 "txt"（txt：不加引号的分隔文本）/ file type (txt: unquoted delimited text)
#   columns    列：字段 序号、户名、账号、开户银行、金额、摘要、身份证号、手机号、县(区)，
#              改标题写 { field = "账号", title = "收款账号" }，固定文字写 { title = "付款账号", text = "…" }
#   header     是否写表头行（默认 true）/ write a row of column titles
#   max_rows   每个文件最多几行，超出时分成 -1of3 这样编号的多个文件 / rows per file; more are split
#   csv/txt：  encoding（"gbk" 默认、"gb18030"、"utf-8"、"utf-8-sig"），delimiter（csv 默认 ","，txt 默认 "|"），
#              lead_lines 表头之前的行，如 ["{count},{amount}"] / lines above the header
#   xlsx：     sheet 工作表名，start_row 第一行数据的行号（表头在其上一行），cells 表头之上的文字，
#              total_count_cell、total_amount_cell 填本文件笔数、金额的单元格（如 "B3"）
#   文字中可用 / templates may use: {batch} 批次编号, {payer} 付款单位, {date} 日期（{date:%Y%m%d}）,
#              {count} {amount} 本文件的笔数和金额, {part} {parts} 第几个文件、共几个

# 例一：农商银行（农村信用社）式 xlsx 模板：第 2 行付款单位（先填上面的 payer），第 3 行合计笔数
# 和合计金额，第 4 行表头，第 5 行起每人一行
# example 1: an xlsx template with the payer in A2, count and total in B3 and D3, data from row 5
# [[bank.profiles]]
# name = "农商银行"
# format = "xlsx"
# sheet = "代发明细"
# start_row = 5
# columns = ["序号", { field = "账号", title = "收款账号" }, { field = "户名", title = "收款户名" }, "金额", "摘要"]
# cells = { A1 = "批量代发明细表", A2 = "付款单位：{payer}", A3 = "合计笔数", C3 = "合计金额" }
# total_count_cell = "B3"
# total_amount_cell = "D3"

# 例二：每个文件最多 500 行的 CSV（超出时分成多个文件，每个文件第一行是它自己的笔数和金额），
# 含身份证号和付款账号（固定文字）
# example 2: a CSV of at most 500 rows a file, each starting with its own count and total
# [[bank.profiles]]
# name = "分文件CSV"
# format = "csv"
# encoding = "gbk"
# max_rows = 500
# lead_lines = ["{count},{amount}"]
# columns = [
#   "序号",
#   "户名",
#   "账号",
#   "身份证号",
#   "金额",
#   { title = "付款账号", text = "0000000000000000000" },
#   "摘要",
# ]
"""


def _describe(error: ValidationError, text: str) -> tuple[str, str]:
    """The errors in Chinese and English, each with the line of the file it is on when
    that can be found (:func:`zjk_charity.toml_lines.line_of`)."""
    from zjk_charity.toml_lines import line_of

    zh, en = [], []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"])
        line = line_of(text, item["loc"])
        where_zh, where_en = (f"第 {line} 行：", f"line {line}: ") if line else ("", "")
        if item["type"] == "extra_forbidden":
            zh.append(f"{where_zh}未知的设置项 “{key}”")
        else:
            zh.append(f"{where_zh}设置项 “{key}” 的值不对（{item['msg']}）")
        en.append(f"{where_en}{key} ({item['msg']})")
    return "；".join(zh), "; ".join(en)


def load_settings(workspace: Path) -> Settings:
    """The workspace's settings, or the defaults when it has no ``zjk-charity.toml``.

    Whatever is at that path is read as settings or refused with a message naming it:
    a folder, a file that cannot be read or is not UTF-8, TOML that is malformed or
    nested too deeply for the parser (it recurses; 50,000 ``[`` would exhaust the
    stack), or values the models below refuse.
    """
    path = workspace / SETTINGS_FILE
    try:
        if not path.exists():
            return Settings()
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise UserError(
            f"{path} 是文件夹，不是设置文件；请把它改名或移走，再用 zjk-charity init 生成设置文件",
            f"{path} is a folder, not a settings file; move it aside and run zjk-charity init",
        ) from None
    except UnicodeDecodeError:
        raise UserError(
            f"{path}: 设置文件不是 UTF-8 编码；请用记事本等“另存为 UTF-8”，或删除后用 zjk-charity init 重新生成",
            f"{path}: not UTF-8 text; save it as UTF-8 or recreate it with zjk-charity init",
        ) from None
    except OSError as exc:
        raise UserError(
            f"无法读取设置文件 {path}（{exc.strerror or exc}）；请检查它的权限",
            f"cannot read {path} ({exc.strerror or exc}); check its permissions",
        ) from None
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of over 4,300 digits
        raise UserError(
            f"{path}: 设置文件格式错误（{exc}）；请改正，或删除后用 zjk-charity init 重新生成",
            f"{path}: not valid TOML ({exc}); fix it or recreate it with zjk-charity init",
        ) from None
    except RecursionError:
        raise UserError(
            f"{path}: 设置文件格式错误（嵌套层数过多）；请改正，或删除后用 zjk-charity init 重新生成",
            f"{path}: not valid TOML (nested too deeply); fix it or recreate it with zjk-charity init",
        ) from None
    try:
        return Settings.model_validate(data, context={"root": workspace})
    except ValidationError as exc:
        zh, en = _describe(exc, text)
        raise UserError(
            f"{path}: {zh}；请对照 zjk-charity init 生成的说明修改",
            f"{path}: {exc.error_count()} bad setting(s): {en}",
        ) from None


def make_folder(folder: Path, instead_zh: str, instead_en: str) -> None:
    """Create ``folder`` and its parents; a UserError naming it when it cannot be (a file
    of that name, a file on its path, no permission, a system folder like /proc), ending
    with what to do instead (``instead_zh`` / ``instead_en``)."""
    if folder.exists() and not folder.is_dir():
        raise UserError(
            f"{folder} 不是文件夹；{instead_zh}", f"{folder} is not a folder; {instead_en}"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"无法建立文件夹 {folder}（{exc.strerror or exc}）；{instead_zh}",
            f"cannot make the folder {folder} ({exc.strerror or exc}); {instead_en}",
        ) from None


def default_settings_text(year: int | None = None) -> str:
    """The commented defaults; with ``year``, ``campaign_year = year`` is set, not commented.

    ``year`` must be a campaign year (2000–2100, else UserError, :func:`check_year`).
    """
    if year is None:
        return DEFAULT_TOML
    check_year(year)
    return DEFAULT_TOML.replace("# campaign_year = 2025", f"campaign_year = {year}", 1)


def write_default_settings(workspace: Path, year: int | None = None) -> Path:
    """Write the commented defaults (with ``campaign_year`` set when ``year`` is given);
    refuses to overwrite an existing file.

    A folder that cannot be made or written (:func:`make_folder`) is a UserError naming
    it. The file is created exclusively, so a settings file that appears meanwhile is kept.
    """
    text = default_settings_text(year)
    path = workspace / SETTINGS_FILE
    make_folder(workspace, "请换一个文件夹", "choose another folder")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UserError(
            f"{path} 已存在，未覆盖；如需重置请先改名或删除",
            f"{path} exists and was not overwritten",
        ) from None
    except OSError as exc:
        raise UserError(
            f"无法在 {workspace} 写出设置文件（{exc.strerror or exc}）；请换一个文件夹",
            f"cannot write settings in {workspace} ({exc.strerror or exc}); choose another folder",
        ) from None
    return path


LEDGER_VARIABLE = "ZJK_CHARITY_LEDGER"


# libpq's "key=value" connection strings: a server meant, not a file name.
_KEYWORDS = re.compile(r"\b(?:host|hostaddr|dbname|user|password|service|port)\s*=", re.IGNORECASE)


def check_ledger_setting(value: str | None, name: str) -> str | None:
    """A ledger setting stripped (None when empty). Anything that looks meant for a
    server but is not a ``postgresql://`` URL is refused (ValueError): a ``postgres…``
    typo, another scheme (``mysql://…``) or a libpq keyword string (``host=db …``);
    each would otherwise become an SQLite file of that name, a password in its name.
    The value itself is never repeated in the message."""
    text = (value or "").strip()
    if not text:
        return None
    server = text.startswith(("postgresql://", "postgres://"))
    meant = text.lower().startswith("postgres") or "://" in text or _KEYWORDS.search(text)
    if meant and not server:
        raise ValueError(
            f"{name} 应为 postgresql://用户@服务器/数据库 形式的地址 / "
            f"{name} must be a URL like postgresql://user@host/db"
        )
    return text


def ledger_variable() -> str | None:
    """``ZJK_CHARITY_LEDGER``, checked as the ``ledger`` setting is (a UserError naming
    the variable, never repeating its value); None when unset or empty."""
    try:
        return check_ledger_setting(os.environ.get(LEDGER_VARIABLE), LEDGER_VARIABLE)
    except ValueError as exc:
        zh, _, en = str(exc).partition(" / ")
        raise UserError(f"环境变量{zh}", f"environment variable {en}") from None


@dataclass(frozen=True)
class Workspace:
    """A folder holding settings, the ledger, ``out/`` and ``keys/``."""

    root: Path
    settings: Settings

    @classmethod
    def open(cls, root: Path | None = None) -> Workspace:
        folder = root or Path(os.environ.get("ZJK_CHARITY_WORKSPACE") or Path.cwd())
        folder = folder.expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise UserError(f"工作目录 {folder} 不是文件夹", f"workspace {folder} is not a folder")
        return cls(folder, load_settings(folder))

    def ledger(
        self, on_wait: Callable[[float], None] | None = None, clock: Clock | None = None
    ) -> Ledger:
        """The workspace's ledger: the one place a command or the library gets it from
        (:attr:`ledger_target`: the SQLite file, or the PostgreSQL server). ``on_wait``:
        the waiting message (the CLI's); ``clock``: the time its run records are
        stamped with."""
        from zjk_charity.ledger import open_ledger, system_clock

        return open_ledger(self.ledger_target, on_wait, clock or system_clock)

    @property
    def ledger_target(self) -> Path | str:
        """``ZJK_CHARITY_LEDGER``, else the setting ``ledger``, else ``zjk-charity.db``:
        a ``postgresql://`` URL as given, or the SQLite file. A UserError when that file
        is on a network folder and the settings do not allow it (``ledger_on_network``).
        """
        from zjk_charity.ledger import is_server_url
        from zjk_charity.ledger.location import check_ledger_folder

        value = ledger_variable() or self.settings.ledger
        if value is not None and is_server_url(value):
            return value
        ledger = self.root / Path(value or LEDGER_FILE).expanduser()
        # The folder the ledger's file really is in: a local workspace whose ledger is a
        # link into a share is the shared SQLite file this check exists to stop.
        check_ledger_folder(ledger.resolve().parent, self.settings.ledger_on_network)
        return ledger

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    def year(self, year: int | None = None, today: date | None = None) -> int:
        """--year, else campaign_year in the settings, else the current year.

        A ``--year`` outside 2000–2100 is a UserError (:func:`check_year`);
        campaign_year was checked when the settings were loaded.
        """
        if year is not None:
            return check_year(year)
        if self.settings.campaign_year is not None:
            return self.settings.campaign_year
        return (today or date.today()).year

    def year_source(self, year: int | None = None) -> YearSource:
        """Where :meth:`year` takes the campaign year from, for the same ``year`` option."""
        if year is not None:
            return YearSource.OPTION
        if self.settings.campaign_year is not None:
            return YearSource.SETTINGS
        return YearSource.CLOCK

    def as_of(self, year: int, as_of: date | None = None) -> date:
        """--as-of, else the reference day (20 October) of the campaign year.

        ``year`` must be a campaign year (2000–2100, else UserError); the reference day
        exists in every year (02-29 is refused when the settings are loaded), so the
        date is always valid.
        """
        check_year(year)
        if as_of is not None:
            return as_of
        month, day = (int(p) for p in self.settings.aid.reference_day.split("-"))
        return date(year, month, day)
