"""The 采购清单 of 微心愿 (payout.md): what the federation buys for the wishes fulfilled
in kind, grouped by item.

One list is one batch of method ``purchase`` (``WG2025-001``): each wish on it has an
instruction in state ``purchasing`` for its whole amount (the money is the federation's
to spend on it, so the status invariant holds). A wish may have received donated goods
(a gift of goods designated to it): the list shows them and what is left to buy.

The workbook (:func:`write_purchase_list`) is printed as it is: A4, the title and the
column header repeated on every page, page numbers, bordered cells, the columns shrunk
to the page width. Lines are grouped by item (心愿内容, in the order the items first
appear among the wishes, by (登记日期, 编号)); each group ends with a 小计 row, the list
with a 合计 row and a signature line. A purchase list is no bank upload, so the
subtotal and total rows are where a clerk expects them. Children are de-identified
(张*三); nothing else personal is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.config import Signers
from zjk_charity.dates import chinese_date
from zjk_charity.ids import mask_name
from zjk_charity.payments.model import yuan
from zjk_charity.text import squash
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import to_decimal
from zjk_charity.wishes.progress import WishPayout
from zjk_charity.workbook.widths import lines_needed
from zjk_charity.workbook.writer import Column, PrintSetup, SheetSpec, SheetWriter, Value, new_book


@dataclass(frozen=True)
class PurchaseLine:
    """One wish on a 采购清单: ``line`` is its 序号 (its instruction's line in the batch)."""

    line: int
    wish_id: str
    county: str
    item: str  # 心愿内容
    child: str  # the child's name, in full; printed masked
    amount: Decimal  # the wish's amount
    goods_names: str  # the donated goods it received (物资名称), 、-separated
    goods: Decimal  # their value (折合金额)

    @property
    def to_buy(self) -> Decimal:
        """What the federation still buys: the amount less the donated goods."""
        return self.amount - self.goods


@dataclass
class PurchaseList:
    """A 采购清单 as made: its batch code, lines (grouped by item) and workbook."""

    code: str
    lines: list[PurchaseLine]
    file: Path | None = None

    @property
    def amount(self) -> Decimal:
        return sum((p.amount for p in self.lines), Decimal(0))

    @property
    def goods(self) -> Decimal:
        return sum((p.goods for p in self.lines), Decimal(0))

    @property
    def to_buy(self) -> Decimal:
        return self.amount - self.goods

    def groups(self) -> list[tuple[str, list[PurchaseLine]]]:
        return by_item(self.lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "batch": self.code,
            "count": len(self.lines),
            "amount": yuan(self.amount),
            "goods": yuan(self.goods),
            "to_buy": yuan(self.to_buy),
            "items": [
                {
                    "item": item,
                    "count": len(group),
                    "amount": yuan(sum((p.amount for p in group), Decimal(0))),
                    "to_buy": yuan(sum((p.to_buy for p in group), Decimal(0))),
                }
                for item, group in self.groups()
            ],
            "file": str(self.file) if self.file is not None else None,
        }


def item_of(payout: WishPayout) -> str:
    """The item a wish asks for: its 心愿内容, spaces squashed (the grouping key)."""
    return squash(payout.wish.content)


def purchase_lines(payouts: Sequence[WishPayout], accounts: Accounts) -> list[PurchaseLine]:
    """The lines of a 采购清单 for ``payouts`` (in (登记日期, 编号) order), grouped by item
    and numbered from 1 in that order."""
    names = _goods_names(accounts)
    groups: dict[str, list[WishPayout]] = {}
    for p in payouts:
        groups.setdefault(item_of(p), []).append(p)
    ordered = [p for group in groups.values() for p in group]
    return [
        PurchaseLine(
            line=n,
            wish_id=p.wish.wish_id,
            county=p.wish.county,
            item=item_of(p),
            child=p.wish.child_name,
            amount=to_decimal(p.wish.amount),
            goods_names=names.get(p.wish.wish_id, ""),
            goods=to_decimal(p.goods),
        )
        for n, p in enumerate(ordered, start=1)
    ]


def by_item(lines: Sequence[PurchaseLine]) -> list[tuple[str, list[PurchaseLine]]]:
    """The lines grouped by item, groups in the order their first line comes."""
    groups: dict[str, list[PurchaseLine]] = {}
    for p in lines:
        groups.setdefault(p.item, []).append(p)
    return list(groups.items())


def _goods_names(accounts: Accounts) -> dict[str, str]:
    """Per wish, the names of the donated goods matched to it (物资名称, else 物资)."""
    donations = accounts.donation_by_id
    found: dict[str, list[str]] = {}
    for record in accounts.matches:
        d = donations.get(record.match.donation_id)
        if d is None or d.is_cash:
            continue
        names = found.setdefault(record.match.wish_id, [])
        name = squash(d.goods) or "物资"
        if name not in names:
            names.append(name)
    return {wish: "、".join(names) for wish, names in found.items()}


# ------------------------------------------------------------------ the workbook

# (header, width in Excel's units, kind): text, wrap, money. They add up to a little
# more than A4 portrait holds at 100 %; the sheet is fitted to the page width.
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("序号", 5, "text"),
    ("心愿编号", 13, "text"),  # XY20250166 on one line
    ("县(区)", 12.5, "wrap"),  # 察北管理区 on one line
    ("物品（心愿内容）", 17, "wrap"),
    ("儿童", 7.5, "text"),
    ("心愿金额", 11, "money"),
    ("已捐物资", 12, "wrap"),
    ("物资折合", 10.5, "money"),
    ("需采购", 10.5, "money"),
)
LINE_POINTS = 16  # a printed line of 宋体 11 (as aid/payout_lists.py)
MARGINS = (0.4, 0.4, 0.55, 0.6)  # inches: left, right, top, bottom (the footer below)
NOTE = (
    "按物品汇总采购；已捐物资由捐赠人提供，只采购“需采购”部分。"
    "儿童姓名已隐去部分；送达后用 zjk-charity wishes deliver import 登记。"
)


def purchase_title(year: int, code: str) -> str:
    """The list's title, holding its batch code: ``2025年微心愿采购清单（WG2025-001）``."""
    return f"{year}年微心愿采购清单（{code}）"


def _columns() -> list[Column]:
    return [
        Column(
            header,
            width,
            text=kind == "text",
            num_format="#,##0.00" if kind == "money" else None,
            wrap=kind == "wrap",
        )
        for header, width, kind in COLUMNS
    ]


def _height(values: Sequence[Value], bold: bool = False) -> float:
    """Points for a row whose text cells wrap as :func:`widths.lines_needed` says."""
    lines = max(
        (
            lines_needed(str(v), width, bold=bold)
            for v, (_, width, _kind) in zip(values, COLUMNS, strict=True)
            if isinstance(v, str) and v
        ),
        default=1,
    )
    return lines * LINE_POINTS + 4


def _line_values(p: PurchaseLine) -> list[Value]:
    return [
        str(p.line),
        p.wish_id,
        p.county,
        p.item,
        mask_name(p.child),
        p.amount,
        p.goods_names,
        p.goods,
        p.to_buy,
    ]


def _sum_values(label: str, item: str, lines: Sequence[PurchaseLine]) -> list[Value]:
    return [
        "",
        label,
        "",
        item,
        f"{len(lines)} 个",
        sum((p.amount for p in lines), Decimal(0)),
        "",
        sum((p.goods for p in lines), Decimal(0)),
        sum((p.to_buy for p in lines), Decimal(0)),
    ]


def signature_line(signers: Signers | None) -> str:
    """Names from ``[signers]`` when set, else room to write them by hand."""
    s = signers or Signers()
    blank = "\u3000" * 5
    return (
        f"采购经办人：{s.handler or blank}\u3000\u3000审核人：{s.reviewer or blank}\u3000\u3000"
        "日期：\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"
    )


def write_purchase_list(
    target: Path,
    *,
    year: int,
    purchase: PurchaseList,
    signers: Signers | None = None,
    day: date | None = None,
    created: datetime | None = None,
) -> Path:
    """Write ``purchase`` to ``target`` (.xlsx, atomically): grouped by item, a 小计 row
    per item, a 合计 row, the note and a signature line. ``day`` (default today) is
    printed as the day the list was made; ``created`` fixes the file's time."""
    title = purchase_title(year, purchase.code)
    # One line that fits the page (a subtitle is one cell, not wrapped): the money is in
    # the 合计 row.
    subtitle = (
        f"共 {len(purchase.lines)} 个心愿、{len(purchase.groups())} 种物品\u3000金额单位：元"
        f"\u3000制表日期：{chinese_date(day or date.today())}"
    )
    spec = SheetSpec(
        "采购清单",
        _columns(),
        title=title,
        subtitle=subtitle,
        # The title and header rows repeat on every page; no page header to repeat them again.
        print_setup=PrintSetup(landscape=False, margins=MARGINS),
        autofilter=False,
        row_heights={2: _height([h for h, _, _ in COLUMNS], bold=True)},
    )
    with new_book(target, created=created) as book:
        out = book.sheet(spec)
        for item, group in purchase.groups():
            for p in group:
                _write(out, _line_values(p), "grid")
            _write(out, _sum_values("小计", item, group), "grid_bold")
        _write(out, _sum_values("合计", "", purchase.lines), "grid_bold")
        out.write([])
        out.write_banner(NOTE)
        out.write_banner(signature_line(signers), size=12)
    return target


def _write(out: SheetWriter, values: list[Value], style: str) -> None:
    out.write(values, style=style, height=_height(values, bold=style.endswith("bold")))
