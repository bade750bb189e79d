"""Write the 微心愿 payout files of the 2025 sample story into sample_data/ (issue 18).

The story after the two match rounds, as the README guide and ``zjk-charity demo`` tell it:

1. 示例科技有限公司 gave 1,000 yuan for a 300-yuan wish; asked, it lets the 700 yuan go:
   ``donations settle JZ202500341 --to general``; a third ``wishes match`` uses it.
2. ``wishes pay`` → the bank batch WP2025-001 and the 采购清单 WG2025-001. One funded
   wish has no 收款账号 (planted in 心愿登记.xlsx): listed, not paid.
3. ``微心愿回盘-WP2025-001.xlsx``: the bank's result, in its own layout (title row,
   收款人账号 / 收款人名称 / 交易金额 / 处理结果 / 失败原因, a 合计 row): one failure,
   账户已销户.
4. ``微心愿账号更正.xlsx``: a new account for that wish, and the missing one's account.
5. ``wishes pay --retry`` → WP2025-002 (the failed wish); ``wishes pay`` → WP2025-003
   (the wish whose account was missing).
6. ``微心愿回盘-第2次.csv``: GBK, with a 批次 column, answering for both batches: 成功.
7. ``微心愿送达登记.xlsx``: deliveries (心愿编号, 送达日期, 经办人, 照片): the wish of the
   anonymous 20,000 yuan (白血病化疗费用), the goods of the purchase list but the last
   five (still being bought), and twenty wishes paid to the guardians; three photos in
   ``照片/`` beside it.

The files depend on the batches' lines, so this script runs the toolkit itself in a
temporary folder (run make_sample_data.py first):

    python scripts/make_wish_payout_samples.py
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from stdnum import luhn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_payout_samples import cli, runner
from make_sample_data import save_book, screenshot
from zjk_charity.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_data"
WISHES = "心愿登记.xlsx"
DONATIONS = ("捐赠_第1批.xlsx", "捐赠_第2批.xlsx")
SETTLED = "JZ202500341"  # 1,000 yuan for a 300-yuan wish: 700 designated balance
SETTLE_NOTE = "2025年10月10日电话联系捐赠方，同意余额700元转入通用，用于其他心愿"
FAILED_LINE = 37  # 序号 in WP2025-001 that the bank returns as 账户已销户
SICK_WISH = "白血病化疗费用"
STILL_BUYING = 5  # the purchase list's last lines, not delivered yet
PAID_DELIVERED = 20  # wishes paid to guardians whose delivery is recorded
PHOTOS = 3
HANDLERS = ("王丽", "李建军", "赵淑芬", "刘海燕")
NEW_BANK = "中国邮政储蓄银行"


def instructions(ws: Path, batch: str) -> list[sqlite3.Row]:
    with sqlite3.connect(ws / "zjk-charity.db") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT i.* FROM payment_instructions i JOIN payment_batches b ON b.id = i.batch_id "
            "WHERE b.code = ? ORDER BY i.line",
            (batch,),
        ).fetchall()


def first_results(rows: list[sqlite3.Row]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "处理结果"
    sheet.append(["张家口银行 批量代发处理结果　批次号 ZJK20251125003（人员均为虚构）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "收款人账号", "收款人名称", "交易金额", "处理结果", "失败原因"])
    for r in rows:
        failed = r["line"] == FAILED_LINE
        state, reason = ("失败", "账户已销户") if failed else ("成功", "")
        sheet.append([r["line"], r["account"], r["name"], float(r["amount"]), state, reason])
        sheet.cell(sheet.max_row, 2).number_format = "@"
    total = sum(float(r["amount"]) for r in rows)
    sheet.append(["合计", "", f"{len(rows)}笔", total, "", ""])
    save_book(wb, OUT / "微心愿回盘-WP2025-001.xlsx")


def corrections(failed: sqlite3.Row, missing: dict[str, str]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "账号更正"
    sheet.append(["心愿编号", "监护人", "收款账号", "开户银行", "说明"])
    for n, (wish, name, why) in enumerate(
        [
            (failed["payee"], failed["name"], "原账户已销户，改用新开社保卡"),
            (missing["wish_id"], missing["guardian"], "登记时漏填收款账号，补填"),
        ]
    ):
        digits = int("".join(c for c in str(wish) if c.isdigit()) or "0")
        body = f"62179801{n:02d}{digits % 10**8:08d}"
        sheet.append([wish, name, body + luhn.calc_check_digit(body), NEW_BANK, why])
        for column in (1, 3):
            sheet.cell(sheet.max_row, column).number_format = "@"
    save_book(wb, OUT / "微心愿账号更正.xlsx")


def second_results(rows: list[dict[str, Any]]) -> None:
    with (OUT / "微心愿回盘-第2次.csv").open("w", encoding="gbk", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["批次", "序号", "账号", "户名", "金额", "状态", "备注"])
        for r in rows:
            out.writerow([r["batch"], r["line"], r["account"], r["name"], r["amount"], "S", ""])


def deliveries(ws: Path) -> None:
    with sqlite3.connect(ws / "zjk-charity.db") as conn:
        sick = conn.execute("SELECT wish_id FROM wishes WHERE content = ?", (SICK_WISH,)).fetchone()
        goods = [
            r[0]
            for r in conn.execute(
                "SELECT i.payee FROM payment_instructions i JOIN payment_batches b "
                "ON b.id = i.batch_id WHERE b.method = 'purchase' ORDER BY b.id, i.line"
            )
        ]
        paid = [
            r[0]
            for r in conn.execute(
                "SELECT payee FROM payment_instructions WHERE purpose = 'wishes' AND state = "
                "'paid' AND payee != ? ORDER BY id",
                (sick[0],),
            )
        ]
    wanted = [sick[0], *goods[:-STILL_BUYING], *paid[:PAID_DELIVERED]]
    wb = Workbook()
    sheet = wb.active
    sheet.title = "送达登记"
    sheet.append(["张家口市困境儿童“微心愿”送达登记表（人员均为虚构）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "心愿编号", "送达日期", "经办人", "照片"])
    photos = OUT / "照片"
    shutil.rmtree(photos, ignore_errors=True)
    photos.mkdir()
    for n, wish in enumerate(wanted, start=1):
        photo = f"{wish}.jpg" if n <= PHOTOS else ""
        if photo:
            (photos / photo).write_bytes(screenshot(photo))
        day = date(2025, 11, 26) + timedelta(days=n % 4)
        sheet.append([n, wish, day, HANDLERS[n % len(HANDLERS)], photo])
        sheet.cell(sheet.max_row, 2).number_format = "@"
        sheet.cell(sheet.max_row, 3).number_format = "yyyy-mm-dd"
    save_book(wb, OUT / "微心愿送达登记.xlsx")


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        ws = Path(temp)
        runner.invoke(app, ["init", str(ws), "--year", "2025"])
        cli(ws, "wishes", "import", str(OUT / WISHES))
        for name in DONATIONS:
            cli(ws, "donations", "import", str(OUT / name))
            cli(ws, "wishes", "match", "--no-workbook")
        cli(ws, "donations", "settle", SETTLED, "--to", "general", "--note", SETTLE_NOTE)
        cli(ws, "wishes", "match", "--no-workbook")
        cli(ws, "wishes", "pay", "--out", str(ws / "out"))
        first = instructions(ws, "WP2025-001")
        first_results(first)
        cli(ws, "wishes", "payments", "import", str(OUT / "微心愿回盘-WP2025-001.xlsx"))
        with sqlite3.connect(ws / "zjk-charity.db") as conn:
            conn.row_factory = sqlite3.Row
            missing = conn.execute("SELECT * FROM wishes WHERE account = ''").fetchone()
        corrections(next(r for r in first if r["line"] == FAILED_LINE), dict(missing))
        cli(ws, "wishes", "accounts", "update", str(OUT / "微心愿账号更正.xlsx"))
        cli(ws, "wishes", "pay", "--retry", "--out", str(ws / "out"))
        cli(ws, "wishes", "pay", "--out", str(ws / "out"))
        later = [
            {**dict(r), "batch": code}
            for code in ("WP2025-002", "WP2025-003")
            for r in instructions(ws, code)
        ]
        assert len(later) == 2, later
        second_results(later)
        cli(ws, "wishes", "payments", "import", str(OUT / "微心愿回盘-第2次.csv"))
        deliveries(ws)
    print(f"wrote the 微心愿 payout files into {OUT}")


if __name__ == "__main__":
    main()
