"""Settings (``zjk-charity.toml``) and the workspace folder.

Every command works in an empty folder with the built-in defaults; ``init`` writes them
out, commented, for editing. A key we do not know, or a value of the wrong type, is an
error that names the key and the file: a typo must never silently fall back to a default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zjk_charity.errors import UserError

SETTINGS_FILE = "zjk-charity.toml"
LEDGER_FILE = "zjk-charity.db"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriorityClass(_Strict):
    """One priority class: a person belongs to the first class whose conditions all hold."""

    name: str
    care_levels: list[Literal["失能", "半失能", "自理"]] = Field(default_factory=list)
    min_age: int | None = Field(default=None, ge=0, le=150)


class AidSettings(_Strict):
    budget: Decimal = Decimal("810000")
    per_person: Decimal = Decimal("1000")
    # Ages are computed at this day of the campaign year unless --as-of is given.
    reference_day: str = "10-20"

    @field_validator("reference_day")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            month, day = (int(p) for p in value.split("-"))
            date(2000, month, day)
        except ValueError:
            raise ValueError("应写成 月-日，如 10-20 / write it as MM-DD") from None
        return value

    # Ordered: class 0 first. Whoever matches none of them is in the last class.
    priority: list[PriorityClass] = Field(
        default_factory=lambda: [
            PriorityClass(name="失能、半失能老人", care_levels=["失能", "半失能"], min_age=60)
        ]
    )
    payment_memo: str = "{year}年福彩暖冬资助"
    # 公示期天数 / days the public notice is posted
    notice_days: int = Field(default=7, ge=1, le=60)
    # The bank CSV appends a tab to each account number so that Excel and WPS keep it
    # as text (no 6.22E+18); set false if the bank's upload portal rejects it.
    bank_csv_text_accounts: bool = True


class Signers(_Strict):
    handler: str = "经办人"
    reviewer: str = "审核人"
    head: str = "负责人"


class WishesSettings(_Strict):
    standard_amount: Decimal = Decimal("300")


class Settings(_Strict):
    campaign_year: int | None = None
    lang: Literal["zh", "en"] = "zh"
    aid: AidSettings = Field(default_factory=AidSettings)
    wishes: WishesSettings = Field(default_factory=WishesSettings)
    signers: Signers = Field(default_factory=Signers)


DEFAULT_TOML = """\
# zjk-charity 设置 / settings. 删除的键使用默认值 / a key left out takes its default.

# 活动年度（不填则为当前年份）/ campaign year (default: this year)
# campaign_year = 2025

# 界面语言 zh 或 en / language of messages
# lang = "zh"

[aid]
# 福彩暖冬预算与每人标准（元）/ budget and amount per person, yuan
# budget = "810000"
# per_person = "1000"
# 年龄计算基准日（月-日），可用 --as-of 覆盖 / reference day for ages
# reference_day = "10-20"
# 银行代发摘要 / memo on the bank transfer
# payment_memo = "{year}年福彩暖冬资助"
# 公示期天数 / days the public notice is posted
# notice_days = 7
# 银行代发 CSV 的账号后加制表符，使 Excel/WPS 按文本显示；银行系统不接受时改为 false
# bank_csv_text_accounts = true

# 优先级（按顺序，先满足者优先；都不满足的为最后一类）
# priority classes, in order; whoever matches none ranks last
# [[aid.priority]]
# name = "失能、半失能老人"
# care_levels = ["失能", "半失能"]
# min_age = 60

[wishes]
# 微心愿标准金额（元）/ standard wish amount, yuan
# standard_amount = "300"

[signers]
# 报告签字栏 / names in the report's signature block
# handler = "经办人"
# reviewer = "审核人"
# head = "负责人"
"""


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            parts.append(f"未知的设置项 “{key}”")
        else:
            parts.append(f"设置项 “{key}” 的值不对（{item['msg']}）")
    return "；".join(parts)


def load_settings(workspace: Path) -> Settings:
    """The workspace's settings, or the defaults when it has no ``zjk-charity.toml``."""
    path = workspace / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{path}: 设置文件格式错误（{exc}）；请改正，或删除后用 zjk-charity init 重新生成",
            f"{path}: not valid TOML ({exc}); fix it or recreate it with zjk-charity init",
        ) from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise UserError(
            f"{path}: {_describe(exc)}；请对照 zjk-charity init 生成的说明修改",
            f"{path}: {exc.error_count()} bad setting(s): "
            + "; ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()),
        ) from None


def write_default_settings(workspace: Path) -> Path:
    """Write the commented defaults; refuses to overwrite an existing file."""
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / SETTINGS_FILE
    if path.exists():
        raise UserError(
            f"{path} 已存在，未覆盖；如需重置请先改名或删除",
            f"{path} exists and was not overwritten",
        )
    path.write_text(DEFAULT_TOML, encoding="utf-8")
    return path


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

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_FILE

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    def year(self, year: int | None = None, today: date | None = None) -> int:
        """--year, else campaign_year in the settings, else the current year."""
        if year is not None:
            return year
        if self.settings.campaign_year is not None:
            return self.settings.campaign_year
        return (today or date.today()).year

    def as_of(self, year: int, as_of: date | None = None) -> date:
        """--as-of, else the reference day (20 October) of the campaign year."""
        if as_of is not None:
            return as_of
        month, day = (int(p) for p in self.settings.aid.reference_day.split("-"))
        return date(year, month, day)
