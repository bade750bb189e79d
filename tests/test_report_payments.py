"""The 福彩暖冬 report's payment section reconciles with the payment status of the ledger."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import ledger_at, write_workbook
from test_allocation import _people
from test_reports import needs_pdf
from zjk_charity.cli.main import app
from zjk_charity.payments import store
from zjk_charity.payments.model import BatchLine, Payee, WrittenFile, yuan
from zjk_charity.payments.status import STATES, Funded, payment_status
from zjk_charity.reports.aid_figures import aid_report_data

runner = CliRunner()


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


def report(ws: Path, tmp_path: Path, formats: str) -> Path:
    """The unsigned 福彩暖冬 report of 2025 in ``formats``; the folder it was written to."""
    out = tmp_path / "r"
    result = cli(
        ws,
        "report",
        "campaign",
        "aid",
        "--year",
        "2025",
        "--out",
        str(out),
        "--no-sign",
        "--format",
        formats,
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def allocated(tmp_path: Path) -> Path:
    """张北县 6 and 康保县 4 applicants, 7 funded at 1000 (3 on the waitlist), 公示 from 10-27."""
    ws = tmp_path / "ws"
    a = write_workbook(tmp_path / "张北县.xlsx", _people(6))
    b = write_workbook(tmp_path / "康保县.xlsx", _people(4, "康保县", "130723", start=50))
    assert (
        cli(ws, "aid", "validate", str(a), str(b), "--year", "2025", "--no-workbook").exit_code == 0
    )
    result = cli(
        ws,
        "aid",
        "allocate",
        "--year",
        "2025",
        "--budget",
        "7000",
        "--per-person",
        "1000",
        "--notice-from",
        "2025-10-27",
        "--no-workbook",
    )
    assert result.exit_code == 0, result.output
    return ws


def _people_of(ws: Path) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """The allocation id, its funded and its waitlisted people (seq, id, county, rank)."""
    with ledger_at(ws).read() as conn:
        assert conn is not None
        (alloc,) = conn.execute("SELECT id FROM allocations").fetchone()
        rows = [
            dict(r)
            for r in conn.execute(
                "SELECT seq, id_number, county, status, rank, amount FROM allocation_people "
                "WHERE allocation_id = ? ORDER BY rank",
                (alloc,),
            )
        ]
    return (
        alloc,
        [r for r in rows if r["status"] == "funded"],
        [r for r in rows if r["status"] == "waitlist"],
    )


def _payee(r: dict[str, Any], amount: str = "1000") -> Payee:
    return Payee(r["id_number"], r["county"], "测", "6222020200112233445", "农行", Decimal(amount))


def _pay(ws: Path) -> list[Funded]:
    """Withdraw one funded person (backfilled from the waitlist, posted), withdraw another
    with no backfill; a bank batch (2 paid, 1 failed, 1 pending, and a success for the
    withdrawn one: money to recover), a retry that pays the failed one twice over, and a
    cash sheet with one confirmed and one waiting. Returns the funded list as it stands."""
    alloc, funded, waitlist = _people_of(ws)
    gone, empty, back = funded[0], funded[1], waitlist[0]
    with ledger_at(ws).run("test payout", {}) as run:
        conn = run.conn
        add = "INSERT INTO aid_changes (allocation_id, seq, kind, reason, related_seq, operator, at, run_id, notice_from, notice_days) VALUES (?, ?, ?, ?, ?, '测试', '2025-11-01', ?, ?, ?)"
        conn.execute(
            add, (alloc, gone["seq"], "withdrawn", "去世", back["seq"], run.id, None, None)
        )
        conn.execute(
            add, (alloc, back["seq"], "backfilled", None, gone["seq"], run.id, "2025-11-03", 5)
        )
        conn.execute(add, (alloc, empty["seq"], "withdrawn", "放弃", None, run.id, None, None))
        now = [f for f in funded[2:]] + [back]
        bank = [BatchLine(n, _payee(p), "暖冬") for n, p in enumerate([*now[:4], gone], 1)]
        store.record_batch(
            conn,
            run.id,
            code="P2025-001",
            purpose="aid",
            year=2025,
            method="bank",
            lines=bank,
            files=[WrittenFile(Path("out/代发-P2025-001.csv"), 5, Decimal("5000"), "x")],
            profile="basic",
        )
        ids = [i.id for i in store.instructions(conn, "aid", 2025)]
        store.set_state(
            conn,
            run.id,
            [
                (ids[0], "paid", None),
                (ids[1], "paid", None),
                (ids[2], "failed", "账户已销户"),
                (ids[4], "paid", None),
            ],
            double=[ids[4]],
        )
        retry = [BatchLine(1, _payee(now[2]), "暖冬")]
        store.record_batch(
            conn,
            run.id,
            code="P2025-002",
            purpose="aid",
            year=2025,
            method="bank",
            lines=retry,
            retry=True,
        )
        second = store.instructions(conn, "aid", 2025)[-1].id
        store.set_state(conn, run.id, [(second, "failed", "户名不符")])
        cash = [BatchLine(1, _payee(now[2]), ""), BatchLine(2, _payee(now[4]), "")]
        store.record_batch(
            conn, run.id, code="C2025-001", purpose="aid", year=2025, method="cash", lines=cash
        )
        c1 = store.instructions(conn, "aid", 2025)[-2].id
        store.set_state(conn, run.id, [(c1, "paid", None)], paid_on="2025-11-20")
    return [Funded(p["id_number"], p["county"], Decimal(p["amount"] or "1000")) for p in now]


def _tally(t: Any) -> dict[str, Any]:
    return {"count": t.count, "amount": yuan(t.amount)}


def test_payment_figures_reconcile_with_the_payment_status(allocated: Path) -> None:
    funded = _pay(allocated)
    with ledger_at(allocated).read() as conn:
        assert conn is not None
        status = payment_status(funded, store.instructions(conn, "aid", 2025))
    p = aid_report_data(ledger_at(allocated), 2025).figures["payments"]
    assert p["started"] and p["balanced"]
    assert p["funded"] == len(funded) == 6
    assert p["amount"] == yuan(status.amount) == "6000.00"
    for state in STATES:
        assert p[state] == _tally(status.tallies[state]), state
    assert p["double_paid"] == _tally(status.double_paid) == {"count": 1, "amount": "1000.00"}
    # The invariant, to the cent, overall and in every county.
    assert Decimal(p["amount"]) == sum(Decimal(p[s]["amount"]) for s in STATES)
    for c in p["counties"]:
        assert Decimal(c["funded"]["amount"]) == sum(Decimal(c[s]["amount"]) for s in STATES)
        lines = [line for line in status.lines if line.county == c["county"]]
        assert c["funded"]["count"] == len(lines)
        for s in STATES:
            assert c[s]["count"] == sum(1 for line in lines if line.state == s)
    assert sum(c["funded"]["count"] for c in p["counties"]) == p["funded"]
    assert p["paid"]["count"] == 3 and p["cash_paid"] == {"count": 1, "amount": "1000.00"}
    assert p["cash_pending"]["count"] == 1 and p["pending"]["count"] == 1
    assert [(b["code"], b["method"], b["count"], b["amount"]) for b in p["batches"]] == [
        ("P2025-001", "bank", 5, "5000.00"),
        ("P2025-002", "bank", 1, "1000.00"),
        ("C2025-001", "cash", 2, "2000.00"),
    ]
    assert p["batches"][0]["files"] == ["代发-P2025-001.csv"]
    assert p["failure_reasons"] == [
        {"reason": "户名不符", "instructions": 1, "people_still_failed": 0},
        {"reason": "账户已销户", "instructions": 1, "people_still_failed": 0},
    ]


def test_changes_and_notice_periods(allocated: Path) -> None:
    _pay(allocated)
    f = aid_report_data(ledger_at(allocated), 2025).figures
    assert f["changes"] == {
        "withdrawn": 2,
        "withdrawn_by_reason": {"去世": 1, "放弃": 1},
        "backfilled": 1,
        "backfilled_posted": 1,
        "left_empty": 1,
    }
    assert [(n["kind"], n["from"], n["to"], n["days"], n["people"]) for n in f["notices"]] == [
        ("公示", "2025-10-27", "2025-11-04", 7, 7),
        ("补充公示", "2025-11-03", "2025-11-07", 5, 1),
    ]


def test_no_payment_yet_is_one_line(allocated: Path, tmp_path: Path) -> None:
    f = aid_report_data(ledger_at(allocated), 2025).figures
    assert f["payments"]["started"] is False and f["payments"]["unpaid"]["count"] == 7
    out = report(allocated, tmp_path, "html,xlsx")
    html = (out / "report-aid-2025" / "report.html").read_text(encoding="utf-8")
    section = html.split("六、资金发放")[1].split("<h2>")[0]
    assert "尚未发放：台账中还没有 2025 年的代发批次" in section and "<table" not in section
    book = openpyxl.load_workbook(out / "report-aid-2025" / "report.xlsx")
    assert "发放批次" not in book.sheetnames
    assert "尚未发放" in book["资金发放"]["A3"].value


def test_html_and_xlsx_show_the_payment_figures(allocated: Path, tmp_path: Path) -> None:
    _pay(allocated)
    out = report(allocated, tmp_path, "html,xlsx")
    folder = out / "report-aid-2025"
    p = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["figures"]["payments"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    section = html.split("六、资金发放")[1].split("七、历年")[0]
    for code in ("P2025-001", "P2025-002", "C2025-001", "代发-P2025-001.csv", "账户已销户"):
        assert code in section
    assert f"应发 {p['funded']} 人，6,000.00 元" in section
    assert "另有重复付款 1 笔、1,000.00 元应追回" in section
    changes = html.split("五、公示与名单调整")[1].split("六、资金发放")[0]
    assert "撤销资助 2 人（去世 1 人、放弃 1 人）" in changes and "2025-11-03" in changes
    book = openpyxl.load_workbook(folder / "report.xlsx")
    summary = {r[0]: r[1:] for r in book["发放概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["应发"] == (6, 6000)
    assert summary["已到账"] == (p["paid"]["count"], float(p["paid"]["amount"]))
    assert summary["重复付款应追回"] == (1, 1000)
    batches = [r[0] for r in book["发放批次"].iter_rows(min_row=3, values_only=True)]
    assert batches == ["P2025-001", "P2025-002", "C2025-001"]
    counties = list(book["分县发放"].iter_rows(min_row=3, values_only=True))
    assert sum(r[1] for r in counties) == 6 and sum(r[2] for r in counties) == 6000
    # The runs that made the batches and changes are among the report's runs.
    runs = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["runs"]
    assert any(r["command"] == "test payout" for r in runs)


@needs_pdf
def test_pdf_shows_the_payment_section(allocated: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    _pay(allocated)
    out = report(allocated, tmp_path, "pdf")
    text = "".join(
        p.extract_text() for p in PdfReader(out / "report-aid-2025" / "report.pdf").pages
    )
    for needle in ("六、资金发放", "P2025-002", "C2025-001", "现金领取表", "户名不符", "补充公示"):
        assert needle in text
