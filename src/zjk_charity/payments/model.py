"""The records the payment machinery passes around; no SQL, no files.

A **payee** is whoever money goes to: a 福彩暖冬 recipient (key: the ID number) or a
微心愿's account holder (key: the wish's 编号). A **batch** is one bank file (or set of
split files) or one cash sheet; each of its **instructions** pays one payee once. A bank
**result row** is one line of the bank's 回盘 file, read whatever its layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from zjk_charity.ids import mask_account

__all__ = ["mask_account"]  # the one masking of accounts (last 4 digits), re-exported

Purpose = Literal["aid", "wishes"]
# ``purchase``: a 微心愿 采购清单 (the federation buys the goods; no bank file).
Method = Literal["bank", "cash", "purchase"]
# An instruction's state. ``cancelled``: a cash instruction of someone withdrawn;
# ``purchasing``: a 物资 wish on a 采购清单 (its money is spent by the federation).
State = Literal["pending", "paid", "failed", "cash_pending", "cancelled", "purchasing"]
# What the bank says of one row.
Outcome = Literal["success", "failure", "pending"]

CENT = Decimal("0.01")


def yuan(value: Decimal) -> str:
    """Money as files and JSON show it: two decimals, no separators (1000.00)."""
    return str(value.quantize(CENT))


@dataclass(frozen=True, slots=True)
class Payee:
    """Someone to pay, with the account the money goes to."""

    key: str  # aid: the ID number; wishes: the wish's 编号
    county: str
    name: str  # 户名: the account holder (aid: the recipient; wishes: the guardian)
    account: str
    bank: str
    amount: Decimal
    id_number: str = ""
    phone: str = ""
    township: str = ""
    village: str = ""
    # The person the money is for, when not the account holder: aid, the recipient (a
    # corrected 户名 may be someone else's); 微心愿, the child.
    person: str = ""


@dataclass(frozen=True, slots=True)
class BatchLine:
    """One line of a batch file: 序号 ``line`` (1.. across split files) pays ``payee``."""

    line: int
    payee: Payee
    memo: str


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """One file of a batch as written: its rows and their total (each split file's own)."""

    path: Path
    rows: int
    amount: Decimal
    sha256: str


@dataclass(frozen=True, slots=True)
class BatchNote:
    """Something about a written batch the officer should check (a name outside GBK)."""

    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class BatchFiles:
    """What the writer produced for one batch: the bank files and the 批次汇总 beside them."""

    files: list[WrittenFile]
    summary: list[Path] = field(default_factory=list)
    code: str = ""  # the batch's code, e.g. P2025-001
    profile: str = ""  # the bank profile's name
    notes: list[BatchNote] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Lines in the batch: the sum of its files' rows."""
        return sum(f.rows for f in self.files)

    @property
    def amount(self) -> Decimal:
        """The batch's total: the sum of its files' totals, to the cent."""
        return sum((f.amount for f in self.files), Decimal(0)).quantize(CENT)


@dataclass(frozen=True, slots=True)
class Instruction:
    """One recorded instruction, as the store returns it."""

    id: int
    batch: str  # the batch's code, e.g. P2025-001
    method: Method
    line: int
    payee: str
    county: str
    name: str
    account: str
    bank: str
    amount: Decimal
    state: State
    reason: str = ""
    paid_on: str | None = None
    double: bool = False
    run_id: int = 0  # the run that made the batch
    updated_run_id: int | None = None  # the last run that changed the state


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of a bank's result file, in our terms."""

    file: str  # the file's name as findings show it
    sheet: str
    row: int  # the row number in the sheet, as Excel shows it
    account: str  # digits only
    name: str
    amount: Decimal | None
    outcome: Outcome
    reason: str = ""
    line: int | None = None  # 序号, when the file has it
    batch: str | None = None  # 批次, when the file has it
