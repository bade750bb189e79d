"""Write the payout files of the 2025 sample story into sample_data/ (issue 16).

The story after the list, as the README guide and ``zjk-charity demo`` tell it:

1. ``复审结果.xlsx``: the province's review of all 810 funded people (a title row, 通过 for
   808, 不通过 with a reason for two) → two withdrawals with 递补.
2. One recipient dies before payment: ``aid withdraw DEATH_ID --reason 去世`` → 递补; and
   the POSSIBLE_DUPLICATE of the sample (蔚县's last row: the same woman as its row 43,
   typed again with a homophone surname and one ID digit off) turns out to be the same
   person: ``aid withdraw DUPLICATE_ID --reason 其他`` → 递补.
3. ``银行回盘-P2025-001.xlsx``: the bank's result of the first batch in the bank's own
   layout (its title, 收款人账号 / 收款人名称 / 交易金额 / 处理结果 / 失败原因, its 合计
   row): five failures (账户已销户 ×2, 户名不符, 账号不存在, 账户已冻结) and one 处理中.
4. ``账号更正.xlsx``: new accounts for four of the five (not the frozen one).
5. ``aid pay --retry`` → P2025-002 (four); ``银行回盘-P2025-002.csv`` (GBK, 序号 and S/F).
6. The frozen account is paid in cash (``aid cash sheet`` → C2025-001, confirmed).
7. ``银行回盘-P2025-001-补.xlsx``: the bank's later word on the 处理中 row: 成功.

The files depend on who is funded and in which order, so this script runs the toolkit
itself, step by step, in a temporary copy of sample_data/ (run make_sample_data.py
first), with the earlier lists and the reference lists loaded as the guide loads them. It prints DEATH_ID, which the README guide and demo.py name.

    python scripts/make_payout_samples.py
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from stdnum import luhn
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_data import save_book
from zjk_charity.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_data"
APPLICATIONS = ("张北县.xlsx", "康保县.xlsx", "蔚县.csv")
HISTORY = {"2023年受助名单.xlsx": "2023", "2024年受助名单.xlsx": "2024"}
# The reference lists (issue 17), loaded before validation as the README guide does.
LISTS = {
    "特困人员名册-张北县.xlsx": "tekun",
    "集中供养人员名单.xlsx": "institution",
    "死亡人员名单-2025年10月.csv": "deaths",
    "近亲属备案.xlsx": "relatives",
}

# Positions in the funded list (rank order) of the people the story is about.
REJECTED = {37: "经复核，该户2025年已纳入集中供养", 512: "申请时已由子女赡养，不属分散供养特困人员"}
DEATH = 230
# 序号 in P2025-001 → (处理结果, 失败原因); 402 stays 处理中.
FAILED = {
    17: ("失败", "账户已销户"),
    123: ("失败", "户名不符"),
    256: ("失败", "账号不存在"),
    480: ("失败", "账户已冻结"),
    702: ("失败", "账户已销户"),
}
PENDING = 402
DUPLICATE_NOTE = "经核实与蔚县.csv第43行为同一人，身份证号和姓氏录错，重复申请"
FROZEN = 480  # not corrected: paid in cash
NEW_BANK = "中国邮政储蓄银行"

runner = CliRunner()


def cli(ws: Path, *args: str) -> Any:
    result = runner.invoke(app, [*args, "-w", str(ws)])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {result.exit_code}:\n{result.output}")
    return result


def json_of(ws: Path, *args: str) -> Any:
    return json.loads(cli(ws, *args, "--json").stdout)


def batch(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="gbk", newline="") as handle:
        return list(csv.DictReader(handle))


def review(ws: Path, funded: list[dict[str, Any]]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "复审结果"
    sheet.append(["2025年福彩暖冬活动资助对象省级复审结果（人员均为虚构）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "县(区)", "姓名", "身份证号", "复审结果", "原因"])
    for n, person in enumerate(funded, start=1):
        why = REJECTED.get(n - 1)
        sheet.append(
            [
                n,
                person["county"],
                person["name"],
                person["id"],
                "不通过" if why else "通过",
                why or "",
            ]
        )
        sheet.cell(sheet.max_row, 4).number_format = "@"
    save_book(wb, OUT / "复审结果.xlsx")


def first_results(rows: list[dict[str, str]]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "处理结果"
    sheet.append(["张家口银行 批量代发处理结果　批次号 ZJK20251118001（人员均为虚构）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "收款人账号", "收款人名称", "交易金额", "处理结果", "失败原因"])
    for r in rows:
        line = int(r["序号"])
        state, reason = FAILED.get(line, ("处理中", "") if line == PENDING else ("成功", ""))
        sheet.append([line, r["账号"], r["户名"], float(r["金额"]), state, reason])
        sheet.cell(sheet.max_row, 2).number_format = "@"
    total = sum(float(r["金额"]) for r in rows)
    sheet.append(["合计", "", f"{len(rows)}笔", total, "", ""])
    save_book(wb, OUT / "银行回盘-P2025-001.xlsx")


def corrections(rows: list[dict[str, str]], ids: dict[str, str]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "账号更正"
    sheet.append(["身份证号", "姓名", "银行账号", "开户银行", "说明"])
    for n, line in enumerate(sorted(FAILED)):
        if line == FROZEN:
            continue
        r = rows[line - 1]
        body = f"62179800{line:04d}{n:06d}"[:18]
        sheet.append(
            [ids[r["账号"]], r["户名"], body + luhn.calc_check_digit(body), NEW_BANK, "新开社保卡"]
        )
        for column in (1, 3):
            sheet.cell(sheet.max_row, column).number_format = "@"
    save_book(wb, OUT / "账号更正.xlsx")


def retry_results(rows: list[dict[str, str]]) -> None:
    with (OUT / "银行回盘-P2025-002.csv").open("w", encoding="gbk", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["序号", "账号", "户名", "金额", "状态", "备注"])
        for r in rows:
            out.writerow([r["序号"], r["账号"], r["户名"], r["金额"], "S", "2025年福彩暖冬资助"])


def late_result(rows: list[dict[str, str]]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "补充回盘"
    sheet.append(["收款账号", "收款人", "发生额", "交易状态"])
    r = rows[PENDING - 1]
    sheet.append([r["账号"], r["户名"], float(r["金额"]), "交易成功"])
    sheet.cell(2, 1).number_format = "@"
    save_book(wb, OUT / "银行回盘-P2025-001-补.xlsx")


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        ws = Path(temp)
        for name in (*APPLICATIONS, *HISTORY, *LISTS):
            shutil.copy(OUT / name, ws / name)
        shutil.copytree(OUT / "认证截图", ws / "认证截图")
        runner.invoke(app, ["init", str(ws), "--year", "2025"])
        for name, year in HISTORY.items():
            cli(ws, "aid", "history", "import", str(ws / name), "--year", year)
        for name, kind in LISTS.items():
            cli(ws, "lists", "import", str(ws / name), "--kind", kind)
        files = (str(ws / n) for n in APPLICATIONS)
        cli(ws, "aid", "validate", *files, "--attachments", str(ws / "认证截图"), "--no-workbook")
        allocation = json_of(ws, "aid", "allocate", "--notice-from", "2025-10-27", "--no-workbook")
        funded = allocation["recipients"]
        review(ws, funded)
        cli(ws, "aid", "review", "import", str(OUT / "复审结果.xlsx"))
        death = funded[DEATH]["id"]
        cli(ws, "aid", "withdraw", death, "--reason", "去世", "--note", "2025年11月9日病故")
        with sqlite3.connect(ws / "zjk-charity.db") as conn:
            (duplicate,) = conn.execute(
                "SELECT a.id_number FROM applicants a JOIN aid_findings f ON f.file_id = "
                "a.file_id AND f.sheet = a.sheet AND f.row = a.row WHERE f.code = "
                "'POSSIBLE_DUPLICATE' ORDER BY a.file_id DESC, a.row DESC LIMIT 1"
            ).fetchone()
        cli(ws, "aid", "withdraw", duplicate, "--reason", "其他", "--note", DUPLICATE_NOTE)
        cli(ws, "aid", "pay", "--out", str(ws / "out"))
        first = batch(ws / "out" / "P2025-001-basic.csv")
        with sqlite3.connect(ws / "zjk-charity.db") as conn:
            ids = dict(conn.execute("SELECT account, payee FROM payment_instructions"))
        assert len(first) == len(ids) == 810
        first_results(first)
        cli(ws, "aid", "payments", "import", str(OUT / "银行回盘-P2025-001.xlsx"))
        corrections(first, ids)
        cli(ws, "aid", "accounts", "update", str(OUT / "账号更正.xlsx"))
        cli(ws, "aid", "pay", "--retry", "--out", str(ws / "out"))
        retry_results(batch(ws / "out" / "P2025-002-basic.csv"))
        late_result(first)
    print(f"wrote the payout files into {OUT}")
    print(f"DEATH_ID = {death!r}  # aid withdraw … --reason 去世 (README guide, demo.py)")
    print(f"DUPLICATE_ID = {duplicate!r}  # aid withdraw … --reason 其他 (README guide, demo.py)")


if __name__ == "__main__":
    main()
