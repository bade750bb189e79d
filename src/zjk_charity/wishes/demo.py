"""The 微心愿 part of ``zjk-charity demo``: import the sample wishes and two donation
batches, and match in two rounds, writing one workbook per round; then (issue 18) what
follows the match, as the README guide tells it: a donor lets a designated balance go and
a third round uses it; the funded wishes are paid (a bank batch and a 采购清单); the
bank's result has one failure, the account is corrected and paid again, the wish that had
no 收款账号 gets one and is paid; deliveries are recorded; and every donor gets a letter.

Returns the lines the demo prints and the files it wrote; the demo module decides where
they go. The sample files are those written by ``scripts/make_sample_data.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from zjk_charity.config import Settings
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.wishes.amounts import setting_fen, yuan_grouped
from zjk_charity.wishes.importing import ImportResult, import_donations, import_wishes
from zjk_charity.wishes.match_run import MatchResult, run_match
from zjk_charity.wishes.outputs import write_match_book

WISH_FILE = "心愿登记.xlsx"
DONATION_FILES = ("捐赠_第1批.xlsx", "捐赠_第2批.xlsx")
# After the match (scripts/make_wish_payout_samples.py writes these files).
SETTLED = "JZ202500341"  # 1,000 yuan for a 300-yuan wish: its donor lets the 700 go
SETTLE_NOTE = "2025年10月10日电话联系捐赠方，同意余额700元转入通用，用于其他心愿"
SETTLED_AT = datetime(2025, 10, 10, 15, 30)  # when the donor agreed (the story's day)
FIRST_RESULTS = "微心愿回盘-WP2025-001.xlsx"
ACCOUNTS_FILE = "微心愿账号更正.xlsx"
LATER_RESULTS = "微心愿回盘-第2次.csv"
DELIVERIES = "微心愿送达登记.xlsx"


@dataclass
class WishesDemo:
    lines: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def run_wishes_demo(
    ledger: Ledger,
    sample_dir: Path,
    out_dir: Path,
    settings: Settings | None = None,
    year: int | None = None,
) -> WishesDemo:
    """Import wishes, donations batch 1, match, donations batch 2, match.

    ``year`` (the campaign year) titles the match workbooks.
    """
    wishes_file = sample_dir / WISH_FILE
    batches = [sample_dir / name for name in DONATION_FILES]
    missing = [p for p in (wishes_file, *batches) if not p.is_file()]
    if missing:
        raise UserError(f"找不到微心愿演示数据 {missing[0]}", f"no sample data {missing[0]}")
    standard = setting_fen(
        (settings or Settings()).wishes.standard_amount, "wishes.standard_amount"
    )
    demo = WishesDemo()
    imported = import_wishes(ledger, [wishes_file], standard, {"files": [str(wishes_file)]})
    _report_import(demo, "微心愿：导入心愿", imported)
    for round_number, batch in enumerate(batches, start=1):
        gifts = import_donations(ledger, [batch], {"files": [str(batch)]})
        _report_import(demo, f"导入第 {round_number} 批捐赠", gifts)
        target = out_dir / f"微心愿匹配-第{round_number}轮.xlsx"

        def write(result: MatchResult, target: Path = target) -> None:
            demo.written.append(
                write_match_book(result.accounts, target, result.run_id, year, result.stages)
            )

        matched = run_match(ledger, standard=standard, arguments={"demo": True}, write=write)
        _report_match(demo, round_number, matched)
    return demo


def _report_import(demo: WishesDemo, label: str, result: ImportResult[Any]) -> None:
    s = result.summary
    demo.lines.append(
        f"{label}：{s['rows']} 行，新导入 {s['imported']} 行（{s['amount']} 元），"
        f"未变 {s['unchanged']} 行，有错误未导入 {s['with_errors']} 行，有警告 {s['with_warnings']} 行"
    )
    for code, count in sorted(Counter(f.code for f in result.findings).items()):
        demo.lines.append(f"  {code}: {count}")


def _report_match(demo: WishesDemo, round_number: int, result: MatchResult) -> None:
    t = result.accounts.totals()
    demo.lines.append(
        f"第 {round_number} 轮匹配：{len(result.new)} 笔，{yuan_grouped(result.new_amount)} 元；"
        f"累计收到 {t['donations_total']} 元，已匹配 {t['matched']} 元，余额 {t['balance']} 元；"
        f"心愿 {t['wishes']} 个：已实现 {t['fulfilled']}，部分 {t['partial']}，"
        f"待认领 {t['pending']}；受助儿童 {t['children_helped']} 人"
    )


def run_wishes_payout_demo(
    ledger: Ledger, sample_dir: Path, out_dir: Path, settings: Settings, year: int, operator: str
) -> WishesDemo:
    """After the match: settle, match again, pay, the bank's results, correct, pay again,
    deliveries. ``operator`` records the donor's decision (a synthetic name)."""
    from zjk_charity.payments.model import BatchFiles, BatchLine
    from zjk_charity.payments.profiles import profile
    from zjk_charity.payments.writer import write_batch
    from zjk_charity.wishes.delivery import import_deliveries
    from zjk_charity.wishes.payout import (
        import_wish_payments,
        pay_wishes,
        update_wish_accounts,
        wish_payments_status,
    )
    from zjk_charity.wishes.settle import settle

    demo = WishesDemo()
    decided = settle(ledger, SETTLED, "general", SETTLE_NOTE, operator=operator, now=SETTLED_AT)
    demo.lines.append(
        f"定向余额：捐赠 {SETTLED}（{decided.donation.donor}）的 {yuan_grouped(decided.amount)} 元"
        "经捐赠人同意转为非定向资金"
    )
    standard = setting_fen(settings.wishes.standard_amount, "wishes.standard_amount")
    target = out_dir / "微心愿匹配-第3轮.xlsx"

    def workbook(result: MatchResult) -> None:
        demo.written.append(
            write_match_book(result.accounts, target, result.run_id, year, result.stages)
        )

    matched = run_match(ledger, standard=standard, arguments={"demo": True}, write=workbook)
    _report_match(demo, 3, matched)
    bank = profile(settings)

    def write(code: str, lines: Sequence[BatchLine], folder: Path) -> BatchFiles:
        return write_batch(bank, code, lines, folder, payer=settings.bank.payer)

    def pay(retry: bool) -> None:
        paid = pay_wishes(
            ledger,
            year,
            profile=bank.name,
            write=write,
            folder=out_dir,
            memo=settings.wishes.payment_memo.format(year=year),
            retry=retry,
            signers=settings.signers,
            arguments={"demo": True, "retry": retry},
        )
        if paid.batch is not None:
            demo.lines.append(
                f"微心愿代发批次 {paid.batch}：{paid.count} 个心愿，{paid.amount:,.2f} 元"
            )
            demo.written.extend([*paid.files, *paid.summary])
        if paid.purchase is not None:
            p = paid.purchase
            demo.lines.append(f"采购清单 {p.code}：{len(p.lines)} 个心愿，{p.amount:,.2f} 元")
            demo.written.extend([p.file] if p.file is not None else [])
        for m in paid.missing:
            demo.lines.append(f"  缺少收款账号，未付款：{m.wish_id} {m.county}（{m.reason()}）")

    def results(name: str) -> None:
        done = import_wish_payments(ledger, year, [sample_dir / name], arguments={"demo": True})
        c = done.imported.counts
        demo.lines.append(f"银行回盘 {name}：到账 {c.paid} 笔，失败 {c.failed} 笔")

    pay(retry=False)
    results(FIRST_RESULTS)
    fixed = update_wish_accounts(ledger, year, sample_dir / ACCOUNTS_FILE, {"demo": True})
    demo.lines.append(f"更正收款账号 {fixed.updated} 个心愿")
    pay(retry=True)
    pay(retry=False)
    results(LATER_RESULTS)
    delivered = import_deliveries(ledger, sample_dir / DELIVERIES, arguments={"demo": True})
    demo.lines.append(f"送达登记：{len(delivered.recorded)} 个心愿已送达")
    status = wish_payments_status(ledger, year)
    paid_tally = status.status.tallies["paid"]
    buying = status.status.tallies["purchasing"]
    demo.lines.append(
        f"微心愿付款状态：已到账 {paid_tally.count} 个心愿 {paid_tally.amount:,.2f} 元，"
        f"采购 {buying.count} 个心愿 {buying.amount:,.2f} 元；"
        + "，".join(f"{stage.value} {n}" for stage, n in status.stages.items())
    )
    return demo
