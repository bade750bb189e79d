"""The signed report's 诚信核查 section: lists used, finding counts, and every warning on a
funded person with its review or 未复核, de-identified; the report still verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import connect_ledger, ledger_at, write_workbook
from module_ledgers import building, drop_kept_ledgers, kept_ledgers  # noqa: F401
from reflists import Listed, load_list
from test_allocation import _people as people
from test_reports import needs_pdf
from zjk_charity.cli.main import app
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.integrity.reviews import accept
from zjk_charity.reports.aid_figures import aid_report_data

runner = CliRunner()
YEAR = 2025


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


def ok(ws: Path, *args: str) -> Any:
    result = cli(ws, *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """张北县 6 applicants, 4 places. Two are staff relatives (one reviewed), the oldest
    is in a deaths list loaded after validation (refused at allocate), and a funded one
    appears in the next deaths list before payment (withdrawn at pay)."""
    with building():
        return _screened(tmp_path_factory.mktemp("integrity-report"))


def _screened(root: Path) -> dict[str, Any]:
    ws = root / "ws"
    ws.mkdir()
    rows = people(6)
    ids = [r["身份证号"] for r in rows]
    relatives = [
        Listed(ids[1], rows[1]["姓名"], detail={"relation": "儿子", "staff": "王某"}),
        Listed(ids[2], rows[2]["姓名"], detail={"relation": "配偶", "staff": "李某"}),
    ]
    load_list(ws, "relatives", relatives, name="近亲属备案.xlsx")
    book = write_workbook(root / "张北县.xlsx", rows)
    ok(ws, "aid", "validate", str(book), "--year", "2025", "--no-workbook")
    load_list(ws, "deaths", [Listed(ids[0], detail={"death_date": "2025-10-25"})],
              name="殡葬-10月.xlsx")  # fmt: skip
    ok(ws, "aid", "allocate", "--year", "2025", "--budget", "4000", "--per-person", "1000",
       "--notice-from", "2025-10-27", "--no-workbook")  # fmt: skip
    accept(ledger_at(ws), YEAR, ids[1], "STAFF_RELATIVE", "经村民代表会议评议，符合条件",
           operator="王经办", at="2025-10-28T09:30:00+08:00")  # fmt: skip
    later = [
        Listed(ids[0], detail={"death_date": "2025-10-25"}),
        Listed(ids[4], detail={"death_date": "2025-11-02"}),
    ]
    load_list(ws, "deaths", later, name="殡葬-11月.xlsx", as_of="2025-11-05")
    ok(ws, "aid", "pay", "--year", "2025")
    ok(ws, "keys", "init", "--name", "测经办")
    out = root / "reports"
    ok(ws, "report", "campaign", "aid", "--year", "2025", "--out", str(out),
       "--format", "html,xlsx,pdf")  # fmt: skip
    return {"ws": ws, "ids": ids, "rows": rows, "folder": out / "report-aid-2025"}


def test_the_figures_reconcile_with_the_ledger(screened: dict[str, Any]) -> None:
    ws, ids = screened["ws"], screened["ids"]
    g = aid_report_data(ledger_at(ws), YEAR).figures["integrity"]
    conn = connect_ledger(ws)
    stored = conn.execute("SELECT kind, name, sha256, rows, as_of FROM ref_lists ORDER BY id")
    assert [(x["kind"], x["name"], x["sha256"], x["rows"], x["as_of"]) for x in g["lists"]] == (
        stored.fetchall()
    )
    assert [(x["kind_zh"], x["in_force"]) for x in g["lists"]] == [
        ("近亲属备案", True),
        ("死亡（殡葬）名单", False),
        ("死亡（殡葬）名单", True),
    ]
    counts = {c["code"]: (c["validate"], c["allocate"]) for c in g["codes"]}
    assert counts["STAFF_RELATIVE"] == (2, 0) and counts["DECEASED"] == (0, 1)
    assert len(counts) == 10 and sum(v + a for v, a in counts.values()) == 3
    assert g["withdrawn_at_payment"] == 1
    # Every warning on a person funded today, found independently in the ledger.
    funded = {
        r[0]
        for r in conn.execute(
            "SELECT p.id_number FROM allocation_people p WHERE p.status IN ('funded', 'waitlist')"
        )
    }
    expected = conn.execute(
        "SELECT a.id_number, x.code FROM aid_findings x JOIN applicants a ON a.file_id = "
        "x.file_id AND a.sheet = x.sheet AND a.row = x.row WHERE x.severity = 'warning'"
    ).fetchall()
    conn.close()
    today = {ids[1], ids[2], ids[3], ids[5]}  # ids[0] refused, ids[4] withdrawn at pay
    assert today <= funded
    wanted = [(mask_id(n), code) for n, code in expected if n in today]
    assert [(w["id"], w["code"]) for w in g["warnings"]] == wanted
    by_id = {w["id"]: w for w in g["warnings"]}
    reviewed, open_ = by_id[mask_id(ids[1])], by_id[mask_id(ids[2])]
    assert reviewed["review"]["note"] == "经村民代表会议评议，符合条件"
    assert reviewed["review"]["operator"] == "王经办"
    assert reviewed["review"]["when"] == "2025-10-28 09:30"
    assert open_["review"] is None and open_["review_text"] == "未复核"
    assert open_["name"] == mask_name(screened["rows"][2]["姓名"])
    assert (g["reviewed"], g["not_reviewed"]) == (1, 1)


def test_html_xlsx_and_manifest_show_it_de_identified(screened: dict[str, Any]) -> None:
    folder, ids = screened["folder"], screened["ids"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    section = html.split("八、诚信核查")[1].split("九、分配规则")[0]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for x in manifest["figures"]["integrity"]["lists"]:
        assert x["name"] in section and x["sha256"] in section
    for needle in ("已替换", "殡葬-11月.xlsx", "经村民代表会议评议，符合条件", "王经办", "未复核",
                   "付款前按死亡名单复核，撤销（去世）并递补 1 人", mask_id(ids[2])):  # fmt: skip
        assert needle in section, needle
    everything = html + (folder / "manifest.json").read_text(encoding="utf-8")
    assert not any(n in everything for n in ids)
    assert not any(r["姓名"] in section for r in screened["rows"])
    # The runs that loaded the lists and recorded the review are covered by the manifest.
    assert {"lists import", "aid accept", "aid pay"} <= {r["command"] for r in manifest["runs"]}
    book = openpyxl.load_workbook(folder / "report.xlsx")
    lists = list(book["核查名单"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in lists] == ["近亲属备案.xlsx", "殡葬-10月.xlsx", "殡葬-11月.xlsx"]
    warned = list(book["警告复核"].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[5]) for r in warned] == [
        (mask_id(ids[1]), "经村民代表会议评议，符合条件"),
        (mask_id(ids[2]), "未复核"),
    ]
    codes = {r[0]: r[3:] for r in book["核查结果"].iter_rows(min_row=3, values_only=True)}
    assert codes["DECEASED"] == (0, 1) and codes["STAFF_RELATIVE"] == (2, 0)


def test_the_report_still_verifies(screened: dict[str, Any]) -> None:
    verdict = cli(screened["ws"], "report", "verify", str(screened["folder"]))
    assert verdict.exit_code == 0, verdict.output


@needs_pdf
def test_the_pdf_has_the_section(screened: dict[str, Any]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(screened["folder"] / "report.pdf")
    text = "".join(p.extract_text() for p in reader.pages)
    flat = "".join(text.split())
    section = flat.split("八、诚信核查")[1].split("九、分配规则")[0]
    manifest = json.loads((screened["folder"] / "manifest.json").read_text(encoding="utf-8"))
    for x in manifest["figures"]["integrity"]["lists"]:
        assert x["sha256"][:32] in section and x["sha256"][32:] in section
    for needle in ("死亡（殡葬）名单", "STAFF_RELATIVE", "经村民代表会议评议，符合条件",
                   "未复核", "已复核1项，未复核1项", mask_id(screened["ids"][1])):  # fmt: skip
        assert needle in section, needle
