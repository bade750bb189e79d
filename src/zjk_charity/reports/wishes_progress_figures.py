"""The 微心愿 report after the match: stages, payments, goods bought, deliveries, decisions.

Every figure comes from :class:`~zjk_charity.wishes.progress.Progress`, the read model
``wishes payments status``, the donors' letters and the receipts use, so the report
cannot disagree with them:

- **stages** (待认领 → 已认领 → 已支付 / 已采购 → 已送达): counts of wishes, overall and
  by 困境类别, by how the wish is fulfilled (实现方式: 资金 / 物资, the ``kind`` of
  ``wishes payments status``: 物资 for a 物资 wish and for a 资金 wish that received
  donated goods, ``WishPayout.in_kind``) and by county;
- **payments**: ``Progress.status()`` (payout.md's status of the fully funded wishes:
  paid, pending, failed, unpaid, purchasing, cash_pending always 0), with the invariant
  funded amount = the sum of the states, to the cent, overall and in each group; the
  batches (bank files WP…, 采购清单 WG…), their count and total; failure reasons;
- **goods purchased**: the wishes on a 采购清单, by item (心愿内容), count and amount;
- **deliveries**: how many wishes were delivered (and their amount), by month;
- **settlements and refunds**: what donors decided for designated balances and
  undesignated goods (转为通用, 转给心愿, 已退还), count and amount, those still waiting,
  and each decision (donation, donor, result, amount, date; never the note, which is
  free text).

Decision where the brief is silent: settlements are per donation, so they are not split
by category, type or county; a settlement to a wish is counted in that wish's stage.
Children appear only in counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store as payments_store
from zjk_charity.payments.model import yuan as decimal_yuan
from zjk_charity.payments.status import WISH_STATES, Status, Tally
from zjk_charity.wishes.amounts import Fen, to_decimal, yuan
from zjk_charity.wishes.columns import CASH, CATEGORY_NAMES, GOODS_KIND
from zjk_charity.wishes.progress import PURPOSE, Progress, Stage, WishPayout

# The stages as figure keys (manifest.json), in their order.
STAGE_KEYS: dict[Stage, str] = {
    Stage.PENDING: "pending",
    Stage.CLAIMED: "claimed",
    Stage.PAID: "paid",
    Stage.PURCHASED: "purchased",
    Stage.DELIVERED: "delivered",
}
# The payment states the report lists (cash_pending is always 0 for wishes; it stays in
# the figures so they equal ``wishes payments status``).
SHOWN_STATES = ("paid", "pending", "failed", "unpaid", "purchasing")
DECISIONS = ("general", "wish", "refund")

Grouping = Callable[[WishPayout], tuple[str, str]]  # (sort key, name)


def _by_category(p: WishPayout) -> tuple[str, str]:
    category = p.wish.category
    known = category in CATEGORY_NAMES
    return (f"{CATEGORY_NAMES.index(category):02d}" if known else "~", category)


def _by_kind(p: WishPayout) -> tuple[str, str]:
    """How the wish is fulfilled, as ``wishes payments status`` names it (one rule)."""
    return ("1", GOODS_KIND) if p.in_kind else ("0", CASH)


def _by_county(p: WishPayout) -> tuple[str, str]:
    return (p.wish.county_code, p.wish.county)


GROUPINGS: dict[str, Grouping] = {
    "category": _by_category,
    "kind": _by_kind,
    "county": _by_county,
}


def _tally(t: Tally) -> dict[str, Any]:
    return {"count": t.count, "amount": decimal_yuan(t.amount)}


def _stages(progress: Progress) -> dict[str, Any]:
    """Stage counts, overall and per group (every stage listed, groups in order)."""
    overall = {STAGE_KEYS[s]: n for s, n in progress.stages().items()}
    by: dict[str, list[dict[str, Any]]] = {}
    for name, key_of in GROUPINGS.items():
        groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for p in progress.payouts.values():
            groups[key_of(p)][STAGE_KEYS[p.stage]] += 1
        by[name] = [
            {
                "name": label,
                "wishes": sum(counts.values()),
                **{k: counts.get(k, 0) for k in STAGE_KEYS.values()},
            }
            for (_, label), counts in sorted(groups.items())
        ]
    return {**overall, "wishes": len(progress.payouts), "by": by}


def _payments_by(progress: Progress, status: Status) -> dict[str, list[dict[str, Any]]]:
    """Per group, the funded wishes and their money in each payment state."""
    lines = {line.key: line for line in status.lines}
    by: dict[str, list[dict[str, Any]]] = {}
    for name, key_of in GROUPINGS.items():
        groups: dict[tuple[str, str], dict[str, Tally]] = defaultdict(
            lambda: {s: Tally() for s in ("funded", *WISH_STATES)}
        )
        for p in progress.payouts.values():
            line = lines.get(p.wish.wish_id)
            if line is None:
                continue
            group = groups[key_of(p)]
            group["funded"].add(line.amount)
            group[line.state].add(line.amount)
        by[name] = [
            {"name": label, **{k: _tally(t) for k, t in tallies.items()}}
            for (_, label), tallies in sorted(groups.items())
        ]
    return by


def _batches(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "code": b.code,
            "method": b.method,
            "retry": b.retry,
            "files": [Path(str(f.get("path", ""))).name for f in b.files],
            "count": b.count,
            "amount": decimal_yuan(b.amount),
            "date": b.created[:10],
        }
        for b in payments_store.batches(conn, PURPOSE, None)
    ]


def _batch_totals(batches: list[dict[str, Any]], method: str) -> dict[str, Any]:
    chosen = [b for b in batches if b["method"] == method]
    return {
        "batches": len(chosen),
        "count": sum(b["count"] for b in chosen),
        "amount": decimal_yuan(sum((Decimal(b["amount"]) for b in chosen), Decimal(0))),
    }


def _failure_reasons(progress: Progress, status: Status) -> list[dict[str, Any]]:
    """Per reason: the bank's failed instructions, and the wishes still failed for it."""
    ever = Counter(i.reason or "未注明" for i in progress.instructions if i.state == "failed")
    now = Counter(line.reason or "未注明" for line in status.lines if line.state == "failed")
    return [
        {"reason": reason, "instructions": n, "wishes_still_failed": now.get(reason, 0)}
        for reason, n in sorted(ever.items(), key=lambda item: (-item[1], item[0]))
    ]


def _payments(conn: Connection, progress: Progress) -> dict[str, Any]:
    status = progress.status()
    batches = _batches(conn)
    return {
        "started": bool(batches),
        "funded": len(status.funded),
        "amount": decimal_yuan(status.amount),
        **{state: _tally(status.tallies[state]) for state in WISH_STATES},
        "double_paid": _tally(status.double_paid),
        "balanced": status.balanced(),
        "bank": _batch_totals(batches, "bank"),
        "purchase": _batch_totals(batches, "purchase"),
        "batches": batches,
        "by": _payments_by(progress, status),
        "failure_reasons": _failure_reasons(progress, status),
    }


def _goods(progress: Progress) -> list[dict[str, Any]]:
    """The wishes bought on a 采购清单 (still 已采购, or delivered since), by item."""
    items: dict[str, list[Fen]] = defaultdict(list)
    for p in progress.payouts.values():
        if p.funded and p.payment == "purchasing":
            items[p.wish.content].append(p.wish.amount)
    return [
        {"item": item, "wishes": len(amounts), "amount": yuan(sum(amounts))}
        for item, amounts in sorted(items.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def _deliveries(progress: Progress) -> dict[str, Any]:
    delivered = [p for p in progress.payouts.values() if p.stage is Stage.DELIVERED]
    months: Counter[str] = Counter()
    for p in delivered:
        assert p.delivery is not None
        months[p.delivery.delivered_on.strftime("%Y-%m")] += 1
    return {
        "count": len(delivered),
        "amount": yuan(sum(p.wish.amount for p in delivered)),
        "in_kind": sum(1 for p in delivered if p.in_kind),
        "by_month": dict(sorted(months.items())),
    }


def _settlements(progress: Progress) -> dict[str, Any]:
    accounts = progress.accounts
    donors = {d.donation_id: d.donor for d in accounts.donations}
    tallies = {t: Tally() for t in DECISIONS}
    for s in accounts.settlements:
        tallies[s.target].add(to_decimal(s.amount))
    waiting = Tally()
    for d in accounts.designated_balances() + accounts.goods_aside():
        waiting.add(to_decimal(accounts.balance(d)))
    return {
        **{t: _tally(tallies[t]) for t in DECISIONS},
        "waiting": _tally(waiting),
        "list": [
            {
                "donation": s.donation_id,
                "donor": donors.get(s.donation_id, ""),
                "decision": s.target,
                "wish": s.wish_id,
                "amount": yuan(s.amount),
                "date": s.at[:10],
            }
            for s in accounts.settlements
        ],
    }


def progress_figures(conn: Connection, progress: Progress) -> dict[str, Any]:
    """The report's figures after the match (see the module docstring)."""
    return {
        "stages": _stages(progress),
        "payments": _payments(conn, progress),
        "goods": _goods(progress),
        "deliveries": _deliveries(progress),
        "settlements": _settlements(progress),
    }


# ---- the report's XLSX sheets ------------------------------------------------------------
GROUP_ZH = {"category": "困境类别", "kind": "实现方式", "county": "县(区)"}
STAGE_ZH = {key: stage.value for stage, key in STAGE_KEYS.items()}
STATE_ZH = {
    "funded": "筹满",
    "paid": "已支付",
    "pending": "待回盘",
    "failed": "付款失败",
    "unpaid": "未付款",
    "purchasing": "已列入采购清单",
}
METHOD_ZH = {"bank": "银行代发", "purchase": "采购清单", "cash": "现金"}
DECISION_ZH = {"general": "转为通用", "wish": "转给心愿", "refund": "已退还"}


def method_text(batch: dict[str, Any]) -> str:
    """How a batch pays, as the report names it (银行代发（重发）for a retry)."""
    text = METHOD_ZH.get(batch["method"], batch["method"])
    return f"{text}（重发）" if batch["method"] == "bank" and batch["retry"] else text


def decision_text(settlement: dict[str, Any]) -> str:
    """A settlement's result as the report prints it: 转为通用, 转给心愿 W0006, 已退还."""
    text = DECISION_ZH[settlement["decision"]]
    return f"{text} {settlement['wish']}" if settlement["decision"] == "wish" else text


def progress_tables(f: dict[str, Any]) -> list[tuple[str, list[Any], list[list[Any]]]]:
    """The sheets of the figures after the match: 心愿进展, 付款状态, 付款批次, 采购物品,
    余额处理 (children only as counts)."""
    from zjk_charity.workbook.writer import Column

    stages: list[list[Any]] = [
        [GROUP_ZH[g], row["name"], row["wishes"], *(row[k] for k in STAGE_KEYS.values())]
        for g in GROUPINGS
        for row in f["stages"]["by"][g]
    ]
    states = ("funded", *SHOWN_STATES)
    payments: list[list[Any]] = [
        [
            GROUP_ZH[g],
            row["name"],
            *(v for s in states for v in (row[s]["count"], Decimal(row[s]["amount"]))),
        ]
        for g in GROUPINGS
        for row in f["payments"]["by"][g]
    ]
    batches: list[list[Any]] = [
        [
            b["code"],
            method_text(b),
            b["count"],
            Decimal(b["amount"]),
            b["date"],
            "、".join(b["files"]),
        ]
        for b in f["payments"]["batches"]
    ]
    goods: list[list[Any]] = [[g["item"], g["wishes"], Decimal(g["amount"])] for g in f["goods"]]
    decided: list[list[Any]] = [
        [
            s["donation"],
            s["donor"],
            DECISION_ZH[s["decision"]],
            s["wish"] or "",
            Decimal(s["amount"]),
            s["date"],
        ]
        for s in f["settlements"]["list"]
    ]
    return [
        (
            "心愿进展",
            [Column("分组", 10), Column("名称", 18), Column("心愿", 8)]
            + [Column(STAGE_ZH[k], 8) for k in STAGE_KEYS.values()],
            stages,
        ),
        (
            "付款状态",
            [Column("分组", 10), Column("名称", 18)]
            + [Column(f"{STATE_ZH[s]}（{unit}）", 12) for s in states for unit in ("个", "元")],
            payments,
        ),
        (
            "付款批次",
            [
                Column("批次", 12),
                Column("方式", 14),
                Column("笔数", 8),
                Column("金额", 14),
                Column("日期", 12),
                Column("文件", 40),
            ],
            batches,
        ),
        ("采购物品", [Column("物品", 28), Column("心愿数", 8), Column("金额", 14)], goods),
        (
            "余额处理",
            [
                Column("捐赠编号", 14),
                Column("捐赠人", 20),
                Column("结果", 10),
                Column("心愿编号", 12),
                Column("金额", 14),
                Column("日期", 12),
            ],
            decided,
        ),
    ]
