"""The 微心愿 report: money and goods received, donors, matches, wishes and children, and
what happened after the match (stages, payments, goods bought, deliveries, decisions).

The platform runs all year round, so the report covers everything in the ledger on the
day it is made (wishes registered, gifts received, matches, payments, deliveries and
settlements up to then); the year names the report. Figures come from
:class:`~zjk_charity.wishes.accounts.Accounts`, the same reconciliation ``wishes match``
and ``wishes status`` show: received = matched + designated balances + goods aside + pool
balances + refunded, to the fen; the figures after the match come from
:class:`~zjk_charity.wishes.progress.Progress` (``reports/wishes_progress_figures.py``), as
``wishes payments status`` and the donors' letters do. Donors are listed by name with
anonymous gifts grouped as 匿名; children appear only as counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.config import Workspace
from zjk_charity.errors import UserError
from zjk_charity.ledger.db import Connection
from zjk_charity.reports import store
from zjk_charity.reports.campaign import Content
from zjk_charity.reports.charts import bar_chart, column_chart
from zjk_charity.reports.provenance import runs_and_inputs
from zjk_charity.reports.render import write_xlsx
from zjk_charity.reports.wishes_progress_figures import (
    SHOWN_STATES,
    STAGE_KEYS,
    STAGE_ZH,
    STATE_ZH,
    decision_text,
    method_text,
    progress_figures,
    progress_tables,
)
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import yuan
from zjk_charity.wishes.model import WishStatus
from zjk_charity.wishes.progress import Progress
from zjk_charity.workbook.writer import Column, Value

STATUS_ZH = {
    WishStatus.FULFILLED: "已实现",
    WishStatus.PARTIAL: "部分筹集",
    WishStatus.PENDING: "待认领",
}
# The runs a 微心愿 report rests on (its provenance): imports, matches, and everything after.
COMMANDS = (
    "wishes import",
    "donations import",
    "wishes match",
    "wishes pay",
    "wishes payments import",
    "wishes accounts update",
    "wishes deliver import",
    "donations settle",
    "wishes letters",
)


def _figures(accounts: Accounts, year: int) -> dict[str, Any]:
    totals = accounts.totals()
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    by_county: dict[str, dict[str, Any]] = {}
    helped_by_county: dict[str, set[str]] = defaultdict(set)
    for wish in accounts.wishes:
        status = accounts.status(wish)
        by_category[wish.category][status.name.lower()] += 1
        line = by_county.setdefault(
            wish.county_code,
            {
                "county": wish.county,
                "code": wish.county_code,
                "wishes": 0,
                "fulfilled": 0,
                "raised": 0,
            },
        )
        line["wishes"] += 1
        line["raised"] += accounts.raised.get(wish.wish_id, 0)
        if status is WishStatus.FULFILLED:
            line["fulfilled"] += 1
            helped_by_county[wish.county_code].add(wish.id_number)
    donors: dict[str, dict[str, Any]] = {}
    for d in accounts.donations:
        entry = donors.setdefault(d.donor, {"donor": d.donor, "gifts": 0, "amount": 0})
        entry["gifts"] += 1
        entry["amount"] += d.amount
    received: Counter[str] = Counter()
    for d in accounts.donations:
        received[d.received.strftime("%Y-%m")] += d.amount
    designated = sum(accounts.balance(d) for d in accounts.designated_balances())
    goods_aside = sum(accounts.balance(d) for d in accounts.goods_aside())
    pools = sum(p.amount for p in accounts.pool_balances())
    return {
        "programme": "微心愿",
        "year": year,
        **totals,
        "donors": len(donors),
        "anonymous_gifts": donors.get("匿名", {}).get("gifts", 0),
        "balances": {
            "designated": yuan(designated),
            "goods_aside": yuan(goods_aside),
            "pool": yuan(pools),
        },
        "by_category": {
            cat: {s.name.lower(): counts.get(s.name.lower(), 0) for s in WishStatus}
            for cat, counts in sorted(by_category.items())
        },
        "counties": [
            {**line, "raised": yuan(line["raised"]), "children_helped": len(helped_by_county[code])}
            for code, line in sorted(by_county.items())
        ],
        "donor_totals": [
            {"donor": e["donor"], "gifts": e["gifts"], "amount": yuan(e["amount"])}
            for e in sorted(donors.values(), key=lambda e: (-e["amount"], e["donor"]))
        ],
        "received_by_month": {month: yuan(fen) for month, fen in sorted(received.items())},
    }


def _runs(conn: Connection) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    return runs_and_inputs(conn, store.runs_of_commands(conn, COMMANDS))


def _charts(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "categories": bar_chart(
            "各类别心愿数", [(c, sum(v.values())) for c, v in f["by_category"].items()], " 个"
        ),
        "counties": bar_chart(
            "各县（区）已实现心愿", [(c["county"], c["fulfilled"]) for c in f["counties"]], " 个"
        ),
        "months": column_chart(
            "每月收到的捐赠（元）",
            [(m[2:], Decimal(v)) for m, v in f["received_by_month"].items()],
        ),
    }


def _tables(f: dict[str, Any]) -> list[tuple[str, list[Column], list[list[Value]]]]:
    money = Decimal
    summary: list[list[Value]] = [
        ["捐赠合计（元）", money(f["donations_total"])],
        ["其中资金（元）", money(f["cash_total"])],
        ["其中物资折合（元）", money(f["goods_total"])],
        ["已匹配（元）", money(f["matched"])],
        ["余额（元）", money(f["balance"])],
        ["其中定向余额（元）", money(f["balances"]["designated"])],
        ["其中未定向物资（元）", money(f["balances"]["goods_aside"])],
        ["其中待匹配资金（元）", money(f["balances"]["pool"])],
        ["捐赠人数（匿名合并）", f["donors"]],
        ["心愿数", f["wishes"]],
        ["已实现", f["fulfilled"]],
        ["部分筹集", f["partial"]],
        ["待认领", f["pending"]],
        ["受助儿童", f["children_helped"]],
        ["已退还捐赠人（元）", money(f["refunded"])],
        *_progress_summary(f),
    ]
    categories: list[list[Value]] = [
        [cat, v["fulfilled"], v["partial"], v["pending"]] for cat, v in f["by_category"].items()
    ]
    counties: list[list[Value]] = [
        [c["county"], c["wishes"], c["fulfilled"], money(c["raised"]), c["children_helped"]]
        for c in f["counties"]
    ]
    donors: list[list[Value]] = [
        [d["donor"], d["gifts"], money(d["amount"])] for d in f["donor_totals"]
    ]
    months: list[list[Value]] = [[m, money(v)] for m, v in f["received_by_month"].items()]
    return [
        ("概况", [Column("项目", 40), Column("数值", 16)], summary),
        ("类别", [Column(h, 12) for h in ("困境类别", "已实现", "部分筹集", "待认领")], categories),
        (
            "分县",
            [Column(h, 12) for h in ("县(区)", "心愿数", "已实现", "已筹集", "受助儿童")],
            counties,
        ),
        ("捐赠人", [Column("捐赠人", 24), Column("笔数", 8), Column("金额", 14)], donors),
        ("按月", [Column("月份", 10), Column("收到捐赠", 14)], months),
        *progress_tables(f),
    ]


def _progress_summary(f: dict[str, Any]) -> list[list[Value]]:
    """The 概况 rows after the match: stages, payment states, batches, decisions."""
    p, s = f["payments"], f["settlements"]
    rows: list[list[Value]] = [
        [f"心愿进展：{STAGE_ZH[k]}", f["stages"][k]] for k in STAGE_KEYS.values()
    ]
    rows.append(["筹满待付的心愿（元）", Decimal(p["amount"])])
    rows += [[f"其中{STATE_ZH[k]}（元）", Decimal(p[k]["amount"])] for k in SHOWN_STATES]
    rows += [
        ["银行代发批次", p["bank"]["batches"]],
        ["银行代发金额（元）", Decimal(p["bank"]["amount"])],
        ["采购清单", p["purchase"]["batches"]],
        ["采购金额（元）", Decimal(p["purchase"]["amount"])],
        ["已送达心愿", f["deliveries"]["count"]],
        ["定向余额转为通用（元）", Decimal(s["general"]["amount"])],
        ["定向余额与未定向物资转给其他心愿（元）", Decimal(s["wish"]["amount"])],
        ["定向余额与未定向物资已退还（元）", Decimal(s["refund"]["amount"])],
        ["定向余额与未定向物资待商定（元）", Decimal(s["waiting"]["amount"])],
    ]
    return rows


def wishes_content(ws: Workspace, year: int) -> Content:
    ledger = ws.ledger()
    with ledger.read() as conn:
        progress = Progress.load(conn)
        accounts = progress.accounts
        if conn is None or not (accounts.wishes or accounts.donations):
            raise UserError(
                "台账中还没有微心愿数据；请先运行 zjk-charity wishes import 和 donations import",
                "no 微心愿 data in the ledger yet; import wishes and donations first",
            )
        runs, inputs = _runs(conn)
        after = progress_figures(conn, progress)
    f = {**_figures(accounts, year), **after}
    title = f"{year}年困境儿童“微心愿”活动报告"

    def xlsx(target: Path) -> None:
        write_xlsx(target, title, _tables(f))

    return Content(
        kind="wishes",
        year=year,
        title=title,
        template="wishes.html.j2",
        pdf_template="wishes.typ",
        figures=f,
        context={
            "subtitle": "张家口市慈善总会 · 截至报告生成之日的全部心愿、捐赠、匹配、付款与送达",
            "charts": _charts(f),
            "money": lambda v: f"{Decimal(v):,.2f}",
            "batch_kind": method_text,
            "decision_text": decision_text,
        },
        runs=runs,
        inputs=inputs,
        parameters={
            "year": year,
            "scope": "all wishes, donations, matches, payments, deliveries and settlements "
            "in the ledger",
        },
        write_xlsx=xlsx,
    )
