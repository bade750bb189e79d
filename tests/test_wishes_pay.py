"""Paying the funded 微心愿 (payout.md, "微心愿 payouts"): wishes pay (the bank batch, the
采购清单, the missing accounts), wishes payments import and status, wishes accounts
update and --retry; what a clerk checks in the files and on the terminal."""

from __future__ import annotations

import json
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from conftest import bank_result, batch_rows, connect_ledger, ledger_at, ledger_exists, make_account
from test_wishes_support import donation_row, donations_book, wish_row, wishes_book
from zjk_charity.cli.main import app
from zjk_charity.payments import store
from zjk_charity.wishes.payout import read_status

runner = CliRunner()

A1, A2, A3 = make_account("621700"), make_account("621701"), make_account("621702")
FIXED = make_account("621799")
STATUS_KEYS = [
    "campaign",
    "funded",
    "amount",
    "paid",
    "pending",
    "failed",
    "cash_pending",
    "unpaid",
    "purchasing",
    "double_paid",
    "withdrawn",
    "backfilled",
    "missing_account",
    "wishes",
]
WISH_KEYS = ["id", "county", "kind", "state", "batch", "reason", "delivered"]
STATES = ("paid", "pending", "failed", "cash_pending", "unpaid", "purchasing")


def cli(ws: Path, *args: str | Path) -> Result:
    return runner.invoke(app, [*(str(a) for a in args), "-w", str(ws)])


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A matched 2025 campaign: nine wishes fully funded, one waiting for donors.

    - W0001 (300, guardian 测监护) and W0002 (500, guardian 测大二): 资金, with accounts;
    - W0003 no 收款账号, W0008 no 监护人, W0009 a 收款账号 that is no account: 资金;
    - W0004 羽绒服 (200 of it donated goods), W0005 书包, W0006 羽绒服: 物资;
    - W0007 台灯: a 资金 wish fully given as goods (a 台灯 worth 300): fulfilled in kind;
    - W0010: registered last, nothing left for it (待认领).
    """
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "zjk-charity.toml").write_text("campaign_year = 2025\n", encoding="utf-8")
    wishes = wishes_book(
        tmp_path / "心愿.xlsx",
        [
            wish_row(1, 儿童姓名="测小一", 收款账号=A1),
            wish_row(2, 儿童姓名="测小二", 金额=500, 收款账号=A2, 监护人="测大二"),
            wish_row(3, 儿童姓名="测小三", 收款账号=""),
            wish_row(4, 儿童姓名="测小四", 心愿类型="物资", 心愿内容="羽绒服", 收款账号=""),
            wish_row(5, 儿童姓名="测小五", 心愿类型="物资", 心愿内容="书包", 收款账号=""),
            wish_row(6, 儿童姓名="测小六", 心愿类型="物资", 心愿内容="羽绒服", 收款账号=""),
            wish_row(7, 儿童姓名="测小七", 心愿内容="台灯", 收款账号=A3),
            wish_row(8, 儿童姓名="测小八", 监护人="", 收款账号=A3),
            wish_row(9, 儿童姓名="测小九", 收款账号="12345"),
            wish_row(10, 儿童姓名="测小十", 登记日期="2025-05-01", 收款账号=A3),
        ],
    )
    donations = donations_book(
        tmp_path / "捐赠.xlsx",
        [
            donation_row(1, 金额=2400),
            donation_row(2, 捐赠类型="物资", 物资名称="羽绒服", 金额=200, 定向心愿="W0004"),
            donation_row(3, 捐赠类型="物资", 物资名称="台灯", 金额=300, 定向心愿="W0007"),
        ],
    )
    for args in (
        ("wishes", "import", wishes),
        ("donations", "import", donations),
        ("wishes", "match", "--no-workbook"),
    ):
        done = cli(ws, *args)
        assert done.exit_code == 0, done.output
    return ws


def status(ws: Path) -> dict[str, Any]:
    done = cli(ws, "wishes", "payments", "status", "--json")
    assert done.exit_code == 0, done.output
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def pay(ws: Path, *extra: str) -> dict[str, Any]:
    done = cli(ws, "wishes", "pay", "--json", *extra)
    assert done.exit_code == 0, done.output
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def states(ws: Path) -> dict[str, str]:
    return {w["id"]: w["state"] for w in status(ws)["wishes"]}


def accounts_book(path: Path, rows: list[list[Any]], headers: list[str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "更正"
    sheet.append(headers or ["心愿编号", "银行账号", "户名", "开户行"])
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    wb.save(path)
    return path


# ------------------------------------------------------------------ wishes pay


def test_bank_batch_pays_the_funded_cash_wishes_with_an_account(campaign: Path) -> None:
    result = pay(campaign)
    assert (result["campaign"], result["batch"], result["count"]) == (
        "weixinyuan-2025",
        "WP2025-001",
        2,
    )
    assert result["amount"] == "800.00"
    batch = campaign / "out" / "WP2025-001-basic.csv"
    rows = batch_rows(batch)
    assert [(r["序号"], r["户名"], r["账号"], r["金额"], r["摘要"]) for r in rows] == [
        ("1", "测监护", A1, "300.00", "2025年微心愿"),
        ("2", "测大二", A2, "500.00", "2025年微心愿"),
    ]
    assert sum(Decimal(r["金额"]) for r in rows) == Decimal("800.00")
    assert "合计" not in batch.read_bytes().decode("gbk")
    summary = (campaign / "out" / "WP2025-001-批次汇总.txt").read_text(encoding="utf-8")
    assert "笔数 2" in summary and "800.00" in summary
    s = status(campaign)
    assert s["pending"] == {"count": 2, "amount": "800.00"}
    # In kind (物资, or given as goods) never goes to the bank, and the unfunded not at all.
    assert {r["户名"] for r in rows} == {"测监护", "测大二"}
    assert "W0010" not in states(campaign)


def test_purchase_list_groups_the_wishes_in_kind_by_item(campaign: Path) -> None:
    purchase = pay(campaign)["purchase"]
    assert (purchase["batch"], purchase["count"]) == ("WG2025-001", 4)
    assert (purchase["amount"], purchase["goods"], purchase["to_buy"]) == (
        "1200.00",
        "500.00",
        "700.00",
    )
    path = campaign / "out" / "采购清单-WG2025-001.xlsx"
    assert purchase["file"] == str(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "2025年微心愿采购清单（WG2025-001）"
    header = [c.value for c in sheet[3]]
    assert header == [
        "序号",
        "心愿编号",
        "县(区)",
        "物品（心愿内容）",
        "儿童",
        "心愿金额",
        "已捐物资",
        "物资折合",
        "需采购",
    ]
    body = [
        [c.value for c in row]
        for row in sheet.iter_rows(min_row=4, max_row=sheet.max_row)
        if row[1].value
    ]
    assert [(r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[8]) for r in body] == [
        ("1", "W0004", "羽绒服", "测*四", 300, "羽绒服", 200, 100),
        ("2", "W0006", "羽绒服", "测*六", 300, None, 0, 300),
        (None, "小计", "羽绒服", "2 个", 600, None, 200, 400),
        ("3", "W0005", "书包", "测*五", 300, None, 0, 300),
        (None, "小计", "书包", "1 个", 300, None, 0, 300),
        ("4", "W0007", "台灯", "测*七", 300, "台灯", 300, 0),
        (None, "小计", "台灯", "1 个", 300, None, 300, 0),
        (None, "合计", None, "4 个", 1200, None, 500, 700),
    ]
    # Printed: A4, the title, subtitle and header on every page, one page wide.
    assert sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    s = status(campaign)
    assert s["purchasing"] == {"count": 4, "amount": "1200.00"}
    kinds = {w["id"]: (w["kind"], w["state"], w["batch"]) for w in s["wishes"]}
    assert kinds["W0007"] == ("物资", "purchasing", "WG2025-001")
    assert kinds["W0001"] == ("资金", "pending", "WP2025-001")


def test_funded_cash_wishes_without_a_usable_account_are_listed_not_paid(campaign: Path) -> None:
    result = pay(campaign)
    assert [(m["id"], m["county"], m["name"], m["reason"]) for m in result["missing_account"]] == [
        ("W0003", "张北县", "测*三", "缺少收款账号"),
        ("W0008", "张北县", "测*八", "缺少户名（监护人）"),
        ("W0009", "张北县", "测*九", "收款账号不是有效的银行账号"),
    ]
    s = status(campaign)
    assert s["missing_account"] == ["W0003", "W0008", "W0009"]
    by_id = {w["id"]: w for w in s["wishes"]}
    assert all(by_id[w]["state"] == "unpaid" for w in s["missing_account"])
    assert by_id["W0003"]["reason"] == "缺少收款账号"
    assert s["unpaid"] == {"count": 3, "amount": "900.00"}
    shown = cli(campaign, "wishes", "pay").output
    assert "没有待付款的资金心愿" in shown
    assert "W0003 张北县 测*三  缺少收款账号" in shown
    english = cli(campaign, "wishes", "pay", "--lang", "en").output
    assert "W0008 张北县 测*八  no 户名 (the guardian's name)" in english


def test_paying_twice_pays_nobody_new(campaign: Path) -> None:
    pay(campaign)
    before = status(campaign)
    again = pay(campaign)
    assert (again["batch"], again["purchase"], again["count"]) == (None, None, 0)
    assert not list((campaign / "out").glob("WP2025-002*"))
    assert not list((campaign / "out").glob("采购清单-WG2025-002*"))
    assert status(campaign) == before
    nothing = cli(campaign, "wishes", "pay", "--retry")
    assert nothing.exit_code == 0 and "没有需要重新付款的心愿" in nothing.output


def test_results_accounts_update_and_retry_pay_only_the_corrected(
    campaign: Path, tmp_path: Path
) -> None:
    pay(campaign)
    batch = campaign / "out" / "WP2025-001-basic.csv"
    answer = bank_result(batch, tmp_path / "回盘.xlsx", {1: ("失败", "账户已销户")})
    done = cli(campaign, "wishes", "payments", "import", answer)
    assert done.exit_code == 0, done.output
    assert "到账 1 笔，失败 1 笔" in done.output
    assert "W0001 张北县 测*护  账户已销户" in done.output  # the 户名, masked
    s = status(campaign)
    w1 = next(w for w in s["wishes"] if w["id"] == "W0001")
    assert (w1["state"], w1["batch"], w1["reason"]) == ("failed", "WP2025-001", "账户已销户")
    assert states(campaign)["W0002"] == "paid"
    shown = cli(campaign, "wishes", "payments", "status").output
    assert "W0001 张北县 测*一  付款失败（账户已销户）" in shown  # the child, masked
    # Not corrected yet: listed, not paid again.
    unchanged = pay(campaign, "--retry")
    assert unchanged["batch"] is None
    assert [(u["id"], u["reason"]) for u in unchanged["unchanged"]] == [("W0001", "账户已销户")]
    # W0001's new card, W0003's first account: --retry pays only the failed W0001.
    book = accounts_book(
        tmp_path / "更正.xlsx",
        [["W0001", FIXED, "", "测银行"], ["W0003", A3, "测三监护", ""], ["W0002", A1, "", ""]],
    )
    fixed = cli(campaign, "wishes", "accounts", "update", book)
    assert fixed.exit_code == 0, fixed.output
    assert "已记录 3 个心愿的新账号" in fixed.output
    assert "已付款成功" in fixed.output  # W0002: recorded, never used
    retry = pay(campaign, "--retry")
    assert (retry["batch"], retry["count"], retry["purchase"]) == ("WP2025-002", 1, None)
    rows = batch_rows(campaign / "out" / "WP2025-002-basic.csv")
    assert [(r["户名"], r["账号"], r["开户银行"], r["金额"]) for r in rows] == [
        ("测监护", FIXED, "测银行", "300.00")
    ]
    assert states(campaign)["W0003"] == "unpaid"
    # A plain pay now pays W0003 to its new account, and nobody twice.
    plain = pay(campaign)
    assert (plain["batch"], plain["count"]) == ("WP2025-003", 1)
    rows = batch_rows(campaign / "out" / "WP2025-003-basic.csv")
    assert [(r["户名"], r["账号"]) for r in rows] == [("测三监护", A3)]
    assert status(campaign)["missing_account"] == ["W0008", "W0009"]


def test_status_document_shape_and_invariant(campaign: Path, tmp_path: Path) -> None:
    pay(campaign)
    answer = bank_result(
        campaign / "out" / "WP2025-001-basic.csv", tmp_path / "r.xlsx", {2: ("失败", "户名不符")}
    )
    assert cli(campaign, "wishes", "payments", "import", answer).exit_code == 0
    s = status(campaign)
    assert list(s) == STATUS_KEYS
    assert all(list(w) == WISH_KEYS for w in s["wishes"])
    assert (s["campaign"], s["funded"], s["amount"]) == ("weixinyuan-2025", 9, "2900.00")
    assert (s["cash_pending"], s["withdrawn"], s["backfilled"]) == (
        {"count": 0, "amount": "0.00"},
        0,
        0,
    )
    parts = sum(Decimal(s[k]["amount"]) for k in STATES)
    assert parts == Decimal(s["amount"])
    assert sum(s[k]["count"] for k in STATES) == s["funded"] == len(s["wishes"])
    assert {w["delivered"] for w in s["wishes"]} == {None}
    with ledger_at(campaign).read() as conn:
        library = read_status(conn, 2025)
    assert library.status.balanced()
    assert s == library.as_json()


def test_status_terminal_shows_states_stages_and_masked_names(campaign: Path) -> None:
    pay(campaign)
    shown = cli(campaign, "wishes", "payments", "status").output
    for text in (
        "已列入采购清单",
        "等待银行回盘",
        "已采购",
        "已认领",
        "待认领",
        "W0003 张北县 测*三",
    ):
        assert text in shown
    assert "测小三" not in shown
    english = cli(campaign, "wishes", "payments", "status", "--lang", "en").output
    assert "purchasing" in english and "waiting for donors" in english
    assert "W0003 张北县 测*三  no 收款账号 (account)" in english


def test_no_full_account_or_name_on_the_terminal(campaign: Path, tmp_path: Path) -> None:
    outputs = [cli(campaign, "wishes", "pay").output]
    answer = bank_result(
        campaign / "out" / "WP2025-001-basic.csv", tmp_path / "r.xlsx", {1: ("失败", "账号不存在")}
    )
    outputs.append(cli(campaign, "wishes", "payments", "import", answer).output)
    book = accounts_book(tmp_path / "a.xlsx", [["W0001", "6217-0000", "", ""]])
    outputs.append(cli(campaign, "wishes", "accounts", "update", book).output)
    outputs.append(cli(campaign, "wishes", "payments", "status", "--all").output)
    for text in outputs:
        for secret in (A1, A2, A3, "62170000", "测小一", "测监护", "测大二"):
            assert secret not in text


# ------------------------------------------------------------------ accounts update


def test_accounts_update_with_errors_records_nothing(campaign: Path, tmp_path: Path) -> None:
    book = accounts_book(
        tmp_path / "更正.xlsx",
        [
            ["W0001", FIXED, "", ""],  # fine, but the file has errors
            ["W0099", FIXED, "", ""],
            ["W0003", "1234", "", ""],
            ["", FIXED, "", ""],
            ["W0008", 6217000000000000000, "", ""],
            ["W0009", make_account("622202")[:-1] + "0", "测九监护", ""],
        ],
    )
    bad = cli(campaign, "wishes", "accounts", "update", book, "--json")
    assert bad.exit_code == 1
    document = json.loads(bad.stdout)
    assert [(f["row"], f["column"], f["code"]) for f in document["findings"]] == [
        (3, "心愿编号", "NO_SUCH_WISH"),
        (4, "收款账号", "BANK_ACCOUNT_INVALID"),
        (5, "心愿编号", "MISSING_FIELD"),
        (6, "收款账号", "PRECISION_LOST"),
        (7, "收款账号", "BANK_ACCOUNT_CHECKSUM"),
    ]
    assert document["updated"] == 0
    assert "“4 位数字”" in document["findings"][1]["message"]
    with ledger_at(campaign).read() as conn:
        assert conn is not None
        assert store.latest_accounts(conn, "wishes", None) == {}


def test_accounts_update_the_files_last_row_for_a_wish_is_the_one_used(
    campaign: Path, tmp_path: Path
) -> None:
    """A file read top to bottom: a later row for the same wish (here: back to the
    registered account) is compared with the row before it, and is the one recorded."""
    with ledger_at(campaign).read() as conn:
        assert conn is not None
        registered = store.latest_accounts(conn, "wishes", None).get("W0001")
    assert registered is None
    book = accounts_book(tmp_path / "a.xlsx", [["W0001", FIXED, "", ""], ["W0001", A1, "", ""]])
    done = json.loads(cli(campaign, "wishes", "accounts", "update", book, "--json").stdout)
    assert (done["updated"], done["unchanged"]) == (2, 0)
    with ledger_at(campaign).read() as conn:
        assert conn is not None
        assert store.latest_accounts(conn, "wishes", None)["W0001"].account == A1


def test_accounts_update_requires_its_columns(campaign: Path, tmp_path: Path) -> None:
    book = accounts_book(
        tmp_path / "更正.xlsx", [["W0001", "测监护", "测银行"]], ["编号", "户名", "开户银行"]
    )
    done = cli(campaign, "wishes", "accounts", "update", book, "--json")
    assert done.exit_code == 1
    found = json.loads(done.stdout)["findings"]
    assert [(f["column"], f["code"]) for f in found] == [("收款账号", "COLUMN_MISSING")]


def test_accounts_update_of_a_wish_without_guardian_needs_a_name(
    campaign: Path, tmp_path: Path
) -> None:
    pay(campaign)
    book = accounts_book(tmp_path / "a.xlsx", [["W0008", FIXED, "", ""]])
    done = cli(campaign, "wishes", "accounts", "update", book)
    assert done.exit_code == 0
    assert "没有户名" in done.output
    assert status(campaign)["missing_account"] == ["W0003", "W0008", "W0009"]
    book = accounts_book(tmp_path / "b.xlsx", [["W0008", FIXED, "测八监护", "测银行"]])
    assert cli(campaign, "wishes", "accounts", "update", book).exit_code == 0
    paid = pay(campaign)
    assert (paid["batch"], paid["count"]) == ("WP2025-002", 1)
    assert status(campaign)["missing_account"] == ["W0003", "W0009"]


# ------------------------------------------------------------------ settings, failures


def test_payment_memo_setting_is_used_and_checked(campaign: Path) -> None:
    settings = campaign / "zjk-charity.toml"
    settings.write_text(
        'campaign_year = 2025\n[wishes]\npayment_memo = "{year}年圆梦微心愿"\n', encoding="utf-8"
    )
    pay(campaign)
    rows = batch_rows(campaign / "out" / "WP2025-001-basic.csv")
    assert {r["摘要"] for r in rows} == {"2025年圆梦微心愿"}
    settings.write_text('[wishes]\npayment_memo = "{year}{who}"\n', encoding="utf-8")
    refused = cli(campaign, "wishes", "pay")
    assert refused.exit_code == 2
    assert "wishes.payment_memo" in refused.output


def test_a_failed_pay_leaves_no_file_and_no_record(campaign: Path) -> None:
    out = campaign / "out"
    out.mkdir(exist_ok=True)
    (out / "采购清单-WG2025-001.xlsx").write_bytes(b"a clerk's own file")
    refused = cli(campaign, "wishes", "pay")
    assert refused.exit_code == 2 and "已存在" in refused.output
    assert (out / "采购清单-WG2025-001.xlsx").read_bytes() == b"a clerk's own file"
    assert not list(out.glob("WP2025-001*"))  # the bank file written before is gone
    with closing(connect_ledger(campaign)) as conn:
        assert conn.execute("SELECT count(*) FROM payment_instructions").fetchone() == (0,)


def test_results_before_any_batch_and_an_unknown_row(campaign: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.csv"
    fake.write_text("序号,户名,账号,开户银行,金额,摘要\n1,测监护," + A1 + ",,300.00,x\n", "gbk")
    answer = bank_result(fake, tmp_path / "r.xlsx")
    early = cli(campaign, "wishes", "payments", "import", answer)
    assert early.exit_code == 2 and "wishes pay" in early.output
    pay(campaign)
    other = tmp_path / "other.csv"
    other.write_text("序号,户名,账号,开户银行,金额,摘要\n1,测某," + FIXED + ",,300.00,x\n", "gbk")
    wrong = cli(campaign, "wishes", "payments", "import", bank_result(other, tmp_path / "w.xlsx"))
    assert wrong.exit_code == 1 and "RESULT_UNMATCHED" in wrong.output


def test_an_empty_workspace_has_nobody_to_pay(tmp_path: Path) -> None:
    ws = tmp_path / "empty"
    refused = cli(ws, "wishes", "pay")
    assert refused.exit_code == 2 and "wishes import" in refused.output
    assert not ledger_exists(ws)
    s = status(ws)
    assert (s["funded"], s["amount"], s["wishes"], s["missing_account"]) == (0, "0.00", [], [])
