"""`zjk-charity demo` runs the whole campaign on sample_data/ to the end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import connect_ledger, ledger_at
from zjk_charity.cli.main import app

runner = CliRunner()


def _pdf_possible() -> bool:
    """A Chinese font is installed (CI installs one and sets ZJK_CHARITY_REQUIRE_PDF)."""
    import os

    from zjk_charity.pdf.fonts import PdfUnavailable, pdf_fonts

    try:
        with pdf_fonts(None):
            return True
    except PdfUnavailable:
        assert not os.environ.get("ZJK_CHARITY_REQUIRE_PDF"), "CI requires the PDF"
        return False


def test_demo_runs_the_campaign_in_the_given_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "demo" / "out"
    for name in ("张北县", "康保县", "蔚县"):  # each county's marked-up copy
        assert (out / f"校验结果-{name}.xlsx").is_file()
    assert (out / "问题清单-2025.xlsx").is_file()  # and the city's list
    assert (out / "分配结果-2025.xlsx").is_file()
    for name in ("张北县", "康保县", "蔚县"):  # each county's printable 公示
        assert (out / f"公示-2025-{name}.xlsx").is_file()
    assert "公示期：2025年10月27日至2025年11月4日（7个工作日）" in result.output
    if _pdf_possible():  # the funded people's 申请审批表, one page each
        assert (out / "申请审批表-2025.pdf").is_file()
        assert "申请审批表：810 份，共 810 页" in result.output
    assert "资助 810 人，810000.00 元" in result.output
    # the payout story: the review, a death, 递补, the bank's results, retry and cash
    assert "省级复审：通过 808 人，不通过 2 人" in result.output
    assert "补充公示：递补 4 人" in result.output
    assert "到账 804 笔，失败 5 笔，处理中 1 笔" in result.output
    assert "付款批次 P2025-002：4 笔，4000.00 元" in result.output
    assert "现金发放 C2025-001：1 人，签收确认 1 人" in result.output
    for name in ("P2025-001-basic.csv", "P2025-002-basic.csv", "领取表-C2025-001.xlsx"):
        assert (out / name).is_file()
    assert list(out.glob("失败名单-P2025-001-*.xlsx")) and list(out.glob("补充公示-2025-*.xlsx"))
    assert "定稿：资助金已到账的 810 人" in result.output
    assert "第 2 轮匹配" in result.output and "受助儿童 417 人" in result.output  # before the 700
    assert "微心愿报告：收到 190298.41 元，受助儿童 418 人" in result.output
    assert result.output.count("report verify：核验通过") == 2
    for kind in ("aid", "wishes"):
        assert (out / "reports" / f"report-{kind}-2025" / "manifest.sig").is_file()
    # the planted problems are shown
    for code in ("PRECISION_LOST", "ID_BAD_CHECKSUM", "DUPLICATE_PERSON", "REPEAT_RECIPIENT"):
        assert code in result.output
    # and so are the integrity checks, each planted case found once (twice for a pair)
    for code, count in {
        "DECEASED": 1,
        "IN_INSTITUTION": 1,
        "ROSTER_NAME_MISMATCH": 1,
        "STAFF_RELATIVE": 2,
        "ACCOUNT_SHARED": 2,
        "ACCOUNT_HOLDER_MISMATCH": 1,
        "PHONE_SHARED": 4,
        "POSSIBLE_REPEAT": 2,
        "POSSIBLE_DUPLICATE": 2,
    }.items():
        assert f"  {code}: {count}\n" in result.output, code
    # the demo workspace works without --year afterwards
    again = runner.invoke(app, ["aid", "history", "-w", str(tmp_path / "demo"), "--json"])
    assert again.exit_code == 0
    assert '"year": 2025' in again.stdout
    paid = runner.invoke(app, ["aid", "payments", "status", "-w", str(tmp_path / "demo"), "--json"])
    document = json.loads(paid.stdout)
    assert document["paid"] == {"count": 810, "amount": "810000.00"}
    assert (document["withdrawn"], document["backfilled"]) == (4, 4)
    conn = connect_ledger(tmp_path / "demo")
    history = {r[0] for r in conn.execute("SELECT id_number FROM history WHERE year = 2025")}
    (sick,) = conn.execute("SELECT wish_id FROM wishes WHERE content = '白血病化疗费用'").fetchone()
    conn.close()
    assert history == {p["id"] for p in document["people"] if p["state"] == "paid"}
    _the_wishes_story_ends_paid_and_delivered(tmp_path / "demo", result.output, sick)


def _the_wishes_story_ends_paid_and_delivered(ws: Path, output: str, sick: str) -> None:
    """微心愿 after the match (issue 18): every funded wish paid or on the 采购清单, the
    one failure paid again, the missing account supplied, the 20,000 gift's wish delivered."""
    assert "微心愿代发批次 WP2025-001" in output and "采购清单 WG2025-001" in output
    assert "缺少收款账号，未付款：XY20250400" in output
    assert "微心愿回盘-WP2025-001.xlsx：到账 285 笔，失败 1 笔" in output
    assert "WP2025-002：1 个心愿" in output and "WP2025-003：1 个心愿" in output
    status = runner.invoke(app, ["wishes", "payments", "status", "-w", str(ws), "--json"])
    document = json.loads(status.stdout)
    assert document["funded"] == 418
    assert document["paid"]["count"] + document["purchasing"]["count"] == 418
    assert all(document[s]["count"] == 0 for s in ("pending", "failed", "unpaid"))
    assert document["missing_account"] == []
    by_id = {w["id"]: w for w in document["wishes"]}
    assert by_id[sick]["state"] == "paid" and by_id[sick]["delivered"] is not None
    assert sum(1 for w in document["wishes"] if w["delivered"]) == 147


def test_demo_refuses_a_folder_that_already_has_a_ledger(tmp_path: Path) -> None:
    """The demo's synthetic people never go into a ledger in use (on PostgreSQL: a
    server's ledger that holds data, e.g. through ZJK_CHARITY_LEDGER)."""
    with ledger_at(tmp_path).run("aid validate", {}):
        pass
    result = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "已有台账" in result.output, result.output
    conn = connect_ledger(tmp_path)
    assert conn.execute("SELECT command FROM runs").fetchall() == [("aid validate",)]
    conn.close()
