"""The 微心愿 part of ``zjk-charity demo``: import the sample wishes and two donation
batches, and match in two rounds, writing one workbook per round.

Returns the lines the demo prints and the files it wrote; the demo module decides where
they go. The sample files are those written by ``scripts/make_sample_data.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
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
