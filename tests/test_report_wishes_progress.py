"""The 微心愿 report after the match: stages, payments, goods, deliveries, decisions.

The ledger state is made through the stores (``wish_states.every_stage``); the report's
figures are checked against the read model ``wishes payments status`` uses and against
independent queries of the ledger, and the report still verifies.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

import wish_states
from conftest import connect_ledger, ledger_at
from module_ledgers import building, copy_workspace, drop_kept_ledgers, kept_ledgers  # noqa: F401
from test_reports import needs_pdf
from zjk_charity.cli.main import app
from zjk_charity.wishes.letters import write_letters
from zjk_charity.wishes.progress import Progress

runner = CliRunner()
STATES = ("paid", "pending", "failed", "unpaid", "purchasing")


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed workspace at every stage."""
    root = tmp_path_factory.mktemp("progress")
    folder = root / "ws"  # where every_stage keeps its ledger
    with building():
        wish_states.every_stage(root)
    folder.mkdir(exist_ok=True)  # a server ledger makes no folder
    (folder / "zjk-charity.toml").write_text("campaign_year = 2025\n", encoding="utf-8")
    assert cli(folder, "keys", "init", "--name", "测甲").exit_code == 0
    return folder


def _report(ws: Path, out: Path, formats: str = "html,xlsx") -> Path:
    args = ["report", "campaign", "wishes", "--year", "2025", "--out", str(out)]
    result = cli(ws, *args, "--format", formats)
    assert result.exit_code == 0, result.output
    return out / "report-wishes-2025"


@pytest.fixture(scope="module")
def report(ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with building():
        return _report(ws, tmp_path_factory.mktemp("report"))


def _figures(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["figures"]


def _progress(ws: Path) -> Progress:
    with ledger_at(ws).read() as conn:
        return Progress.load(conn)


def _yuan(fen: int) -> str:
    fen = int(fen)  # SUM over PostgreSQL's BIGINT fen columns is a Decimal
    return f"{fen // 100}.{fen % 100:02d}"


def test_payments_are_the_status_wishes_payments_status_reads(ws: Path, report: Path) -> None:
    p = _figures(report)["payments"]
    status = _progress(ws).status()
    assert p["funded"] == len(status.funded) == 6 and p["amount"] == "2000.00"
    for state in (*STATES, "cash_pending"):
        tally = status.tallies[state]
        assert p[state] == {"count": tally.count, "amount": f"{tally.amount:.2f}"}, state
    assert [(s, p[s]["count"], p[s]["amount"]) for s in STATES] == [
        ("paid", 2, "600.00"),  # W0001 (delivered since), W0004
        ("pending", 0, "0.00"),
        ("failed", 1, "300.00"),  # W0003
        ("unpaid", 2, "600.00"),  # W0005, W0006
        ("purchasing", 1, "500.00"),  # W0002
    ]
    assert p["balanced"] is True
    assert sum(Decimal(p[s]["amount"]) for s in STATES) == Decimal(p["amount"])
    assert p["failure_reasons"] == [
        {"reason": "户名不符", "instructions": 1, "wishes_still_failed": 1}
    ]


def test_each_grouping_adds_up_to_the_whole(report: Path) -> None:
    f = _figures(report)
    p, st = f["payments"], f["stages"]
    for grouping in ("category", "kind", "county"):
        rows = p["by"][grouping]
        for state in ("funded", *STATES):
            assert sum(r[state]["count"] for r in rows) == (
                p["funded"] if state == "funded" else p[state]["count"]
            )
            assert sum(Decimal(r[state]["amount"]) for r in rows) == Decimal(
                p["amount"] if state == "funded" else p[state]["amount"]
            )
        for r in rows:  # the invariant holds in every group too
            assert sum(Decimal(r[s]["amount"]) for s in STATES) == Decimal(r["funded"]["amount"])
        for stage in ("pending", "claimed", "paid", "purchased", "delivered"):
            assert sum(r[stage] for r in st["by"][grouping]) == st[stage]
    assert [r["name"] for r in p["by"]["kind"]] == ["资金", "物资"]
    assert [r["name"] for r in st["by"]["category"]] == ["孤儿", "残疾儿童"]


def test_stages_goods_deliveries_and_decisions_match_the_ledger(ws: Path, report: Path) -> None:
    f = _figures(report)
    st = f["stages"]
    assert {k: st[k] for k in ("pending", "claimed", "paid", "purchased", "delivered")} == {
        "pending": 0,
        "claimed": 3,
        "paid": 1,
        "purchased": 1,
        "delivered": 1,
    }
    db = connect_ledger(ws)
    q = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    assert f["deliveries"]["count"] == q("SELECT count(*) FROM wish_deliveries")[0]
    assert f["deliveries"]["by_month"] == {"2025-11": 1}
    bank = "FROM payment_batches WHERE purpose = 'wishes' AND method = 'bank'"
    batches, count = q(f"SELECT count(*), sum(count) {bank}")
    amount = sum(Decimal(a) for (a,) in db.execute(f"SELECT amount {bank}"))  # text: yuan
    assert amount == Decimal("900.00")
    assert f["payments"]["bank"] == {"batches": batches, "count": count, "amount": "900.00"}
    assert f["payments"]["purchase"] == {"batches": 1, "count": 1, "amount": "500.00"}
    assert f["goods"] == [{"item": "新学期的书包和文具", "wishes": 1, "amount": "500.00"}]
    se = f["settlements"]
    for target in ("general", "wish", "refund"):
        count, fen = q(
            "SELECT count(*), coalesce(sum(amount), 0) FROM donation_settlements "
            f"WHERE target = '{target}'"
        )
        assert se[target] == {"count": count, "amount": _yuan(fen)}
    assert se["waiting"] == {"count": 2, "amount": "1000.00"}
    assert f["refunded"] == se["refund"]["amount"] == "200.00"
    received = q("SELECT sum(amount) FROM donations")[0]
    matched = q("SELECT sum(amount) FROM wish_matches")[0]
    assert Decimal(f["balance"]) == (Decimal(received - matched) / 100) - Decimal(f["refunded"])


def test_runs_cover_the_commands_after_the_match(ws: Path, report: Path) -> None:
    runs = json.loads((report / "manifest.json").read_text(encoding="utf-8"))["runs"]
    assert {r["command"] for r in runs} == {
        "wishes import",
        "donations import",
        "wishes match",
        "wishes pay",
        "wishes payments import",
        "wishes deliver import",
        "donations settle",
    }


def test_children_only_as_counts_and_the_report_verifies(ws: Path, report: Path) -> None:
    html = (report / "report.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(report / "report.xlsx")
    cells = " ".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
    )
    db = connect_ledger(ws)
    for name, id_number in db.execute("SELECT child_name, id_number FROM wishes"):
        for text in (html, cells):
            assert name not in text and id_number not in text
    assert "六、物资采购与送达" in html and "WG2025-001" in html and "户名不符" in html
    assert {"心愿进展", "付款状态", "付款批次", "采购物品", "余额处理"} <= set(book.sheetnames)
    assert cli(ws, "report", "verify", str(report)).exit_code == 0


@needs_pdf
def test_pdf_and_letters_run(ws: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    copy = tmp_path / "ws"
    copy_workspace(ws, copy)
    (copy / "keys").mkdir()
    for key in (ws / "keys").iterdir():
        (copy / "keys" / key.name).write_bytes(key.read_bytes())
    write_letters(ledger_at(copy), 2025, tmp_path / "letters", day=date(2025, 11, 20))
    folder = _report(copy, tmp_path / "r", "html,xlsx,pdf")
    runs = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["runs"]
    assert "wishes letters" in {r["command"] for r in runs}
    text = "".join(
        "".join(p.extract_text().split()) for p in PdfReader(folder / "report.pdf").pages
    )
    assert "四、心愿进展" in text and "七、定向余额与未定向物资的处理" in text
    assert "已筹满的心愿6个，2,000.00元=已支付600.00元" in text
    assert cli(copy, "report", "verify", str(folder)).exit_code == 0


def test_kind_is_how_a_wish_is_fulfilled_as_payments_status_says(tmp_path: Path) -> None:
    """One rule: a 资金 wish that received donated goods counts as 物资 in the report's
    实现方式 tables, as ``wishes payments status`` says it."""
    wish_states.in_kind(tmp_path / "kind")
    folder = tmp_path / "kind" / "ws"  # where in_kind keeps its ledger
    folder.mkdir(exist_ok=True)  # a server ledger makes no folder
    (folder / "zjk-charity.toml").write_text("campaign_year = 2025\n", encoding="utf-8")
    assert cli(folder, "keys", "init", "--name", "测甲").exit_code == 0
    result = cli(folder, "wishes", "payments", "status", "--json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["wishes"]
    f = _figures(_report(folder, tmp_path / "r", "xlsx"))
    rows = f["payments"]["by"]["kind"]
    assert {r["name"]: r["funded"]["count"] for r in rows} == Counter(w["kind"] for w in lines)
    assert Counter(
        {(r["name"], s): r[s]["count"] for r in rows for s in STATES if r[s]["count"]}
    ) == Counter((w["kind"], w["state"]) for w in lines)
    assert {w["id"]: w["kind"] for w in lines} == {
        "W0001": "物资",
        "W0002": "物资",
        "W0003": "资金",
    }
    stages = {
        r["name"]: (r["wishes"], r["purchased"], r["claimed"], r["pending"])
        for r in f["stages"]["by"]["kind"]
    }
    assert stages == {"资金": (2, 0, 1, 1), "物资": (2, 2, 0, 0)}  # W0004 waits, as 资金
    book = openpyxl.load_workbook(tmp_path / "r" / "report-wishes-2025" / "report.xlsx")
    groups = {row[0] for row in book["心愿进展"].iter_rows(min_row=2, values_only=True)}
    assert "实现方式" in groups and "心愿类型" not in groups


def test_decisions_on_goods_are_not_labelled_designated_balances(report: Path) -> None:
    book = openpyxl.load_workbook(report / "report.xlsx")
    labels = [str(row[0]) for row in book["概况"].iter_rows(values_only=True) if row[0]]
    assert "定向余额与未定向物资已退还（元）" in labels
    assert "定向余额与未定向物资待商定（元）" in labels
    assert not [x for x in labels if x.startswith("定向余额已退还")]
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "七、定向余额与未定向物资的处理" in html
