"""`aid allocate`, `aid explain` and `aid finalize` on validated workbooks, as a user runs them."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import (
    bank_result,
    good_row,
    ledger_exists,
    make_account,
    make_id,
    write_workbook,
)
from zjk_charity.cli.main import app

runner = CliRunner()


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


def _people(
    n: int, county: str = "张北县", address: str = "130722", start: int = 0
) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, start + n):
        born = date(1930 + i % 40, 1 + i % 12, 1 + i % 28)
        rows.append(
            good_row(
                序号=i + 1,
                **{"县(区)": county},
                姓名=f"测{chr(0x4E00 + i)}{chr(0x4E10 + i % 7)}",
                身份证号=make_id(born.strftime("%Y%m%d"), address, f"{i % 1000:03d}"),
                年龄="",
                性别="",
                户号=f"H{i}",
                银行账号=make_account(f"6222{i:05d}"),  # each their own (ACCOUNT_SHARED)
            )
        )
    return rows


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A workspace with 张北县 (6 people) and 康保县 (4 people) validated for 2025."""
    ws = tmp_path / "ws"
    ws.mkdir()  # for its settings file: a ledger on PostgreSQL puts nothing in the folder
    a = write_workbook(tmp_path / "张北县.xlsx", _people(6))
    b = write_workbook(tmp_path / "康保县.xlsx", _people(4, "康保县", "130723", start=50))
    result = cli(ws, "aid", "validate", str(a), str(b), "--year", "2025", "--no-workbook")
    assert result.exit_code == 0, result.output
    return ws


def test_allocate_without_validated_applicants_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    result = cli(tmp_path, "aid", "allocate", "--year", "2025")
    assert result.exit_code == 2
    assert "还没有校验过的申请人" in result.output
    assert "Traceback" not in result.output
    assert not ledger_exists(tmp_path)


def test_allocate_json_is_the_documented_document_and_byte_identical(
    campaign: Path, tmp_path: Path
) -> None:
    args = ("aid", "allocate", "--year", "2025", "--budget", "7500", "--per-person", "1000")
    first = cli(campaign, *args, "--json", "--out", str(tmp_path / "a.xlsx"))
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert list(doc) == [
        "campaign",
        "budget",
        "per_person",
        "quota_total",
        "funded",
        "amount",
        "unspent",
        "counties",
        "recipients",
        "waitlist",
        "excluded",
    ]
    assert doc["campaign"] == "nuandong-2025"
    assert (doc["budget"], doc["per_person"], doc["quota_total"]) == ("7500.00", "1000.00", 7)
    assert (doc["funded"], doc["amount"], doc["unspent"]) == (7, "7000.00", "500.00")
    # 7 places over 6 and 4 candidates: 4.2 and 2.8 → 4 + 3
    assert doc["counties"] == [
        {"county": "张北县", "code": "130722", "candidates": 6, "quota": 4, "funded": 4},
        {"county": "康保县", "code": "130723", "candidates": 4, "quota": 3, "funded": 3},
    ]
    assert [r["rank"] for r in doc["recipients"]] == sorted(r["rank"] for r in doc["recipients"])
    assert all(r["amount"] == "1000.00" for r in doc["recipients"])
    assert len(doc["waitlist"]) == 3 and doc["excluded"] == []
    again = cli(campaign, *args, "--json", "--out", str(tmp_path / "b.xlsx"))
    assert again.stdout == first.stdout


def _sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path)
    return list(book[name].iter_rows(values_only=True))


def test_public_notice_is_deidentified_and_reconciles(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    rows = _people(5)
    minor_id = make_id("20100315", "130722", "222")
    rows.append(
        good_row(序号=6, 姓名="测小童", 身份证号=minor_id, 年龄="", 户号="H99", 生活自理能力="自理")
    )
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    assert cli(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook").exit_code == 0
    out = tmp_path / "alloc.xlsx"
    result = cli(ws, "aid", "allocate", "--year", "2025", "--out", str(out))
    assert result.exit_code == 0, result.output

    funded = _sheet(out, "资助名单")[2:]
    notice = _sheet(out, "公示名单")
    text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in notice)
    assert len(funded) == 6
    for row in funded:
        id_number = row[6]
        assert id_number not in text  # no full ID
    assert not re.search(r"\d{11,}", text)  # no account number (nor any long digit run)
    assert "测小童" not in text and "测*童" not in text and minor_id[-4:] not in text
    assert "未满 18 周岁的受助人 1 名" in text
    assert notice[2][0] == "张北县：资助对象 6 人，资助金额 6,000.00 元"
    assert notice[3][0].startswith("公示期：")
    listed = [r for r in notice[2:] if isinstance(r[0], int)]
    adults = [r for r in funded if r[5] != "测小童"]
    assert len(listed) == len(adults) == 5
    for public_row, row in zip(listed, adults, strict=True):
        name, id_number = row[5], row[6]
        assert public_row[4] == name[0] + "*" * (len(name) - 2) + name[-1]
        assert public_row[5] == id_number[:6] + "********" + id_number[-4:]
        assert public_row[6] == 1000

    book_ = openpyxl.load_workbook(out)
    sheet = book_["公示名单"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.print_title_rows == "$1:$2"  # the title and the column header
    assert "&P" in sheet.oddFooter.center.text


def test_allocate_writes_no_bank_file_and_labels_its_bank_sheet_for_checking(
    campaign: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "alloc.xlsx"
    result = cli(campaign, "aid", "allocate", "--year", "2025", "--out", str(out))
    assert result.exit_code == 0, result.output
    # The only file is the workbook: the bank's upload file comes from aid pay (recorded).
    assert [p.name for p in out.parent.iterdir()] == ["alloc.xlsx"]
    assert "aid pay" in result.output
    book_ = openpyxl.load_workbook(out)
    assert "银行代发" not in book_.sheetnames
    sheet = book_["银行代发（核对用）"]
    # Read on screen and on paper, it says it is for checking and where the bank file is.
    assert "核对用" in str(sheet.cell(1, 1).value)
    assert "zjk-charity aid pay" in str(sheet.cell(2, 1).value)
    assert "核对用" in sheet.oddHeader.center.text and "aid pay" in sheet.oddHeader.center.text
    header = ["序号", "户名", "账号", "开户银行", "金额", "摘要", "县(区)"]
    assert [c.value for c in sheet[3]] == header
    body = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] != "合计"]
    assert len(body) == 10 and all(r[5] == "2025年福彩暖冬资助" for r in body)
    assert {r[2] for r in body} <= {
        make_account(f"6222{i:05d}") for i in [*range(6), *range(50, 54)]
    }
    assert sheet.cell(4, 3).data_type == "s" and len(sheet.cell(4, 3).value) == 19
    assert sum(Decimal(str(r[4])) for r in body) == Decimal("10000")


def test_a_settings_file_with_the_retired_bank_csv_setting_still_loads(
    campaign: Path, tmp_path: Path
) -> None:
    # A zjk-charity.toml from before aid pay still sets the old CSV's option.
    (campaign / "zjk-charity.toml").write_text(
        "[aid]\nbank_csv_text_accounts = false\n", encoding="utf-8"
    )
    out = tmp_path / "out" / "alloc.xlsx"
    result = cli(campaign, "aid", "allocate", "--year", "2025", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.parent.iterdir()] == ["alloc.xlsx"]


def test_quotas_file(campaign: Path, tmp_path: Path) -> None:
    quotas = tmp_path / "名额.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["2025年各县名额"], ["县(区)", "名额"], ["张北县", 2], ["康保", "5"]):
        sheet.append(row)
    book.save(quotas)
    result = cli(
        campaign,
        "aid",
        "allocate",
        "--year",
        "2025",
        "--budget",
        "7000",
        "--quotas",
        str(quotas),
        "--json",
        "--out",
        str(tmp_path / "a.xlsx"),
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # 康保县 can use 4 of its 5: the 5th place goes to 张北县
    assert [(c["code"], c["quota"], c["funded"]) for c in doc["counties"]] == [
        ("130722", 3, 3),
        ("130723", 4, 4),
    ]


def test_quotas_file_errors_name_the_row(campaign: Path, tmp_path: Path) -> None:
    quotas = tmp_path / "名额.csv"
    quotas.write_text("县(区),名额\n张北县,2\n北京市,3\n", encoding="utf-8")
    result = cli(campaign, "aid", "allocate", "--year", "2025", "--quotas", str(quotas))
    assert result.exit_code == 2
    assert "第 3 行" in result.output and "北京市" in result.output
    quotas.write_text("县(区),名额\n张北县,900\n", encoding="utf-8")
    result = cli(campaign, "aid", "allocate", "--year", "2025", "--quotas", str(quotas))
    assert result.exit_code == 2 and "超过总名额 810" in result.output


def test_finalize_once_then_next_year_flags_every_recipient(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    people = _people(5)
    book = write_workbook(tmp_path / "张北县.xlsx", people)
    assert cli(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook").exit_code == 0
    result = cli(
        ws,
        "aid",
        "allocate",
        "--year",
        "2025",
        "--budget",
        "3000",
        "--json",
        "--out",
        str(tmp_path / "a.xlsx"),
    )
    funded = {r["id"] for r in json.loads(result.stdout)["recipients"]}
    assert len(funded) == 3
    # finalize records the people whose money arrived: pay all three, the bank says 成功.
    assert cli(ws, "aid", "pay", "--year", "2025").exit_code == 0
    results = bank_result(ws / "out" / "P2025-001-basic.csv", tmp_path / "回盘.xlsx")
    imported = cli(ws, "aid", "payments", "import", str(results), "--year", "2025")
    assert imported.exit_code == 0, imported.output
    first = cli(ws, "aid", "finalize", "--year", "2025")
    assert first.exit_code == 0 and "3 名已到账的受助人记入往年受助名单" in first.output
    again = cli(ws, "aid", "finalize", "--year", "2025")
    assert again.exit_code == 2 and "已经定稿" in again.output
    redo = cli(ws, "aid", "allocate", "--year", "2025")
    assert redo.exit_code == 2 and "已定稿" in redo.output

    nxt = cli(ws, "aid", "validate", str(book), "--year", "2026", "--json", "--no-workbook")
    flagged = {
        f["row"] for f in json.loads(nxt.stdout)["findings"] if f["code"] == "REPEAT_RECIPIENT"
    }
    ids_by_row = {4 + i: row["身份证号"] for i, row in enumerate(people)}  # data from row 4
    assert {ids_by_row[row] for row in flagged} == funded


def test_finalize_refuses_a_stale_allocation(campaign: Path, tmp_path: Path) -> None:
    assert cli(campaign, "aid", "allocate", "--year", "2025").exit_code == 0
    extra = write_workbook(tmp_path / "蔚县.xlsx", _people(2, "蔚县", "130726", start=80))
    assert (
        cli(campaign, "aid", "validate", str(extra), "--year", "2025", "--no-workbook").exit_code
        == 0
    )
    result = cli(campaign, "aid", "finalize", "--year", "2025")
    assert result.exit_code == 2 and "重新运行 zjk-charity aid allocate" in result.output


def test_explain_is_deidentified(campaign: Path, tmp_path: Path) -> None:
    result = cli(
        campaign,
        "aid",
        "allocate",
        "--year",
        "2025",
        "--budget",
        "7000",
        "--json",
        "--out",
        str(tmp_path / "a.xlsx"),
    )
    doc = json.loads(result.stdout)
    waiting = doc["waitlist"][0]
    shown = cli(campaign, "aid", "explain", waiting, "--year", "2025")
    assert shown.exit_code == 0, shown.output
    assert "候补" in shown.output and "本县最后一名入选" in shown.output
    for full in [waiting, *(r["id"] for r in doc["recipients"])]:
        assert full not in shown.output
    as_json = json.loads(
        cli(campaign, "aid", "explain", waiting, "--year", "2025", "--json").stdout
    )
    (person,) = as_json["people"]
    assert person["status"] == "waitlist" and person["county_waitlist_position"] == 1
    assert person["last_funded"]["county_rank"] == person["county_rank"] - 1
    unknown = cli(campaign, "aid", "explain", make_id(seq="999"), "--year", "2025")
    assert unknown.exit_code == 2 and "没有身份证号为" in unknown.output


def test_explain_speaks_english_and_keeps_the_json(campaign: Path) -> None:
    doc = json.loads(
        cli(campaign, "aid", "allocate", "--year", "2025", "--budget", "7000", "--json",
            "--no-workbook").stdout
    )  # fmt: skip
    waiting, funded = doc["waitlist"][0], doc["recipients"][0]["id"]
    en = cli(campaign, "aid", "explain", waiting, "--year", "2025", "--lang", "en")
    assert en.exit_code == 0, en.output
    assert "waitlisted: position 1 on 张北县's waitlist" in en.output
    assert "last funded in the county" in en.output and "from allocation 1 of 2025" in en.output
    # Data (names, counties, sheets) stay as written; none of the Chinese sentences is left.
    assert not re.search("候补|入选|名额|依据|岁|第 \\d+ 行", en.output), en.output
    shown = cli(campaign, "aid", "explain", funded, "--year", "2025", "--lang", "en").output
    assert "funded: rank 1 in" in shown and "1000.00 yuan" in shown
    # --json is the contract: the same document, its explanation in Chinese, whatever --lang.
    zh_doc = cli(campaign, "aid", "explain", waiting, "--year", "2025", "--json").stdout
    en_doc = cli(campaign, "aid", "explain", waiting, "--year", "2025", "--json", "--lang", "en")
    assert en_doc.stdout == zh_doc and "候补：" in zh_doc


def test_repeat_with_exception_is_funded_after_first_timers(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    rows = _people(3)
    rows[0]["往年受助年份"] = "2024"
    rows[0]["特殊情况说明"] = "重病，经县局研究同意"
    rows[1]["往年受助年份"] = "2023"
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    assert cli(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook").exit_code == 0
    result = cli(
        ws, "aid", "allocate", "--year", "2025", "--json", "--out", str(tmp_path / "a.xlsx")
    )
    doc = json.loads(result.stdout)
    assert [r["id"] for r in doc["recipients"]] == [rows[2]["身份证号"], rows[0]["身份证号"]]
    assert doc["excluded"] == [{"id": rows[1]["身份证号"], "reason": "REPEAT"}]
