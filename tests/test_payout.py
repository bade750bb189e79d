"""Paying the funded (payout.md): aid pay, the bank's results, corrected accounts, retry,
cash, payments status and finalize on the people whose money arrived."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from backends import ledger_rows
from conftest import bank_result, batch_rows, connect_ledger, make_account, write_workbook
from test_allocation import _people
from zjk_charity.cli.main import app

runner = CliRunner()


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws), "--year", "2025"])


@pytest.fixture
def funded(tmp_path: Path) -> Path:
    """A workspace whose 2025 allocation funds 5 of 张北县's 8 applicants (1000 yuan each)."""
    ws = tmp_path / "ws"
    ws.mkdir()  # the workspace folder, also when its ledger is on a server
    book = write_workbook(tmp_path / "张北县.xlsx", _people(8))
    assert cli(ws, "aid", "validate", str(book), "--no-workbook").exit_code == 0
    done = cli(ws, "aid", "allocate", "--budget", "5000", "--no-workbook")
    assert done.exit_code == 0, done.output
    return ws


def status(ws: Path) -> dict[str, Any]:
    result = cli(ws, "aid", "payments", "status", "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def answer(
    ws: Path, tmp_path: Path, name: str, outcomes: dict[int, tuple[str, str]], *extra: str
) -> Any:
    """Import the bank's result for P2025-001 (``outcomes`` by 序号; the rest succeeded)."""
    result = bank_result(ws / "out" / "P2025-001-basic.csv", tmp_path / name, outcomes)
    return cli(ws, "aid", "payments", "import", str(result), *extra)


# Every table of the ledger, read from the migrations (the same names on both backends).
def test_pay_writes_the_basic_file_and_records_everyone_pending(funded: Path) -> None:
    result = cli(funded, "aid", "pay")
    assert result.exit_code == 0, result.output
    assert "P2025-001" in result.output and "5 笔" in result.output
    rows = batch_rows(funded / "out" / "P2025-001-basic.csv")
    assert [r["序号"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert all(r["账号"].isdigit() and r["金额"] == "1000.00" for r in rows)
    raw = (funded / "out" / "P2025-001-basic.csv").read_bytes().decode("gbk")
    assert "合计" not in raw and "\t" not in raw
    summary = (funded / "out" / "P2025-001-批次汇总.txt").read_text(encoding="utf-8")
    assert "笔数 5" in summary and "5000.00" in summary
    s = status(funded)
    assert s["pending"] == {"count": 5, "amount": "5000.00"}
    assert s["unpaid"]["count"] == 0 and s["funded"] == 5 and s["amount"] == "5000.00"
    # Nobody is in two open instructions: a second pay has nobody to pay.
    again = cli(funded, "aid", "pay")
    assert again.exit_code == 0 and "没有待付款的人" in again.output
    assert not (funded / "out" / "P2025-002-basic.csv").exists()


def test_terminal_never_shows_a_full_id_or_account(funded: Path, tmp_path: Path) -> None:
    cli(funded, "aid", "pay")
    batch = funded / "out" / "P2025-001-basic.csv"
    rows = batch_rows(batch)
    bank_result(batch, tmp_path / "r.xlsx", {2: ("失败", "账户已销户")})
    outputs = [
        cli(funded, "aid", "payments", "import", str(tmp_path / "r.xlsx")).output,
        cli(funded, "aid", "payments", "status", "--all").output,
        cli(funded, "aid", "pay", "--retry").output,
    ]
    status_doc = status(funded)
    ids = [p["id"] for p in status_doc["people"]]
    for text in outputs:
        for number in [*ids, *(r["账号"] for r in rows)]:
            assert number not in text


def test_results_paid_failed_pending_and_a_reimport_changes_nothing(
    funded: Path, tmp_path: Path
) -> None:
    cli(funded, "aid", "pay")
    batch = funded / "out" / "P2025-001-basic.csv"
    result_file = bank_result(
        batch, tmp_path / "回盘.xlsx", {2: ("失败", "账户已销户"), 4: ("处理中", "")}
    )
    first = cli(funded, "aid", "payments", "import", str(result_file))
    assert first.exit_code == 0, first.output
    assert "到账 3 笔，失败 1 笔，处理中 1 笔" in first.output
    assert "合计行" in first.output  # the bank's own total row is named, not read as a payment
    s = status(funded)
    assert (s["paid"]["count"], s["failed"]["count"], s["pending"]["count"]) == (3, 1, 1)
    failed = [p for p in s["people"] if p["state"] == "failed"]
    assert failed[0]["reason"] == "账户已销户" and failed[0]["batch"] == "P2025-001"
    lists = sorted((funded / "out").glob("失败名单-P2025-001-*.xlsx"))
    assert len(lists) == 1
    before = ledger_rows(funded)
    again = cli(funded, "aid", "payments", "import", str(result_file))
    assert again.exit_code == 0 and "此前已导入 5 笔" in again.output
    after = ledger_rows(funded)
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }


def test_money_invariant_holds_in_the_status_document(funded: Path, tmp_path: Path) -> None:
    cli(funded, "aid", "pay")
    answer(funded, tmp_path, "r.xlsx", {1: ("失败", "户名不符"), 3: ("处理中", "")})
    s = status(funded)
    parts = sum(
        float(s[k]["amount"]) for k in ("paid", "pending", "failed", "cash_pending", "unpaid")
    )
    assert parts == float(s["amount"])
    assert sum(s[k]["count"] for k in ("paid", "pending", "failed", "cash_pending", "unpaid")) == 5


def test_retry_pays_only_the_failed_whose_account_changed(funded: Path, tmp_path: Path) -> None:
    cli(funded, "aid", "pay")
    outcomes = {1: ("失败", "账户已销户"), 2: ("失败", "账号不存在")}
    answer(funded, tmp_path, "r.xlsx", outcomes)
    nothing = cli(funded, "aid", "pay", "--retry")
    assert nothing.exit_code == 0 and "账号未更正" in nothing.output
    assert not (funded / "out" / "P2025-002-basic.csv").exists()

    # Correct one of the two.
    one = [p for p in status(funded)["people"] if p["state"] == "failed"][:1]
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号", "银行账号"])
    from stdnum import luhn

    body = "621700000000000012"
    wb.active.append([one[0]["id"], body + luhn.calc_check_digit(body)])
    wb.save(tmp_path / "fix.xlsx")
    fixed = cli(funded, "aid", "accounts", "update", str(tmp_path / "fix.xlsx"))
    assert fixed.exit_code == 0 and "已记录 1 人的新账号" in fixed.output, fixed.output

    retry = cli(funded, "aid", "pay", "--retry")
    assert retry.exit_code == 0 and "P2025-002" in retry.output and "1 笔" in retry.output
    rows = batch_rows(funded / "out" / "P2025-002-basic.csv")
    assert [r["账号"] for r in rows] == [body + luhn.calc_check_digit(body)]
    s = status(funded)
    assert s["pending"]["count"] == 1 and s["failed"]["count"] == 1


def test_accounts_update_with_an_unfunded_id_applies_nothing(funded: Path, tmp_path: Path) -> None:
    from conftest import make_id

    cli(funded, "aid", "pay")
    ids = [p["id"] for p in status(funded)["people"]]
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号", "银行账号"])
    wb.active.append([ids[0], make_account("621700")])
    wb.active.append([make_id("19380101", "130722", "999"), make_account("621701")])
    wb.save(tmp_path / "fix.xlsx")
    before = ledger_rows(funded)
    result = cli(funded, "aid", "accounts", "update", str(tmp_path / "fix.xlsx"))
    assert result.exit_code == 1 and "NOT_FUNDED" in result.output
    assert ledger_rows(funded)["payee_accounts"] == before["payee_accounts"] == []


def test_cash_sheet_then_confirm_the_rows_left_on_the_signed_sheet(
    funded: Path, tmp_path: Path
) -> None:
    cli(funded, "aid", "pay")
    outcomes = {1: ("失败", "账户已销户"), 2: ("失败", "账户已冻结")}
    answer(funded, tmp_path, "r.xlsx", outcomes)
    sheet = cli(funded, "aid", "cash", "sheet")
    assert sheet.exit_code == 0 and "C2025-001" in sheet.output and "2 人" in sheet.output
    path = funded / "out" / "领取表-C2025-001.xlsx"
    assert path.exists()
    assert status(funded)["cash_pending"]["count"] == 2
    # One person did not come: the clerk deletes their row before confirming.
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    first = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value in (1, "1"))
    ws.delete_rows(first + 1)
    signed = tmp_path / "signed.xlsx"
    wb.save(signed)
    done = cli(funded, "aid", "cash", "confirm", str(signed), "--date", "2025-12-20")
    assert done.exit_code == 0 and "1 人" in done.output, done.output
    s = status(funded)
    assert (s["paid"]["count"], s["cash_pending"]["count"]) == (4, 1)
    # A person on a cash sheet cannot be put on another, or paid by a bank batch.
    again = cli(funded, "aid", "cash", "sheet")
    assert "没有需要现金发放的人" in again.output
    assert "没有待付款的人" in cli(funded, "aid", "pay").output


def test_cash_confirm_refuses_a_future_date(funded: Path) -> None:
    result = cli(funded, "aid", "cash", "confirm", "x.xlsx", "--date", "2099-01-01")
    assert result.exit_code == 2


def test_finalize_records_only_people_whose_money_arrived(funded: Path, tmp_path: Path) -> None:
    refused = cli(funded, "aid", "finalize")
    assert refused.exit_code == 2 and "未付款 5 人" in refused.output
    cli(funded, "aid", "pay")
    outcomes = {3: ("失败", "账户已销户")}
    answer(funded, tmp_path, "r.xlsx", outcomes)
    refused = cli(funded, "aid", "finalize")
    assert refused.exit_code == 2 and "付款失败 1 人" in refused.output
    done = cli(funded, "aid", "finalize", "--allow-unpaid", "--json")
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert document["added"] == 4 and len(document["not_paid"]) == 1
    with closing(connect_ledger(funded)) as conn:
        recorded = {r[0] for r in conn.execute("SELECT id_number FROM history WHERE year = 2025")}
    paid = {p["id"] for p in status(funded)["people"] if p["state"] == "paid"}
    assert recorded == paid and len(paid) == 4
    # Nothing is paid after finalize.
    assert cli(funded, "aid", "pay").exit_code == 2


def test_a_failed_pay_changes_nothing(funded: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    before = ledger_rows(funded)
    result = cli(funded, "aid", "pay", "--out", str(blocker))
    assert result.exit_code == 2 and "Traceback" not in result.output
    after = ledger_rows(funded)
    assert after == before


def test_an_existing_batch_file_is_never_replaced(funded: Path) -> None:
    (funded / "out").mkdir(exist_ok=True)
    mine = funded / "out" / "P2025-001-basic.csv"
    mine.write_text("someone's file")
    before = ledger_rows(funded)
    result = cli(funded, "aid", "pay")
    assert result.exit_code == 2
    assert mine.read_text() == "someone's file" and ledger_rows(funded) == before


def test_unknown_profile_is_exit_2_naming_the_known_ones(funded: Path) -> None:
    result = cli(funded, "aid", "pay", "--profile", "工行")
    assert result.exit_code == 2 and "basic" in result.output


def test_results_before_any_batch_is_exit_2(funded: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["账号", "金额", "状态"])
    wb.active.append(["6222021234567890123", 1000, "成功"])
    wb.save(tmp_path / "r.xlsx")
    result = cli(funded, "aid", "payments", "import", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 2 and "aid pay" in result.output


def test_a_result_for_no_instruction_is_result_unmatched(funded: Path, tmp_path: Path) -> None:
    cli(funded, "aid", "pay")
    wb = openpyxl.Workbook()
    wb.active.append(["账号", "户名", "金额", "状态"])
    wb.active.append([make_account("621799"), "某人", 1000, "成功"])
    wb.active.cell(2, 1).number_format = "@"
    wb.save(tmp_path / "r.xlsx")
    result = cli(funded, "aid", "payments", "import", str(tmp_path / "r.xlsx"), "--json")
    assert result.exit_code == 1
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == ["RESULT_UNMATCHED"]
    assert status(funded)["pending"]["count"] == 5


def test_status_people_carry_state_batch_and_reason(funded: Path) -> None:
    cli(funded, "aid", "pay")
    people = status(funded)["people"]
    assert {p["state"] for p in people} == {"pending"}
    assert all(p["batch"] == "P2025-001" and p["county"] == "张北县" for p in people)


def test_a_late_bank_success_cancels_the_cash_sheet_line(funded: Path, tmp_path: Path) -> None:
    """The bank's late 成功 for a failed transfer, after the person was put on a cash
    sheet: the cash line is cancelled and cannot be confirmed; the money counts once."""
    cli(funded, "aid", "pay")
    batch = funded / "out" / "P2025-001-basic.csv"
    failed = bank_result(batch, tmp_path / "r1.xlsx", {1: ("失败", "账户已冻结")})
    cli(funded, "aid", "payments", "import", str(failed))
    assert cli(funded, "aid", "cash", "sheet").exit_code == 0
    late = bank_result(batch, tmp_path / "r2.xlsx", {})  # the bank: row 1 went through after all
    result = cli(funded, "aid", "payments", "import", str(late))
    assert result.exit_code == 0 and "作废" in result.output, result.output
    sheet = funded / "out" / "领取表-C2025-001.xlsx"
    refused = cli(funded, "aid", "cash", "confirm", str(sheet), "--date", "2025-12-18")
    assert refused.exit_code == 2 and "作废" in refused.output
    s = status(funded)
    assert s["paid"] == {"count": 5, "amount": "5000.00"}
    assert s["double_paid"]["count"] == 0 and s["cash_pending"]["count"] == 0


def test_cash_confirmed_then_a_late_bank_success_is_a_double_payment(
    funded: Path, tmp_path: Path
) -> None:
    cli(funded, "aid", "pay")
    answer(funded, tmp_path, "r1.xlsx", {1: ("失败", "账户已冻结")})
    cli(funded, "aid", "cash", "sheet")
    sheet = funded / "out" / "领取表-C2025-001.xlsx"
    assert cli(funded, "aid", "cash", "confirm", str(sheet), "--date", "2025-12-18").exit_code == 0
    late = answer(funded, tmp_path, "r2.xlsx", {}, "--json")
    assert late.exit_code == 1
    assert [f["code"] for f in json.loads(late.stdout)["findings"]] == ["DOUBLE_PAYMENT"]
    s = status(funded)
    assert s["paid"] == {"count": 5, "amount": "5000.00"}
    assert s["double_paid"] == {"count": 1, "amount": "1000.00"}


def test_the_banks_late_word_after_finalize_enters_the_history(
    funded: Path, tmp_path: Path
) -> None:
    cli(funded, "aid", "pay")
    answer(funded, tmp_path, "r1.xlsx", {2: ("处理中", "")})
    assert cli(funded, "aid", "finalize", "--allow-unpaid").exit_code == 0
    late = answer(funded, tmp_path, "r2.xlsx", {})
    assert late.exit_code == 0 and "补记入往年受助名单" in late.output, late.output
    with closing(connect_ledger(funded)) as conn:
        recorded = conn.execute("SELECT count(*) FROM history WHERE year = 2025").fetchone()[0]
    assert recorded == 5


def test_cash_confirm_asks_for_the_workbook_not_the_pdf(funded: Path) -> None:
    result = cli(
        funded, "aid", "cash", "confirm", "out/领取表-C2025-001.pdf", "--date", "2025-12-18"
    )
    assert result.exit_code == 2 and ".xlsx" in result.output and "身份证号" in result.output


def test_pay_reminds_to_post_the_backfilled_not_yet_posted(funded: Path) -> None:
    first = status(funded)["people"][0]["id"]
    assert cli(funded, "aid", "withdraw", first, "--reason", "去世").exit_code == 0
    paid = cli(funded, "aid", "pay")
    assert paid.exit_code == 0 and "1 名尚未补充公示的递补人员" in paid.output, paid.output
    document = json.loads(cli(funded, "aid", "payments", "status", "--json").stdout)
    assert first not in {p["id"] for p in document["people"]}
    assert document["pending"]["count"] == 5 and document["withdrawn"] == 1


def test_a_pay_that_fails_after_writing_its_files_leaves_none(
    funded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bank file is written inside the command's transaction: if recording the batch
    then fails, the file is removed with the rollback (no unrecorded upload file)."""
    from zjk_charity.errors import UserError
    from zjk_charity.payments import store

    def broken(*args: Any, **kwargs: Any) -> int:
        raise UserError("记录失败", "recording failed")

    monkeypatch.setattr(store, "record_batch", broken)
    before = ledger_rows(funded)
    result = cli(funded, "aid", "pay")
    assert result.exit_code == 2
    assert list((funded / "out").glob("P2025-001*")) == []
    assert ledger_rows(funded) == before


def test_accounts_update_reads_numbers_as_validate_does(funded: Path, tmp_path: Path) -> None:
    """An account Excel turned into 6.21700E+18 (a number, or that text) lost digits."""
    cli(funded, "aid", "pay")
    person = status(funded)["people"][0]["id"]
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号", "银行账号"])
    wb.active.append([person, "6.21700E+18"])
    wb.save(tmp_path / "fix.xlsx")
    result = cli(funded, "aid", "accounts", "update", str(tmp_path / "fix.xlsx"), "--json")
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["PRECISION_LOST"]


def test_accounts_update_says_what_is_wrong_with_an_account_without_its_digits(
    funded: Path, tmp_path: Path
) -> None:
    """The shared corrections reader (payments/corrections.py): a short account is
    BANK_ACCOUNT_INVALID naming its shape, a blank one MISSING_FIELD; nothing recorded."""
    cli(funded, "aid", "pay")
    first, second = (p["id"] for p in status(funded)["people"][:2])
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号", "银行账号"])
    wb.active.append([first, "6217-123"])
    wb.active.append([second, ""])
    wb.save(tmp_path / "fix.xlsx")
    result = cli(funded, "aid", "accounts", "update", str(tmp_path / "fix.xlsx"), "--json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)["findings"]
    assert [(f["row"], f["code"]) for f in found] == [
        (2, "BANK_ACCOUNT_INVALID"),
        (3, "MISSING_FIELD"),
    ]
    assert "“7 位数字”" in found[0]["message"] and "6217123" not in result.stdout
    assert json.loads(result.stdout)["updated"] == 0


def test_cash_sheet_names_what_is_wrong_with_a_mistyped_id(funded: Path) -> None:
    result = cli(funded, "aid", "cash", "sheet", "110101194001010017")
    assert (
        result.exit_code == 2
        and "有误" in result.output
        and "110101194001010017" not in result.output
    )
