"""CLI of 微心愿: exit codes, messages, and --json equal to the library's result.

The commands are mounted on a local app here, as ``cli/main.py`` mounts them
(``wishes`` and ``donations``).
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner, Result

from conftest import ledger_at, ledger_exists
from test_wishes_support import (
    STANDARD,
    child_id,
    donation_row,
    donations_book,
    wish_row,
    wishes_book,
)
from zjk_charity.cli.wishes import donations_app, wishes_app
from zjk_charity.wishes.importing import import_wishes
from zjk_charity.wishes.match_run import load_accounts

app = typer.Typer()
app.add_typer(wishes_app, name="wishes")
app.add_typer(donations_app, name="donations")
runner = CliRunner()

MATCH_KEYS = [
    "donations_total",
    "cash_total",
    "goods_total",
    "matched",
    "balance",
    "refunded",
    "wishes",
    "fulfilled",
    "partial",
    "pending",
    "children_helped",
    "matches",
]


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    wishes = wishes_book(
        tmp_path / "心愿.xlsx",
        [
            wish_row(1, 儿童姓名="测小一"),
            wish_row(2, 儿童姓名="测小二", 困境类别="残疾儿童", 金额=500),
            wish_row(3, 儿童姓名="测小三", 登记日期="2025-04-01"),
            wish_row(4, 金额="三百块"),
        ],
    )
    first = donations_book(
        tmp_path / "第1批.xlsx",
        [
            donation_row(1, 捐赠人="", 金额="壹仟元整", 定向心愿="W0001"),
            donation_row(2, 捐赠人="测企业", 金额="￥400", 定向类别="残疾儿童"),
            donation_row(3, 捐赠类型="物资", 物资名称="羽绒服", 金额=600),
        ],
    )
    second = donations_book(
        tmp_path / "第2批.xlsx",
        [
            donation_row(4, 捐赠人="匿名爱心人士", 金额="1,000.00", 到账日期="2025-05-01"),
            donation_row(5, 捐赠人="测企业", 金额=88.88, 到账日期="2025-05-02"),
        ],
    )
    return wishes, first, second


def _run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _campaign(tmp_path: Path, ws: Path) -> str:
    """Import, match, import the second batch, match: the last --json document."""
    wishes, first, second = _files(tmp_path)
    assert _run("wishes", "import", wishes, "-w", ws).exit_code == 1  # 三百块
    assert _run("donations", "import", first, "-w", ws).exit_code == 0
    assert _run("wishes", "match", "--no-workbook", "-w", ws).exit_code == 0
    assert _run("donations", "import", second, "-w", ws).exit_code == 0
    result = runner.invoke(app, ["wishes", "match", "--json", "--no-workbook", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_match_json_is_the_contract_and_the_library_result(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    document = json.loads(_campaign(tmp_path, ws))
    assert list(document) == MATCH_KEYS
    assert document == load_accounts(ledger_at(ws)).as_json()
    assert document["donations_total"] == "3088.88"
    assert (document["cash_total"], document["goods_total"]) == ("2488.88", "600.00")
    assert [(m["donation"], m["wish"], m["amount"], m["basis"]) for m in document["matches"]] == [
        ("D0001", "W0001", "300.00", "designated"),
        ("D0002", "W0002", "400.00", "category"),
        ("D0004", "W0002", "100.00", "general"),
        ("D0004", "W0003", "300.00", "general"),
    ]
    assert (document["matched"], document["balance"]) == ("1100.00", "1988.88")
    assert (document["wishes"], document["fulfilled"], document["pending"]) == (3, 3, 0)
    assert document["children_helped"] == 3


def test_the_same_input_gives_byte_identical_json(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    one = _campaign(tmp_path / "a", tmp_path / "a" / "ws")
    two = _campaign(tmp_path / "b", tmp_path / "b" / "ws")
    assert one.encode() == two.encode()


def test_import_json_equals_the_library_result(tmp_path: Path) -> None:
    wishes, _, _ = _files(tmp_path)
    result = runner.invoke(
        app, ["wishes", "import", str(wishes), "--json", "-w", str(tmp_path / "ws")]
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    expected = import_wishes(ledger_at(tmp_path / "other"), [wishes], STANDARD).as_json()
    assert document == expected
    assert document["summary"]["with_errors"] == 1
    assert [(f["row"], f["code"]) for f in document["findings"]] == [(6, "AMOUNT_INVALID")]


def test_english_messages(tmp_path: Path) -> None:
    wishes, _, _ = _files(tmp_path)
    result = _run("wishes", "import", wishes, "--lang", "en", "-w", tmp_path / "ws")
    assert "4 rows read" in result.output and "findings" in result.output
    again = _run("wishes", "import", wishes, "--lang", "en", "--json", "-w", tmp_path / "ws")
    (finding,) = json.loads(again.stdout)["findings"]
    assert finding["message"].startswith("amount '三百块' cannot be read as an amount")


def test_match_writes_the_workbook_with_children_de_identified(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    wishes, first, second = _files(tmp_path)
    out = tmp_path / "结果.xlsx"
    result = runner.invoke(
        app,
        [
            "wishes",
            "match",
            "--wishes",
            str(wishes),
            "--donations",
            str(first),
            "--donations",
            str(second),
            "--out",
            str(out),
            "-w",
            str(ws),
        ],
    )
    assert result.exit_code == 1, result.output  # the wishes file had an error row
    assert "本次匹配" in result.output and str(out.name) in result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["匹配明细", "心愿状态", "捐赠去向", "捐赠人回执", "汇总"]
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert "测小一" not in cells and "测*一" in cells
    assert not any(child_id(seq="001") in c for c in cells)
    receipts = [row[0] for row in book["捐赠人回执"].iter_rows(values_only=True) if row[0]]
    donors = [r.split("　")[0] for r in receipts if str(r).startswith("捐赠人：")]
    assert donors == ["捐赠人：匿名", "捐赠人：测企业", "捐赠人：测捐赠人"]
    details = book["匹配明细"]
    assert details.cell(1, 1).value == "绿色底纹为本次匹配（批次 1）"
    assert details.cell(3, 3).data_type == "s" and details.cell(3, 10).value == 300
    assert [r[10] for r in details.iter_rows(min_row=3, values_only=True)] == [
        "定向",
        "类别",
        "通用",
        "通用",
    ]


def test_status_shows_what_waits(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _campaign(tmp_path, ws)
    result = runner.invoke(app, ["wishes", "status", "--json", "-w", str(ws)])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["designated_balances"] == [
        {
            "donation": "D0001",
            "donor": "匿名",
            "wish": "W0001",
            "wish_status": "已实现",
            "amount": "700.00",
        }
    ]
    assert document["goods_aside"] == [
        {"donation": "D0003", "donor": "测捐赠人", "goods": "羽绒服", "amount": "600.00"}
    ]
    assert document["balances"] == [
        {
            "basis": "general",
            "category": None,
            "county": None,
            "donations": 2,
            "amount": "688.88",
            "open_wishes": 0,
        }
    ]
    people = runner.invoke(app, ["wishes", "status", "-w", str(ws)])
    assert "定向余额" in people.output and "未定向物资" in people.output


def test_status_of_an_empty_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["wishes", "status", "--json", "-w", str(tmp_path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["wishes"] == 0
    assert not ledger_exists(tmp_path)


def test_matching_nothing_is_refused_and_creates_no_ledger(tmp_path: Path) -> None:
    result = _run("wishes", "match", "-w", tmp_path)
    assert result.exit_code == 2
    assert "wishes import" in result.output
    assert not ledger_exists(tmp_path)


def test_changing_a_matched_wish_exits_2_naming_it(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _campaign(tmp_path, ws)
    changed = wishes_book(tmp_path / "改.xlsx", [wish_row(1, 儿童姓名="测小一", 金额=250)])
    result = _run("wishes", "import", changed, "-w", ws)
    assert result.exit_code == 2
    assert "W0001" in result.output and "Traceback" not in result.output


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    fake = tmp_path / "捐赠.xlsx"
    fake.write_text("不是工作簿", encoding="utf-8")
    result = _run("donations", "import", fake, "-w", tmp_path)
    assert result.exit_code == 2
    assert "捐赠.xlsx" in result.output
    assert not ledger_exists(tmp_path)


def test_a_bad_standard_amount_setting_exits_2(tmp_path: Path) -> None:
    (tmp_path / "zjk-charity.toml").write_text('[wishes]\nstandard_amount = "0"\n', "utf-8")
    wishes, _, _ = _files(tmp_path)
    result = _run("wishes", "import", wishes, "-w", tmp_path)
    assert result.exit_code == 2
    assert "wishes.standard_amount" in result.output


def test_every_command_has_help() -> None:
    for args in (
        ["wishes", "--help"],
        ["wishes", "import", "--help"],
        ["wishes", "match", "--help"],
        ["wishes", "status", "--help"],
        ["donations", "--help"],
        ["donations", "import", "--help"],
    ):
        assert runner.invoke(app, args).exit_code == 0, args


def test_the_demo_rounds_on_the_sample_data(tmp_path: Path) -> None:
    from zjk_charity.demo import sample_data_dir
    from zjk_charity.wishes.demo import run_wishes_demo

    demo = run_wishes_demo(ledger_at(tmp_path), sample_data_dir(), tmp_path / "out")
    text = "\n".join(demo.lines)
    assert "累计收到 190298.41 元" in text and "受助儿童 417 人" in text
    for code in ("CHILD_TOO_OLD", "DUPLICATE_CHILD", "UNKNOWN_WISH", "INKIND_UNDESIGNATED"):
        assert code in text
    assert [p.name for p in demo.written] == ["微心愿匹配-第1轮.xlsx", "微心愿匹配-第2轮.xlsx"]
    assert all(p.is_file() for p in demo.written)


def test_status_shows_the_first_open_wishes_and_all_with_all(tmp_path: Path) -> None:
    from zjk_charity.cli.common import SHOWN

    ws = tmp_path / "ws"
    rows = [wish_row(n, 儿童姓名=f"测{chr(0x4E00 + n)}") for n in range(1, 62)]
    assert (
        _run("wishes", "import", wishes_book(tmp_path / "心愿.xlsx", rows), "-w", ws).exit_code == 0
    )
    short = _run("wishes", "status", "-w", ws)
    assert "未实现的心愿（61 个，以下是前 50 个）" in short.output
    assert "另有 11 个心愿未显示：加 --all 全部列出" in short.output
    assert "W0050" in short.output and "W0051" not in short.output and SHOWN == 50
    full = _run("wishes", "status", "--all", "-w", ws)
    assert all(f"W{n:04d}" in full.output for n in range(1, 62)) and "未显示" not in full.output
    english = _run("wishes", "status", "--lang", "en", "-w", ws)
    assert "Open wishes (61, the first 50 below)" in english.output
    assert "11 more open wishes not shown: add --all" in english.output


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120])
def test_status_loses_no_cell_at_any_width(tmp_path: Path, width: int) -> None:
    from zjk_charity.cli.layout import cells

    ws = tmp_path / "ws"
    _campaign(tmp_path, ws)
    more = [
        wish_row(
            n, 儿童姓名=f"测{chr(0x4E00 + n)}", 困境类别=category, 金额=5000, **{"县(区)": county}
        )
        for n, category, county in [
            (10, "事实无人抚养儿童", "察北管理区"),
            (11, "其他困境儿童", "塞北管理区"),
            (12, "农村留守儿童", "经开区"),
        ]
    ]
    assert (
        _run("wishes", "import", wishes_book(tmp_path / "新.xlsx", more), "-w", ws).exit_code == 0
    )
    result = runner.invoke(app, ["wishes", "status", "-w", str(ws)], env={"COLUMNS": str(width)})
    document = json.loads(runner.invoke(app, ["wishes", "status", "--json", "-w", str(ws)]).stdout)
    assert len(document["open_wishes"]) == 3
    for wish in document["open_wishes"]:
        for value in (wish["wish"], wish["category"], wish["county"], "5,000.00"):
            assert value in result.output, (value, result.output)
    for gift in document["designated_balances"] + document["goods_aside"]:
        assert gift["donation"] in result.output
    assert "测捐赠人" in result.output and "688.88" in result.output
    assert all(cells(line) <= width for line in result.output.splitlines())
