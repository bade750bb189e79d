"""Bank result files (回盘): reading them in the banks' layouts, and matching their rows to
our payment instructions (payout.md, ``aid payments import``)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from hypothesis import given, settings
from hypothesis import strategies as st

from zjk_charity.errors import UserError
from zjk_charity.payments.matching import Matching, Update, match_results, names_agree
from zjk_charity.payments.model import Instruction, Outcome, ResultRow, State, mask_account
from zjk_charity.payments.results import (
    RESULT_COLUMNS,
    ResultFile,
    outcome_of,
    read_account,
    read_results,
)

HEADER = ["序号", "账号", "户名", "金额", "状态", "失败原因"]
SHA = "a" * 64


def account(n: int) -> str:
    """A synthetic 19-digit card number."""
    return f"62220200{n:011d}"


A1, A2, A3 = account(1), account(2), account(3)
ROWS = [
    [1, A1, "测甲", "1000.00", "成功", None],
    [2, A2, "测乙", "1000.00", "失败", "账户已销户"],
    [3, A3, "测丙", "800.00", "处理中", None],
]


def xlsx(path: Path, rows: Sequence[Sequence[Any] | None], header: Sequence[str] = HEADER) -> Path:
    """A bank's result workbook: a merged title, a date line, the header, the rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "代发明细"
    ws.append(["张家口市民政局代发回盘明细"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(["交易日期：2025-11-02"])
    ws.append(list(header))
    for row in rows:
        ws.append([] if row is None else list(row))
    wb.save(path)
    return path


def gbk_csv(path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def read_rows(result: ResultFile) -> list[tuple[Any, ...]]:
    return [(r.row, r.account, r.name, r.amount, r.outcome, r.reason, r.line) for r in result.rows]


def codes(found: ResultFile | Matching) -> list[tuple[int | None, str | None, str]]:
    return [(f.row, f.column, f.code) for f in found.findings]


EXPECTED = [
    (4, A1, "测甲", Decimal("1000.00"), "success", "", 1),
    (5, A2, "测乙", Decimal("1000.00"), "failure", "账户已销户", 2),
    (6, A3, "测丙", Decimal("800.00"), "pending", "", 3),
]


# Reading ------------------------------------------------------------------------------


def test_xlsx_with_title_and_merged_cells(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "回盘.xlsx", ROWS)
    result = read_results(path)
    assert read_rows(result) == EXPECTED
    assert result.findings == []
    assert result.name == "回盘.xlsx"
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert {r.sheet for r in result.rows} == {"代发明细"}


def test_gbk_csv_reads_like_the_workbook(tmp_path: Path) -> None:
    path = gbk_csv(tmp_path / "回盘.csv", ROWS)
    assert path.read_bytes().decode("gbk")  # really GBK, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = read_results(path)
    # The CSV has no title lines: the header is line 1.
    assert read_rows(result) == [(n - 2, *rest) for n, *rest in EXPECTED]


def test_xls_reads_like_the_workbook(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("代发明细")
    ws.write_merge(0, 0, 0, len(HEADER) - 1, "张家口市民政局代发回盘明细")
    ws.write(1, 0, "交易日期：2025-11-02")
    for c, text in enumerate(HEADER):
        ws.write(2, c, text)
    for r, line in enumerate(ROWS, start=3):
        for c, value in enumerate(line):
            if value is not None:
                ws.write(r, c, value)
    path = tmp_path / "回盘.xls"
    book.save(str(path))
    assert read_rows(read_results(path)) == EXPECTED


ALIASES = [(c.name, alias) for c in RESULT_COLUMNS for alias in c.aliases]


@pytest.mark.parametrize(("column", "alias"), ALIASES)
def test_every_header_alias(tmp_path: Path, column: str, alias: str) -> None:
    header = ["序号", "批次", "账号", "户名", "金额", "状态", "失败原因"]
    row = [7, "P2025-001", A1, "测甲", "1000.00", "失败", "户名不符"]
    if column == "备注":  # the reason column only when there is no 失败原因
        header[-1] = alias
    else:
        header[header.index(column)] = alias
    (read,) = read_results(xlsx(tmp_path / "a.xlsx", [row], header)).rows
    assert (read.line, read.batch, read.account, read.name) == (7, "P2025-001", A1, "测甲")
    assert (read.amount, read.outcome, read.reason) == (Decimal("1000.00"), "failure", "户名不符")


def test_note_column_is_the_reason_only_without_a_reason_column(tmp_path: Path) -> None:
    header = ["账号", "金额", "状态", "备注", "失败原因"]
    rows = [[A1, "1000", "失败", "2025年福彩暖冬救助金", "账号不存在"]]
    (row,) = read_results(xlsx(tmp_path / "a.xlsx", rows, header)).rows
    assert row.reason == "账号不存在"


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("成功", "success"),
        ("交易成功", "success"),
        ("处理成功", "success"),
        ("已成功", "success"),
        ("S", "success"),
        ("s", "success"),
        ("Ｓ", "success"),
        (" 成 功 ", "success"),
        ("SUCCESS", "success"),
        ("成功。", "success"),
        ("失败", "failure"),
        ("交易失败", "failure"),
        ("处理失败", "failure"),
        ("F", "failure"),
        ("ｆ", "failure"),
        ("Failed", "failure"),
        ("退票", "failure"),
        ("处理中", "pending"),
        ("待处理", "pending"),
        ("已受理", "pending"),
        ("\u3000处理中\t", "pending"),
    ],
)
def test_status_values(value: str, outcome: Outcome) -> None:
    assert outcome_of(value) == (outcome, "")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("失败：账户已销户", "账户已销户"),
        ("交易失败-户名不符", "户名不符"),
        ("失败(账号不存在)", "账号不存在"),
    ],
)
def test_a_reason_written_after_the_status(value: str, reason: str) -> None:
    assert outcome_of(value) == ("failure", reason)


@pytest.mark.parametrize("value", ["未知", "成功率", "SF", "0", "失败了吗"])
def test_no_status(value: str) -> None:
    assert outcome_of(value) is None


def test_unknown_or_blank_status_is_a_finding(tmp_path: Path) -> None:
    rows = [[1, A1, "测甲", "1000", "已完成", None], [2, A2, "测乙", "1000", None, None], ROWS[2]]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert codes(result) == [(4, "状态", "INVALID_VALUE"), (5, "状态", "MISSING_FIELD")]
    assert [r.row for r in result.rows] == [6]
    assert "已完成" in result.findings[0].message()


def test_total_row_is_skipped_and_noted(tmp_path: Path) -> None:
    rows = [*ROWS, ["合计", None, None, "2800.00", "3笔", None]]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert [r.row for r in result.rows] == [4, 5, 6]
    (note,) = result.notes
    assert "第 7 行是合计行" in note.zh and "3 笔" in note.zh and "2800.00" in note.zh
    assert "row 7 is a total row" in note.message("en")


def test_a_total_that_disagrees_with_the_rows_is_noted(tmp_path: Path) -> None:
    rows = [*ROWS, [None, "总计：4笔，金额 3800.00 元", None, None, None, None]]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert [r.row for r in result.rows] == [4, 5, 6]
    total, differs = result.notes
    assert "4 笔，3800.00 元" in total.zh
    assert "不符" in differs.zh and "3 笔，2800.00 元" in differs.zh


def test_section_totals_and_a_grand_total(tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        ROWS[1],
        ["小计", None, None, "2000.00", None, None],
        ROWS[2],
        ["小计", None, None, "800.00", None, None],
        ["合计", None, None, "2800.00", None, None],
    ]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert len(result.rows) == 3
    assert len(result.notes) == 3 and not any("不符" in n.zh for n in result.notes)


def test_blank_and_footer_rows(tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        None,
        ROWS[1],
        None,
        ["制表人：张三", None, "复核人：李四"],
        ["打印时间：2025-11-02"],
    ]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert [r.row for r in result.rows] == [4, 6]
    assert result.findings == []
    (note,) = result.notes
    assert "第 8、9 行" in note.zh and "制表人" in note.zh


def test_second_header_block_with_other_columns(tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        ["失败明细"],
        ["状态", "金额", "收款人账号", "收款人", "原因"],
        ["交易失败", "500", A3, "测丙", "户名不符"],
    ]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert [(r.row, r.account, r.amount, r.outcome, r.reason) for r in result.rows] == [
        (4, A1, Decimal("1000.00"), "success", ""),
        (7, A3, Decimal("500.00"), "failure", "户名不符"),
    ]
    assert any("第 6 行是又一个表头" in n.zh for n in result.notes)


def test_account_stored_as_number(tmp_path: Path) -> None:
    rows = [
        [1, int(A1), "测甲", 1000, "成功", None],  # 19 digits: Excel kept 15
        [2, 622202000012, "测乙", 1000, "成功", None],  # 12 digits: nothing lost
    ]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert codes(result) == [(4, "账号", "PRECISION_LOST")]
    assert [(r.row, r.account) for r in result.rows] == [(5, "622202000012")]


def test_account_in_scientific_notation_in_a_csv(tmp_path: Path) -> None:
    rows = [[1, "6.22202E+18", "测甲", "1000", "成功", None]]
    result = read_results(gbk_csv(tmp_path / "a.csv", rows))
    assert codes(result) == [(2, "账号", "PRECISION_LOST")]
    assert result.rows == []


@pytest.mark.parametrize(
    "cell",
    [
        f" {A1[:4]} {A1[4:]}",
        f"{A1}\t",
        f"'{A1}",
        f'="{A1}"',
        A1.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ],
)
def test_account_cleaning(cell: str) -> None:
    assert read_account(cell).digits == A1


def test_account_with_letters_is_a_finding(tmp_path: Path) -> None:
    rows = [[1, "6222****1234", "测甲", "1000", "成功", None]]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert codes(result) == [(4, "账号", "BANK_ACCOUNT_INVALID")]


def test_amounts(tmp_path: Path) -> None:
    rows = [
        [1, A1, "测甲", "1,000.50", "成功", None],
        [2, A2, "测乙", "￥800元", "成功", None],
        [3, A3, "测丙", None, "失败", "账号不存在"],
        [4, account(4), "测丁", "一千", "成功", None],
        [5, account(5), "测戊", 300.1, "成功", None],
    ]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert [r.amount for r in result.rows] == [
        Decimal("1000.50"),
        Decimal("800.00"),
        None,
        Decimal("1000.00"),
        Decimal("300.10"),
    ]
    bad = [[1, A1, "测甲", "1000.005", "成功", None]]
    result = read_results(xlsx(tmp_path / "b.xlsx", bad))
    assert codes(result) == [(4, "金额", "INVALID_VALUE")]


def test_missing_required_column(tmp_path: Path) -> None:
    header = ["序号", "账号", "户名", "金额"]
    result = read_results(xlsx(tmp_path / "a.xlsx", [r[:4] for r in ROWS], header))
    assert codes(result) == [(3, "状态", "COLUMN_MISSING")]
    assert result.rows == []


def test_unreadable_files_raise(tmp_path: Path) -> None:
    with pytest.raises(UserError):
        read_results(tmp_path / "nope.xlsx")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("账号,金额,状态\n", encoding="utf-8")
    with pytest.raises(UserError):
        read_results(fake)
    headless = gbk_csv(tmp_path / "b.csv", [], ["甲", "乙"])
    with pytest.raises(UserError):
        read_results(headless)


def test_findings_never_show_a_full_account(tmp_path: Path) -> None:
    rows = [[1, f"{A1}x", "测甲", "1000", "成功", None], [2, A2, "测乙", "abc", "怪", None]]
    result = read_results(xlsx(tmp_path / "a.xlsx", rows))
    assert result.findings
    for finding in result.findings:
        for lang in ("zh", "en"):
            assert A1 not in finding.message(lang) and A2 not in finding.message(lang)


# Matching -----------------------------------------------------------------------------


def instruction(
    id: int,
    acct: str,
    amount: str = "1000.00",
    *,
    state: State = "pending",
    batch: str = "P2025-001",
    line: int | None = None,
    payee: str | None = None,
    name: str | None = None,
    method: str = "bank",
) -> Instruction:
    return Instruction(
        id=id,
        batch=batch,
        method=method,  # type: ignore[arg-type]
        line=id if line is None else line,
        payee=payee or f"payee{id}",
        county="张北县",
        name=name or f"测{id}",
        account=acct,
        bank="农业银行",
        amount=Decimal(amount),
        state=state,
    )


def result_row(
    acct: str,
    outcome: Outcome = "success",
    amount: str | None = "1000.00",
    *,
    row: int = 2,
    line: int | None = None,
    batch: str | None = None,
    name: str = "",
    reason: str = "",
) -> ResultRow:
    return ResultRow(
        file="回盘.xlsx",
        sheet="Sheet1",
        row=row,
        account=acct,
        name=name,
        amount=None if amount is None else Decimal(amount),
        outcome=outcome,
        reason=reason,
        line=line,
        batch=batch,
    )


def states(matching: Matching) -> list[tuple[int, str, str, bool]]:
    return [(u.instruction, u.state, u.reason, u.double) for u in matching.updates]


def applied(instructions: Sequence[Instruction], updates: Sequence[Update]) -> list[Instruction]:
    """The instructions as the store holds them after the updates."""
    by_id = {u.instruction: u for u in updates}
    out = []
    for i in instructions:
        u = by_id.get(i.id)
        out.append(
            i
            if u is None
            else dataclasses.replace(i, state=u.state, reason=u.reason, double=u.double)
        )
    return out


def test_success_failure_and_pending() -> None:
    instructions = [instruction(1, A1), instruction(2, A2), instruction(3, A3, "800.00")]
    rows = [
        result_row(A1, "success", row=2),
        result_row(A2, "failure", row=3, reason="账户已销户"),
        result_row(A3, "pending", "800.00", row=4),
    ]
    m = match_results(rows, instructions, sha256=SHA)
    assert states(m) == [(1, "paid", "", False), (2, "failed", "账户已销户", False)]
    assert (m.counts.paid, m.counts.failed, m.counts.pending) == (1, 1, 1)
    assert m.findings == []
    assert [x.instruction for x in m.matched] == [1, 2, 3]


def test_result_unmatched() -> None:
    m = match_results([result_row(A3)], [instruction(1, A1)], sha256=SHA)
    assert codes(m) == [(2, "账号", "RESULT_UNMATCHED")]
    assert m.updates == [] and m.counts.skipped == 1
    message = m.findings[0].message()
    assert A3 not in message and mask_account(A3) in message and "1000.00" in message


def test_double_payment_is_recorded_as_money_to_recover() -> None:
    instructions = [
        instruction(1, A1, state="paid", batch="P2025-001", payee="P"),
        instruction(2, A2, batch="P2025-002", payee="P", line=1),
    ]
    m = match_results([result_row(A2)], instructions, sha256=SHA)
    assert codes(m) == [(2, "状态", "DOUBLE_PAYMENT")]
    assert states(m) == [(2, "paid", "", True)]
    assert (m.counts.paid, m.counts.double) == (1, 1)
    assert "P2025-001" in m.findings[0].message()


def test_double_payment_after_a_cash_payment() -> None:
    instructions = [
        instruction(1, "", state="paid", batch="C2025-001", payee="P", method="cash"),
        instruction(2, A1, state="failed", batch="P2025-001", payee="P"),
    ]
    m = match_results([result_row(A1)], instructions, sha256=SHA)
    assert codes(m) == [(2, "状态", "DOUBLE_PAYMENT")]
    assert states(m) == [(2, "paid", "", True)]


def test_double_payment_to_a_withdrawn_payee() -> None:
    instructions = [instruction(1, A1, state="failed", payee="P")]
    m = match_results([result_row(A1)], instructions, sha256=SHA, withdrawn={"P": "去世"})
    assert codes(m) == [(2, "状态", "DOUBLE_PAYMENT")]
    assert m.findings[0].params["variant"] == "withdrawn"
    assert "去世" in m.findings[0].message()
    assert states(m) == [(1, "paid", "", True)]


def test_amount_mismatch_is_not_applied() -> None:
    m = match_results([result_row(A1, amount="100.00")], [instruction(1, A1)], sha256=SHA)
    assert codes(m) == [(2, "金额", "RESULT_AMOUNT_MISMATCH")]
    assert m.updates == [] and m.counts.skipped == 1
    assert "100.00" in m.findings[0].message() and "1000.00" in m.findings[0].message()


def test_amount_mismatch_by_line() -> None:
    m = match_results(
        [result_row(A1, amount="100.00", line=1, batch="P2025-001")],
        [instruction(1, A1)],
        sha256=SHA,
    )
    assert codes(m) == [(2, "金额", "RESULT_AMOUNT_MISMATCH")]


def test_name_mismatch_is_a_warning_and_applied() -> None:
    m = match_results([result_row(A1, name="测乙")], [instruction(1, A1, name="测甲")], sha256=SHA)
    assert codes(m) == [(2, "户名", "RESULT_NAME_MISMATCH")]
    assert m.findings[0].severity == "warning"
    assert states(m) == [(1, "paid", "", False)]


@pytest.mark.parametrize(
    ("bank", "ours", "agree"),
    [
        ("测甲", "测甲", True),
        (" 测 甲 ", "测甲", True),
        ("", "测甲", True),
        ("测*", "测甲", True),
        ("欧*明", "欧阳小明", True),
        ("*小明", "欧阳小明", True),
        ("阿依古丽买买提", "阿依古丽·买买提", True),
        ("测乙", "测甲", False),
        ("张*", "测甲", False),
    ],
)
def test_names_agree(bank: str, ours: str, agree: bool) -> None:
    assert names_agree(bank, ours) is agree


def test_late_correction_is_applied() -> None:
    instructions = [instruction(1, A1, state="failed")]
    m = match_results([result_row(A1)], instructions, sha256=SHA)
    assert states(m) == [(1, "paid", "", False)]
    assert m.updates[0].previous == "failed"
    assert (m.counts.paid, m.counts.corrected) == (1, 1)
    assert m.findings == []


def test_pending_instruction_wins_over_a_failed_one() -> None:
    instructions = [
        instruction(1, A1, state="failed", batch="P2025-001"),
        instruction(2, A1, batch="P2025-002", line=1),
    ]
    m = match_results([result_row(A1)], instructions, sha256=SHA)
    assert states(m) == [(2, "paid", "", False)]


def test_a_failure_that_fits_an_old_failed_and_a_waiting_instruction_is_not_guessed() -> None:
    """The old batch's result saved again (another sha256, no 批次 column) must not fail
    the retry still at the bank; naming the batch settles it."""
    instructions = [
        instruction(1, A1, state="failed", batch="P2025-001"),
        instruction(2, A1, batch="P2025-002", line=1),
    ]
    m = match_results([result_row(A1, "failure")], instructions, sha256=SHA)
    assert m.updates == []
    assert [(f.code, f.params.get("variant")) for f in m.findings] == [
        ("RESULT_UNMATCHED", "ambiguous")
    ]
    assert "--batch" in m.findings[0].message("zh")
    named = match_results([result_row(A1, "failure")], instructions, sha256=SHA, batch="P2025-002")
    assert states(named) == [(2, "failed", "", False)]


def test_a_result_restricted_to_one_profile_still_sees_a_payment_by_another() -> None:
    """--profile narrows the instructions rows may match, not who counts as paid."""
    instructions = [
        instruction(1, A1, state="paid", batch="P2025-001"),
        instruction(2, A1, batch="P2025-002", line=1, payee=instruction(1, A1).payee),
    ]
    m = match_results([result_row(A1)], instructions, sha256=SHA, only={2})
    assert [f.code for f in m.findings] == ["DOUBLE_PAYMENT"]
    assert states(m) == [(2, "paid", "", True)]


@pytest.mark.parametrize(
    "value",
    ["成功-待入账", "成功(部分)", "已发放(退回)", "成功，已退回", "S-处理中", "处理中：排队"],
)
def test_a_success_or_pending_status_with_words_after_it_is_not_read(value: str) -> None:
    assert outcome_of(value) is None


def test_reimport_is_a_no_op() -> None:
    instructions = [instruction(1, A1), instruction(2, A2), instruction(3, A3)]
    rows = [
        result_row(A1, row=2),
        result_row(A2, "failure", row=3, reason="户名不符"),
        result_row(A3, "pending", row=4),
    ]
    first = match_results(rows, instructions, sha256=SHA)
    after = applied(instructions, first.updates)
    keys = {(SHA, x.row.sheet, x.row.row): x.instruction for x in first.matched}
    again = match_results(rows, after, sha256=SHA, applied=keys)
    assert again.updates == [] and again.findings == [] and again.counts.already == 3
    # Without the record of applied rows (a copy saved again, another sha256) nothing
    # changes either: each instruction already has the stated result.
    copy = match_results(rows, after, sha256="b" * 64)
    assert copy.updates == [] and copy.findings == []
    assert (copy.counts.already, copy.counts.pending) == (2, 1)


def test_line_wins_over_account_and_amount() -> None:
    # One guardian's account for two wishes: same account, same amount.
    instructions = [instruction(1, A1, payee="W0001"), instruction(2, A1, payee="W0002")]
    rows = [
        result_row(A1, "failure", line=2, row=2, reason="账户冻结"),
        result_row(A1, "success", line=1, row=3),
    ]
    m = match_results(rows, instructions, sha256=SHA, batch="P2025-001")
    assert states(m) == [(2, "failed", "账户冻结", False), (1, "paid", "", False)]
    # Without 序号 the rows take them in line order.
    bare = [dataclasses.replace(r, line=None) for r in rows]
    m = match_results(bare, instructions, sha256=SHA)
    assert states(m) == [(1, "failed", "账户冻结", False), (2, "paid", "", False)]


def test_line_from_the_batch_column_or_the_only_open_batch() -> None:
    instructions = [
        instruction(1, A1, batch="P2025-001", line=1, state="failed"),
        instruction(2, A2, batch="P2025-001", line=2, state="failed"),
        instruction(3, A2, batch="P2025-002", line=1),
        instruction(4, A1, batch="P2025-002", line=2),
    ]
    by_column = [result_row(A2, line=2, batch="p2025-001")]
    assert states(match_results(by_column, instructions, sha256=SHA)) == [(2, "paid", "", False)]
    only_open = [result_row(A1, line=2)]
    assert states(match_results(only_open, instructions, sha256=SHA)) == [(4, "paid", "", False)]


def test_a_line_with_another_account_is_not_ours() -> None:
    # The bank numbered its rows its own way: 序号 1 is another person.
    instructions = [instruction(1, A1, line=1), instruction(2, A2, line=2)]
    m = match_results([result_row(A2, line=1, batch="P2025-001")], instructions, sha256=SHA)
    assert states(m) == [(2, "paid", "", False)]


def test_two_rows_for_one_instruction_apply_neither() -> None:
    instructions = [instruction(1, A1)]
    rows = [result_row(A1, "failure", line=1, row=2), result_row(A1, "success", line=1, row=3)]
    m = match_results(rows, instructions, sha256=SHA, batch="P2025-001")
    assert m.updates == [] and m.counts.skipped == 2
    assert codes(m) == [(2, "账号", "RESULT_UNMATCHED"), (3, "账号", "RESULT_UNMATCHED")]
    assert "第 2、3 行" in m.findings[0].message()
    assert "rows 2, 3" in m.findings[0].message("en")


def test_failure_for_a_paid_instruction_is_not_applied() -> None:
    m = match_results([result_row(A1, "failure")], [instruction(1, A1, state="paid")], sha256=SHA)
    assert codes(m) == [(2, "状态", "RESULT_UNMATCHED")]
    assert m.findings[0].params["variant"] == "paid"
    assert m.updates == []


def test_pending_for_a_resolved_instruction_is_a_no_op() -> None:
    instructions = [instruction(1, A1, state="paid"), instruction(2, A2, state="failed")]
    rows = [result_row(A1, "pending", row=2), result_row(A2, "pending", row=3)]
    m = match_results(rows, instructions, sha256=SHA)
    assert m.updates == [] and m.findings == [] and m.counts.already == 2


def test_cash_instructions_are_never_matched() -> None:
    cash = [instruction(1, A1, state="cash_pending", method="cash")]
    m = match_results([result_row(A1)], cash, sha256=SHA)
    assert codes(m) == [(2, "账号", "RESULT_UNMATCHED")]


def test_row_without_amount_matches_on_the_account() -> None:
    m = match_results([result_row(A1, "failure", None)], [instruction(1, A1)], sha256=SHA)
    assert states(m) == [(1, "failed", "", False)]


def test_batch_column_scopes_the_account_match() -> None:
    instructions = [instruction(1, A1, batch="P2025-001", state="failed")]
    m = match_results([result_row(A1, batch="P2025-002")], instructions, sha256=SHA)
    # P2025-002 is not one of ours (a bank's own number): not a scope.
    assert states(m) == [(1, "paid", "", False)]
    two = [*instructions, instruction(2, A1, batch="P2025-002", line=1, state="failed")]
    m = match_results([result_row(A1, batch="P2025-002")], two, sha256=SHA)
    assert states(m) == [(2, "paid", "", False)]


def test_matching_findings_never_show_a_full_account() -> None:
    instructions = [instruction(1, A1, name="测甲"), instruction(2, A2, state="paid")]
    rows = [
        result_row(A1, amount="1.00", row=2),
        result_row(A3, row=3),
        result_row(A2, "failure", row=4),
        result_row(A1, row=5, name="测乙"),
    ]
    m = match_results(rows, instructions, sha256=SHA)
    assert {f.code for f in m.findings} == {
        "RESULT_AMOUNT_MISMATCH",
        "RESULT_UNMATCHED",
        "RESULT_NAME_MISMATCH",
    }
    for finding in m.findings:
        for lang in ("zh", "en"):
            text = finding.message(lang)
            assert not any(a in text for a in (A1, A2, A3)), text


def test_reading_and_matching_a_real_layout(tmp_path: Path) -> None:
    instructions = [
        instruction(1, A1, name="测甲"),
        instruction(2, A2),
        instruction(3, A3, "800.00"),
    ]
    result = read_results(
        xlsx(tmp_path / "回盘.xlsx", [*ROWS, ["合计", None, None, "2800", None, None]])
    )
    m = match_results(result.rows, instructions, sha256=result.sha256, batch="P2025-001")
    assert states(m) == [(1, "paid", "", False), (2, "failed", "账户已销户", False)]
    assert m.counts.pending == 1


# Properties ---------------------------------------------------------------------------

amounts = st.sampled_from(["500.00", "800.00", "1000.00", "1200.50"])
outcomes = st.sampled_from(["success", "failure"])


@st.composite
def batch_and_rows(draw: st.DrawFn, distinct: bool) -> tuple[list[Instruction], list[ResultRow]]:
    """Pending instructions and one result row for each, shuffled. ``distinct``: every
    instruction its own account (rows without 序号); else a few shared accounts and
    amounts (rows with 序号 and 批次)."""
    n = draw(st.integers(1, 12))
    pool = n if distinct else draw(st.integers(1, 3))
    instructions = [
        instruction(
            i + 1,
            account(i if distinct else draw(st.integers(0, pool - 1))),
            draw(amounts),
            batch=draw(st.sampled_from(["P2025-001", "P2025-002"])),
            line=i + 1,
        )
        for i in range(n)
    ]
    rows = [
        result_row(
            i.account,
            draw(outcomes),
            str(i.amount),
            row=i.id + 1,
            line=None if distinct else i.line,
            batch=None if distinct else i.batch,
        )
        for i in instructions
    ]
    return instructions, draw(st.permutations(rows))


@given(batch_and_rows(distinct=True))
def test_every_row_matches_its_own_instruction(
    case: tuple[list[Instruction], list[ResultRow]],
) -> None:
    instructions, rows = case
    m = match_results(rows, instructions, sha256=SHA)
    assert m.findings == []
    assert sorted((u.instruction, u.row.row) for u in m.updates) == [
        (i.id, i.id + 1) for i in instructions
    ]


@given(batch_and_rows(distinct=False))
def test_every_row_matches_its_own_instruction_by_line(
    case: tuple[list[Instruction], list[ResultRow]],
) -> None:
    instructions, rows = case
    m = match_results(rows, instructions, sha256=SHA)
    assert m.findings == []
    assert sorted((u.instruction, u.row.row) for u in m.updates) == [
        (i.id, i.id + 1) for i in instructions
    ]


@st.composite
def messy(draw: st.DrawFn) -> tuple[list[Instruction], list[ResultRow]]:
    """Instructions in any state and rows in any order, duplicates and strangers included."""
    n = draw(st.integers(1, 8))
    instructions = [
        instruction(
            i + 1,
            account(draw(st.integers(0, 3))),
            draw(amounts),
            state=draw(st.sampled_from(["pending", "pending", "failed", "paid"])),
            batch=draw(st.sampled_from(["P2025-001", "P2025-002"])),
            line=i + 1,
            payee=f"P{draw(st.integers(0, 4))}",
        )
        for i in range(n)
    ]
    rows = [
        result_row(
            account(draw(st.integers(0, 4))),
            draw(st.sampled_from(["success", "failure", "pending"])),
            draw(st.one_of(st.none(), amounts)),
            row=r + 2,
            line=draw(st.one_of(st.none(), st.integers(1, n + 1))),
            batch=draw(st.sampled_from([None, "P2025-001", "P2025-002", "B99"])),
        )
        for r in range(draw(st.integers(0, 10)))
    ]
    return instructions, rows


def test_rows_on_one_instruction_are_reported_again_on_reimport_not_applied() -> None:
    # One account, four payments waiting, five 成功 rows without amounts: the fifth lands
    # on the first's instruction, so neither is applied. Imported again, the three rows
    # applied keep their instructions, and the two left must not now take the free one.
    instructions = [instruction(n, A1, "500.00") for n in range(1, 5)]  # a guardian's account
    rows = [result_row(A1, amount=None, row=r) for r in range(2, 7)]
    first = match_results(rows, instructions, sha256=SHA)
    assert sorted(u.instruction for u in first.updates) == [2, 3, 4]
    assert [(f.row, f.code, f.params["variant"]) for f in first.findings] == [
        (2, "RESULT_UNMATCHED", "twice"),
        (6, "RESULT_UNMATCHED", "twice"),
    ]
    keys = {(SHA, x.row.sheet, x.row.row): x.instruction for x in first.matched}
    again = match_results(rows, applied(instructions, first.updates), sha256=SHA, applied=keys)
    assert again.updates == [] and again.counts.already == 3 and again.counts.skipped == 2
    assert [f.row for f in again.findings] == [2, 6]


@given(messy())
@settings(max_examples=500)
def test_no_instruction_gets_two_updates_and_twice_is_nothing(
    case: tuple[list[Instruction], list[ResultRow]],
) -> None:
    instructions, rows = case
    first = match_results(rows, instructions, sha256=SHA)
    assert max(Counter(u.instruction for u in first.updates).values(), default=0) <= 1
    counts = first.counts
    assert counts.paid + counts.failed + counts.pending + counts.already + counts.skipped == len(
        rows
    )
    after = applied(instructions, first.updates)
    keys = {(SHA, x.row.sheet, x.row.row): x.instruction for x in first.matched}
    again = match_results(rows, after, sha256=SHA, applied=keys)
    assert again.updates == []
    assert again.counts.already >= len(keys)


@given(st.data())
def test_double_payment_iff_already_paid(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 10))
    paid_before = data.draw(st.sets(st.integers(0, n - 1)))
    instructions = [
        instruction(
            100 + p, account(100 + p), state="paid", batch="P2025-001", line=p + 1, payee=f"P{p}"
        )
        for p in sorted(paid_before)
    ] + [
        instruction(p + 1, account(p), batch="P2025-002", line=p + 1, payee=f"P{p}")
        for p in range(n)
    ]
    rows = [result_row(account(p), row=p + 2) for p in range(n)]
    rows = data.draw(st.permutations(rows))
    m = match_results(rows, instructions, sha256=SHA)
    doubled = {f.row for f in m.findings if f.code == "DOUBLE_PAYMENT"}
    assert doubled == {p + 2 for p in paid_before}
    assert {u.row.row for u in m.updates if u.double} == doubled
    assert len(m.updates) == n


def test_a_shorter_first_block_above_the_chosen_header_is_read(tmp_path: Path) -> None:
    # The reader takes the header naming the most columns (row 6): the block above it
    # must not be lost among the title lines.
    rows = [
        ["成功明细"],
        ["账号", "金额", "状态"],
        [A1, "1000", "成功"],
        ["失败明细"],
        ["序号", "账号", "户名", "金额", "状态", "失败原因"],
        [2, A2, "测乙", "1000", "失败", "账户已销户"],
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["回盘"])
    ws.append(["账户", "0313-0000", "户名", "张家口市民政局"])  # the payer, not a header
    for row in rows:
        ws.append(row)
    wb.save(tmp_path / "a.xlsx")
    result = read_results(tmp_path / "a.xlsx")
    assert [(r.row, r.account, r.outcome) for r in result.rows] == [
        (5, A1, "success"),
        (8, A2, "failure"),
    ]
    assert result.findings == []
    assert any("第 7 行是又一个表头" in n.zh for n in result.notes)
