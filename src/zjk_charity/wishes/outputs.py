"""The ``wishes match`` workbook: 匹配明细, 心愿状态, 捐赠去向, 捐赠人回执, 汇总.

Children appear only de-identified (张*、张*三, no ID, no account) on every sheet, because
the workbook goes to donors as well as staff. Anonymous donors are one donor, 匿名. Money
is written as numbers with two decimals; 编号 columns are text so ``0012`` stays ``0012``.

What donors decided (``donations settle``) shows on the sheets it touches: the 汇总 adds
up (捐赠总额 = 已匹配 + 余额 + 已退还); the 捐赠去向 lists each gift's 已退还 and says in its
余额说明 what was decided, with the designation as imported (a ``--to general`` release
takes it off for the matcher only); a match a donor's decision made (``--to wish:W``) is
marked 捐赠人改定 in the 匹配明细. Settlement notes are never written: they are free text.

The 捐赠人回执 shows each wish's stage after the match from
:class:`~zjk_charity.wishes.progress.Progress` (待认领, 已认领, 已支付, 已采购, or 已送达
with its date), and each donor's balance net of refunds, with a row per refund: a gift's
rows add up to its amount (matched + balance + refunded).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from zjk_charity.ids import mask_name
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import Fen, to_decimal, yuan_grouped
from zjk_charity.wishes.model import BASIS_ZH, Donation, Wish, WishStatus
from zjk_charity.wishes.progress import Progress, Stage
from zjk_charity.wishes.store import MatchRecord, Settlement
from zjk_charity.workbook.writer import (
    Book,
    Column,
    PrintSetup,
    SheetSpec,
    SheetWriter,
    banner_height,
    new_book,
)

STATUS_STYLE = {WishStatus.FULFILLED: "ok", WishStatus.PARTIAL: "warning"}


def write_match_book(
    accounts: Accounts,
    target: Path,
    run_id: int | None = None,
    year: int | None = None,
    progress: Progress | None = None,
    inputs: Sequence[Path] = (),
) -> Path:
    """Write the workbook atomically; ``run_id`` marks this run's matches in the summary.
    ``inputs``: the wishes and donations files just read, which ``target`` may not be.

    ``year``, the campaign year, heads the titles and the printed page headers
    ("2025年微心愿汇总"), so a printed page says which campaign it belongs to.
    ``progress`` (the payments and deliveries of these accounts) gives the receipts'
    stages; without it a wish is 已认领 once funded (nothing paid or delivered known).
    """
    named = f"{year}年" if year is not None else ""
    stages = progress if progress is not None else Progress.build(accounts, [], {})
    with new_book(target, inputs=inputs) as book:
        _matches(book, accounts, run_id, named)
        _wishes(book, accounts, named)
        _donations(book, accounts, named)
        _receipts(book, stages, named)
        _summary(book, accounts, run_id, named)
    return target


def _money(fen: Fen) -> Decimal:
    return to_decimal(fen)


def _child(wish: Wish | None) -> str:
    return mask_name(wish.child_name) if wish else ""


def _height(text: str, width: float) -> float | None:
    """A row's height when ``text`` wraps in a column ``width`` wide (None: one line)."""
    one_line = banner_height("", width)
    needed = banner_height(text, width)
    return needed if needed > one_line else None


def _settled_matches(accounts: Accounts) -> dict[tuple[int, str, str], Settlement]:
    """The matches a donor's decision made (``--to wish:W``), by (run, donation, wish)."""
    return {
        (s.run_id, s.donation_id, s.wish_id): s
        for s in accounts.settlements
        if s.target == "wish" and s.wish_id is not None
    }


def _matches(book: Book, accounts: Accounts, run_id: int | None, named: str) -> None:
    sheet = book.sheet(
        SheetSpec(
            "匹配明细",
            [
                Column("序号", 6),
                Column("匹配批次", 9),
                Column("捐赠编号", 12, text=True),
                Column("捐赠人", 18),
                Column("到账日期", 12),
                Column("心愿编号", 12, text=True),
                Column("县(区)", 10),
                Column("儿童", 9),
                Column("心愿内容", 28),
                Column("金额", 12),
                Column("依据", 10),
                Column("说明", 22),
            ],
            subtitle=None if run_id is None else f"绿色底纹为本次匹配（批次 {run_id}）",
            print_setup=PrintSetup(title=f"{named}微心愿匹配明细"),
        )
    )
    wishes, donations = accounts.wish_by_id, accounts.donation_by_id
    settled = _settled_matches(accounts)
    for n, record in enumerate(accounts.matches, start=1):
        m = record.match
        wish, donation = wishes.get(m.wish_id), donations.get(m.donation_id)
        decided = settled.get((record.run_id, m.donation_id, m.wish_id))
        sheet.write(
            [
                n,
                record.run_id,
                m.donation_id,
                donation.donor if donation else "",
                donation.received if donation else None,
                m.wish_id,
                wish.county if wish else "",
                _child(wish),
                wish.content if wish else "",
                _money(m.amount),
                BASIS_ZH[m.basis],
                f"捐赠人改定 {decided.at[:10]}".strip() if decided else "",
            ],
            style="ok" if run_id is not None and record.run_id == run_id else None,
        )


def _designated_left(accounts: Accounts) -> dict[str, Fen]:
    left: dict[str, Fen] = defaultdict(int)
    for d in accounts.designated_balances():
        if d.wish_id is not None:
            left[d.wish_id] += accounts.balance(d)
    return left


def _wishes(book: Book, accounts: Accounts, named: str) -> None:
    sheet = book.sheet(
        SheetSpec(
            "心愿状态",
            [
                Column("心愿编号", 12, text=True),
                Column("县(区)", 10),
                Column("儿童", 9),
                Column("困境类别", 16),
                Column("心愿类型", 8),
                Column("心愿内容", 28),
                Column("登记日期", 12),
                Column("金额", 12),
                Column("已筹", 12),
                Column("尚缺", 12),
                Column("状态", 8),
                Column("定向余额", 12),
            ],
            print_setup=PrintSetup(title=f"{named}微心愿状态"),
        )
    )
    left = _designated_left(accounts)
    for w in accounts.wishes:
        status = accounts.status(w)
        sheet.write(
            [
                w.wish_id,
                w.county,
                _child(w),
                w.category,
                w.kind,
                w.content,
                w.registered,
                _money(w.amount),
                _money(accounts.raised.get(w.wish_id, 0)),
                _money(accounts.short(w)),
                status.value,
                _money(left[w.wish_id]) if left.get(w.wish_id) else None,
            ],
            cell_styles={10: STATUS_STYLE[status]} if status in STATUS_STYLE else None,
        )


def restriction_text(donation: Donation) -> str:
    """定向类别 and 定向县区 as one phrase: 孤儿·蔚县, or 不限."""
    parts = [p for p in (donation.category, donation.county) if p]
    return "·".join(parts) or "不限"


def balance_note(accounts: Accounts, donation: Donation) -> str:
    """Why a donation still has money, in words a donor understands."""
    if accounts.balance(donation) <= 0:
        return ""
    if donation.designated:
        return "定向余额：所定向的心愿已筹满，待与捐赠人商定去向"
    if donation.set_aside:
        return "未定向物资：单独保管，待人工安排"
    before = accounts.imported.get(donation.donation_id)
    if before is not None:
        return f"待匹配（捐赠人同意转为非定向，原定向 {before.wish_id}）"
    return _pool_note(donation)


def _pool_note(donation: Donation) -> str:
    return f"待匹配（限定：{restriction_text(donation)}）"


def decision_note(accounts: Accounts, donation: Donation, settlement: Settlement) -> str:
    """What a donor decided for a gift, from the facts (never the settlement's free note)."""
    if settlement.target == "general":
        before = accounts.as_imported(donation).wish_id
        return f"捐赠人同意转为非定向（原定向 {before}）" if before else "捐赠人同意转为非定向"
    if settlement.target == "wish":
        return f"捐赠人改定 {yuan_grouped(settlement.amount)} 元给心愿 {settlement.wish_id}"
    return "已退还捐赠人" if donation.is_cash else "物资已退还捐赠人"


def donation_note(accounts: Accounts, donation: Donation, settlements: list[Settlement]) -> str:
    """The 捐赠去向's 余额说明: what the donor decided (``settlements``: this gift's), then
    why money is still left."""
    parts = [decision_note(accounts, donation, s) for s in settlements]
    left = balance_note(accounts, donation)
    if parts and donation.donation_id in accounts.imported and left:
        left = _pool_note(donation)  # the release is said once
    parts.append(left)
    return "；".join(p for p in parts if p)


NOTE_HEADER, NOTE_WIDTH = "余额说明", 40


def _donations(book: Book, accounts: Accounts, named: str) -> None:
    sheet = book.sheet(
        SheetSpec(
            "捐赠去向",
            [
                Column("捐赠编号", 12, text=True),
                Column("捐赠人", 18),
                Column("捐赠类型", 8),
                Column("物资名称", 14),
                Column("定向心愿", 12, text=True),
                Column("定向类别", 16),
                Column("定向县区", 10),
                Column("到账日期", 12),
                Column("金额", 12),
                Column("已匹配", 12),
                Column("已退还", 12),
                Column("余额", 12),
                Column(NOTE_HEADER, NOTE_WIDTH, wrap=True),
            ],
            subtitle="金额 = 已匹配 + 已退还 + 余额；定向心愿、类别、县区为捐赠时所填",
            print_setup=PrintSetup(title=f"{named}微心愿捐赠去向"),
        )
    )
    settled: dict[str, list[Settlement]] = defaultdict(list)
    for s in accounts.settlements:
        settled[s.donation_id].append(s)
    for d in accounts.donations:
        given = accounts.as_imported(d)  # the designation as imported
        note = donation_note(accounts, d, settled.get(d.donation_id, []))
        sheet.write(
            [
                d.donation_id,
                d.donor,
                d.kind,
                d.goods,
                given.wish_id or "",
                given.category or "",
                given.county or "",
                d.received,
                _money(d.amount),
                _money(accounts.given.get(d.donation_id, 0)),
                _money(accounts.refunded.get(d.donation_id, 0)),
                _money(accounts.balance(d)),
                note,
            ],
            height=_height(note, NOTE_WIDTH),
        )


def donor_blocks(accounts: Accounts) -> dict[str, list[Donation]]:
    """Donations by donor, donors in the order of their first gift; 匿名 is one donor."""
    blocks: dict[str, list[Donation]] = {}
    for d in accounts.donations:
        blocks.setdefault(d.donor, []).append(d)
    return blocks


def stage_text(progress: Progress, wish_id: str) -> str:
    """A wish's stage as the receipts show it: 已送达 2025-11-02 carries its date."""
    payout = progress.payouts.get(wish_id)
    if payout is None:
        return ""
    if payout.stage is Stage.DELIVERED and payout.delivery is not None:
        return f"{payout.stage.value} {payout.delivery.delivered_on.isoformat()}"
    return payout.stage.value


RECEIPT_TEXT_WIDTH = 28


def _receipts(book: Book, progress: Progress, named: str) -> None:
    accounts = progress.accounts
    sheet = book.sheet(
        SheetSpec(
            "捐赠人回执",
            [
                Column("捐赠编号", 12, text=True),
                Column("到账日期", 12),
                Column("捐赠金额", 12),
                Column("心愿编号", 12, text=True),
                Column("儿童", 9),
                Column("县(区)", 10),
                Column("心愿内容", RECEIPT_TEXT_WIDTH, wrap=True),
                Column("用于该心愿", 12),
                Column("心愿状态", 17),
            ],
            title=f"{named}微心愿捐赠回执",
            subtitle="感谢您的爱心！下表列出您每一笔捐赠帮助了哪些孩子（儿童姓名已脱敏）。",
            print_setup=PrintSetup(
                landscape=False, repeat_header=True, title=f"{named}微心愿捐赠回执"
            ),
            autofilter=False,
        )
    )
    by_donation: dict[str, list[MatchRecord]] = defaultdict(list)
    for record in accounts.matches:
        by_donation[record.match.donation_id].append(record)
    for donor, gifts in donor_blocks(accounts).items():
        sheet.write([_receipt_heading(accounts, donor, gifts, by_donation)], style="bold")
        for d in gifts:
            _receipt_rows(sheet, progress, d, by_donation[d.donation_id])
        sheet.write([])


def _receipt_heading(
    accounts: Accounts, donor: str, gifts: list[Donation], by_donation: dict[str, list[MatchRecord]]
) -> str:
    total = sum(d.amount for d in gifts)
    used = sum(accounts.given.get(d.donation_id, 0) for d in gifts)
    refunded = sum(accounts.refunded.get(d.donation_id, 0) for d in gifts)
    left = sum(accounts.balance(d) for d in gifts)  # net of refunds
    wishes = {r.match.wish_id for d in gifts for r in by_donation[d.donation_id]}
    back = f"已退还 {yuan_grouped(refunded)} 元；" if refunded else ""
    return (
        f"捐赠人：{donor}　共 {len(gifts)} 笔，{yuan_grouped(total)} 元；"
        f"已用于 {len(wishes)} 个心愿 {yuan_grouped(used)} 元；{back}"
        f"余额 {yuan_grouped(left)} 元"
    )


def _receipt_rows(
    sheet: SheetWriter,
    progress: Progress,
    donation: Donation,
    records: list[MatchRecord],
) -> None:
    accounts = progress.accounts
    head: list[str | date | Decimal | None] = [
        donation.donation_id,
        donation.received,
        _money(donation.amount),
    ]
    for record in records:
        payout = progress.payouts.get(record.match.wish_id)
        wish = payout.wish if payout else None
        content = wish.content if wish else ""
        sheet.write(
            [
                *head,
                record.match.wish_id,
                _child(wish),
                wish.county if wish else "",
                content,
                _money(record.match.amount),
                stage_text(progress, record.match.wish_id),
            ],
            height=_height(content, RECEIPT_TEXT_WIDTH),
        )
        head = ["", None, None]
    refunded = accounts.refunded.get(donation.donation_id, 0)
    if refunded:
        sheet.write([*head, "", "", "", "已退还捐赠人", _money(refunded), "已退还"])
        head = ["", None, None]
    note = balance_note(accounts, donation)
    if note:
        sheet.write(
            [*head, "", "", "", note, _money(accounts.balance(donation)), "余额"],
            height=_height(note, RECEIPT_TEXT_WIDTH),
        )


def _summary(book: Book, accounts: Accounts, run_id: int | None, named: str) -> None:
    sheet = book.sheet(
        SheetSpec(
            "汇总",
            [Column("项目", 34), Column("金额（元）", 16), Column("数量", 10)],
            title=f"{named}微心愿汇总",
            subtitle="捐赠总额 = 已匹配到心愿 + 已退还捐赠人 + 余额",
            print_setup=PrintSetup(landscape=False, title=f"{named}微心愿汇总"),
            autofilter=False,
        )
    )
    t = accounts.totals()
    designated = sum(accounts.balance(d) for d in accounts.designated_balances())
    aside = sum(accounts.balance(d) for d in accounts.goods_aside())
    pools = accounts.pool_balances()
    this_run = [r for r in accounts.matches if run_id is not None and r.run_id == run_id]
    refunds = sum(1 for s in accounts.settlements if s.target == "refund")
    rows: list[tuple[str, Decimal | None, int | None]] = [
        ("捐赠总额（资金及物资折合）", Decimal(t["donations_total"]), len(accounts.donations)),
        ("　其中资金", Decimal(t["cash_total"]), None),
        ("　其中物资（折合金额）", Decimal(t["goods_total"]), None),
        ("已匹配到心愿", Decimal(t["matched"]), len(accounts.matches)),
        ("已退还捐赠人", Decimal(t["refunded"]), refunds),
        ("余额", Decimal(t["balance"]), None),
        ("　其中定向余额（待与捐赠人商定）", _money(designated), None),
        ("　其中未定向物资（单独保管）", _money(aside), None),
        ("　其中待匹配资金", _money(sum(p.amount for p in pools)), None),
        ("心愿总数", None, t["wishes"]),
        ("　已实现", None, t["fulfilled"]),
        ("　部分筹得", None, t["partial"]),
        ("　待认领", None, t["pending"]),
        ("受助儿童（心愿已实现）", None, t["children_helped"]),
    ]
    if run_id is not None:
        rows.append(("本次匹配", _money(sum(r.match.amount for r in this_run)), len(this_run)))
    for label, amount, count in rows:
        sheet.write([label, amount, count])
    if pools:
        sheet.write([])
        sheet.write(["待匹配资金（按限定条件）", "金额（元）", "笔数"], style="bold")
        for p in pools:
            label = "·".join(x for x in (p.category, p.county) if x) or "不限"
            sheet.write(
                [f"{label}（可用于 {p.open_wishes} 个未实现心愿）", _money(p.amount), p.donations]
            )
