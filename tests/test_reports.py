"""Signed campaign reports: figures reconcile with the ledger, and verify catches any change."""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import connect_ledger, env_for
from module_ledgers import building, copy_workspace, drop_kept_ledgers, kept_ledgers  # noqa: F401
from zjk_charity.cli.main import app
from zjk_charity.demo import run_demo

runner = CliRunner()


def _pdf_possible() -> bool:
    from zjk_charity.pdf import PdfUnavailable, pdf_fonts

    try:
        with pdf_fonts():
            return True
    except PdfUnavailable:
        return False


# CI installs a Chinese font and sets ZJK_CHARITY_REQUIRE_PDF, so there the PDF tests
# always run; on a machine without a Chinese font they are skipped, not failed.
needs_pdf = pytest.mark.skipif(
    not _pdf_possible() and not os.environ.get("ZJK_CHARITY_REQUIRE_PDF"),
    reason="no Chinese font on this machine",
)


def cli(ws: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)], env=env)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's 2025 campaign (validated, allocated, finalized, 微心愿) and its key."""
    ws = tmp_path_factory.mktemp("campaign")
    with building():
        run_demo(ws)
    assert (ws / "keys" / "signing-key.pem").exists()
    return ws


@pytest.fixture(scope="module")
def report(campaign: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    with building():
        result = cli(
            campaign, "report", "campaign", "aid", "--year", "2025", "--out", str(out), "--json"
        )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["signed"] is True and doc["fingerprint"]
    (entry,) = doc["reports"]
    assert entry["kind"] == "aid"
    return Path(entry["dir"])


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _db(ws: Path) -> Any:
    return connect_ledger(ws)


def test_aid_figures_reconcile_with_independent_queries(campaign: Path, report: Path) -> None:
    f = _manifest(report)["figures"]
    db = _db(campaign)
    (alloc_id, as_of) = db.execute(
        "SELECT id, as_of FROM allocations WHERE year = 2025 ORDER BY id DESC"
    ).fetchone()
    q = lambda sql, *a: db.execute(sql, a).fetchone()[0]  # noqa: E731
    apps = f["applications"]
    assert apps["rows"] == q("SELECT count(*) FROM applicants WHERE year = 2025") == 954
    assert apps["eligible"] == q(
        "SELECT count(*) FROM applicants WHERE year = 2025 AND has_error = 0"
    )
    assert apps["errors_by_code"] == dict(
        db.execute(
            "SELECT code, count(*) FROM aid_findings WHERE year = 2025 AND severity = 'error' GROUP BY code"
        ).fetchall()
    )
    # Today's funded list: the allocation's, less the withdrawn, plus the backfilled (at
    # the per-person amount: their snapshot row was a waitlisted one, without an amount).
    funded = db.execute(
        "SELECT p.county, coalesce(p.amount, a.per_person), p.birth_date, p.care_level "
        "FROM allocation_people p JOIN allocations a ON a.id = p.allocation_id "
        "WHERE p.allocation_id = ? AND (p.status = 'funded' OR p.seq IN "
        "(SELECT seq FROM aid_changes WHERE allocation_id = p.allocation_id "
        "AND kind = 'backfilled')) AND p.seq NOT IN (SELECT seq FROM aid_changes "
        "WHERE allocation_id = p.allocation_id AND kind = 'withdrawn')",
        (alloc_id,),
    ).fetchall()
    assert f["funded"] == len(funded) == 810
    assert Decimal(f["amount"]) == sum(Decimal(r[1]) for r in funded) == Decimal("810000.00")
    assert f["unspent"] == "0.00"
    by_county = Counter(r[0] for r in funded)
    assert {c["county"]: c["funded"] for c in f["counties"]} == dict(by_county)
    for c in f["counties"]:
        assert Decimal(c["amount"]) == Decimal(1000) * by_county[c["county"]]
    assert sum(f["age_bands"].values()) == sum(f["care_levels"].values()) == 810
    assert f["care_levels"] == dict(Counter(r[3] for r in funded)) | {
        k: 0 for k in ("失能", "半失能", "自理") if k not in {r[3] for r in funded}
    }
    day = date.fromisoformat(as_of)
    ninety_plus = sum(
        1
        for r in funded
        if (born := date.fromisoformat(r[2]))
        and day.year - born.year - ((day.month, day.day) < (born.month, born.day)) >= 90
    )
    assert f["age_bands"]["90岁及以上"] == ninety_plus
    excluded = dict(
        db.execute(
            "SELECT reason, count(*) FROM allocation_people WHERE allocation_id = ? "
            "AND status = 'excluded' GROUP BY reason",
            (alloc_id,),
        ).fetchall()
    )
    assert f["excluded"] == {k: excluded.get(k, 0) for k in ("ERROR", "REPEAT", "HOUSEHOLD")}
    assert (
        f["history"]["people_to_date"] == q("SELECT count(*) FROM history") == 42 + 300 + 810
    )  # 2023, 2024, 2025


def test_manifest_lists_runs_inputs_and_files(campaign: Path, report: Path) -> None:
    m = _manifest(report)
    assert m["kind"] == "aid" and m["campaign"] == "nuandong-2025"
    assert m["software"]["name"] == "zjk-charity"
    commands = {r["command"] for r in m["runs"]}
    assert {"aid validate", "aid allocate", "aid finalize", "aid history import"} <= commands
    names = {Path(i["path"]).name for i in m["inputs"]}
    assert {"张北县.xlsx", "康保县.xlsx", "蔚县.csv", "2024年受助名单.xlsx"} <= names
    listed = [f["name"] for f in m["files"]]
    assert listed[:2] == ["report.html", "report.xlsx"]
    assert listed[2:] == (["report.pdf"] if _pdf_possible() else [])
    assert m["signer"] == {
        "name": "演示经办人",
        "role": "经办人",
        "fingerprint": m["signer"]["fingerprint"],
    }
    assert m["signed_at"]


def test_verify_passes_on_a_fresh_report(campaign: Path, report: Path) -> None:
    result = cli(campaign, "report", "verify", str(report))
    assert result.exit_code == 0, result.output
    assert "核验通过" in result.output and "经办人" in result.output


@pytest.mark.parametrize("name", ["report.html", "report.xlsx", "report.pdf"])
def test_verify_names_a_changed_file(
    campaign: Path, report: Path, tmp_path: Path, name: str
) -> None:
    if not (report / name).exists():
        pytest.skip(f"{name} was not written on this machine (no PDF renderer)")
    copy = tmp_path / "copy"
    _copy(report, copy)
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 1
    (copy / name).write_bytes(bytes(data))
    result = cli(campaign, "report", "verify", str(copy))
    assert result.exit_code == 1
    assert name in result.output


def test_verify_rejects_an_edited_manifest(campaign: Path, report: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    _copy(report, copy)
    text = (copy / "manifest.json").read_text(encoding="utf-8")
    (copy / "manifest.json").write_text(
        text.replace('"funded": 810', '"funded": 811', 1), encoding="utf-8"
    )
    result = cli(campaign, "report", "verify", str(copy))
    assert result.exit_code == 1 and "签名无效" in result.output


def test_verify_rejects_another_key(campaign: Path, report: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert cli(other, "keys", "init", "--name", "测他人").exit_code == 0
    result = cli(
        campaign,
        "report",
        "verify",
        str(report),
        "--key",
        str(other / "keys" / "signing-key.pub.pem"),
    )
    assert result.exit_code == 1 and "签名无效" in result.output


def _copy(source: Path, target: Path) -> None:
    target.mkdir()
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())


@needs_pdf
def test_pdf_text_has_the_title_and_key_figures(report: Path) -> None:
    from pypdf import PdfReader

    pdf = PdfReader(report / "report.pdf")
    assert pdf.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4 portrait
    text = "".join(page.extract_text() for page in pdf.pages).replace(" ", "")
    assert "2025年福彩暖冬活动报告" in text
    assert "810,000.00" in text and "953" in text and "张北县" in text


def test_html_is_self_contained(report: Path) -> None:
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!--", "")
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "<svg" in html and "经办人" in html and "（盖章）" in html


def test_workspace_template_overrides_the_packaged_one(campaign: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    (ws / "templates").mkdir()
    (ws / "templates" / "aid.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block content %}<p>本县自定义：资助 {{ f.funded }} 人</p>{% endblock %}',
        encoding="utf-8",
    )
    result = cli(
        ws,
        "report",
        "campaign",
        "aid",
        "--year",
        "2025",
        "--format",
        "html",
        "--out",
        str(tmp_path / "r"),
        "--no-sign",
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r" / "report-aid-2025" / "report.html").read_text(encoding="utf-8")
    assert "本县自定义：资助 810 人" in html
    assert "本报告未签名" in html  # the packaged base.html.j2 is still used


def test_unsigned_report_and_missing_key(campaign: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    refused = cli(ws, "report", "campaign", "aid", "--year", "2025", "--out", str(tmp_path / "r"))
    assert refused.exit_code == 2 and "keys init" in refused.output
    assert not (tmp_path / "r").exists()
    result = cli(
        ws,
        "report",
        "campaign",
        "aid",
        "--year",
        "2025",
        "--format",
        "html,xlsx",
        "--out",
        str(tmp_path / "r"),
        "--no-sign",
    )
    assert result.exit_code == 0
    folder = tmp_path / "r" / "report-aid-2025"
    assert not (folder / "manifest.sig").exists()
    again = cli(
        ws, "report", "campaign", "aid", "--year", "2025", "--out", str(tmp_path / "r"), "--no-sign"
    )
    assert again.exit_code == 2 and "已存在" in again.output
    assert cli(ws, "keys", "init", "--name", "测甲").exit_code == 0
    verdict = cli(ws, "report", "verify", str(folder))
    assert verdict.exit_code == 1 and "未签名" in verdict.output


def test_keys_are_private_and_a_passphrase_is_needed_to_sign(
    tmp_path: Path, campaign: Path
) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    env = {"ZJK_CHARITY_KEY_PASSPHRASE": "测试口令-not-a-real-secret"}
    assert cli(ws, "keys", "init", "--name", "测甲", "--passphrase", env=env).exit_code == 0
    key = ws / "keys" / "signing-key.pem"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert b"ENCRYPTED" in key.read_bytes()
    shown = cli(ws, "keys", "show", "--json")
    assert json.loads(shown.stdout)["fingerprint"].count(":") == 15
    no_pass = cli(
        ws,
        "report",
        "campaign",
        "aid",
        "--year",
        "2025",
        "--format",
        "html",
        "--out",
        str(tmp_path / "a"),
        env={"ZJK_CHARITY_KEY_PASSPHRASE": ""},
    )
    assert no_pass.exit_code == 2 and "口令" in no_pass.output
    ok = cli(
        ws,
        "report",
        "campaign",
        "aid",
        "--year",
        "2025",
        "--format",
        "html",
        "--out",
        str(tmp_path / "b"),
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    assert cli(ws, "report", "verify", str(tmp_path / "b" / "report-aid-2025")).exit_code == 0


@pytest.fixture(scope="module")
def wishes_report(campaign: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wreports")
    args = ["report", "campaign", "wishes", "--year", "2025", "--out", str(out)]
    with building():
        result = cli(campaign, *args, "--format", "html,xlsx")
    assert result.exit_code == 0, result.output
    return out / "report-wishes-2025"


def _yuan(fen: int) -> str:
    fen = int(fen)  # SUM over PostgreSQL's BIGINT fen columns is a Decimal
    return f"{fen // 100}.{fen % 100:02d}"


def test_wishes_figures_reconcile_with_independent_queries(
    campaign: Path, wishes_report: Path
) -> None:
    f = _manifest(wishes_report)["figures"]
    db = _db(campaign)
    q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    received = q("SELECT sum(amount) FROM donations")
    matched = q("SELECT sum(amount) FROM wish_matches")
    assert f["donations_total"] == _yuan(received) == "190298.41"
    assert f["cash_total"] == _yuan(q("SELECT sum(amount) FROM donations WHERE kind = '资金'"))
    assert f["matched"] == _yuan(matched)
    assert f["balance"] == _yuan(received - matched)
    parts = sum(Decimal(v) for v in f["balances"].values())
    assert parts == Decimal(f["balance"])  # every fen is in one kind of balance
    funded = db.execute(
        "SELECT w.wish_id, w.id_number, w.county FROM wishes w "
        "JOIN wish_matches m ON m.wish_id = w.wish_id GROUP BY w.wish_id "
        "HAVING sum(m.amount) >= w.amount"
    ).fetchall()
    assert f["fulfilled"] == len(funded)
    assert f["children_helped"] == len({r[1] for r in funded}) == 418  # 417 + 1 by the third round
    assert f["wishes"] == q("SELECT count(*) FROM wishes")
    assert sum(c["wishes"] for c in f["counties"]) == f["wishes"]
    assert {c["county"]: c["fulfilled"] for c in f["counties"] if c["fulfilled"]} == dict(
        Counter(r[2] for r in funded)
    )
    donors = dict(db.execute("SELECT donor, sum(amount) FROM donations GROUP BY donor").fetchall())
    assert {d["donor"]: d["amount"] for d in f["donor_totals"]} == {
        k: _yuan(v) for k, v in donors.items()
    }
    assert f["anonymous_gifts"] == q("SELECT count(*) FROM donations WHERE donor = '匿名'")
    assert sum(Decimal(v) for v in f["received_by_month"].values()) == Decimal(f["donations_total"])


def test_wishes_report_is_deidentified_and_verifies(campaign: Path, wishes_report: Path) -> None:
    html = (wishes_report / "report.html").read_text(encoding="utf-8")
    db = _db(campaign)
    for name, id_number in db.execute("SELECT child_name, id_number FROM wishes"):
        assert id_number not in html
        assert f">{name}<" not in html
    assert cli(campaign, "report", "verify", str(wishes_report)).exit_code == 0


def _pdf_pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return ["".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


@needs_pdf
def test_pdf_pages_are_numbered_and_headers_repeat(campaign: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    out = tmp_path / "r"
    args = ["report", "campaign", "all", "--year", "2025", "--out", str(out), "--no-sign"]
    assert cli(ws, *args).exit_code == 0
    for kind in ("aid", "wishes"):
        text = _pdf_pages(out / f"report-{kind}-2025" / "report.pdf")
        for number, page in enumerate(text, 1):
            assert f"第{number}页，共{len(text)}页" in page
    donors = _manifest(out / "report-wishes-2025")["figures"]["donor_totals"]
    wishes = _pdf_pages(out / "report-wishes-2025" / "report.pdf")
    with_donors = [p for p in wishes if any(f"{d['donor']}{d['gifts']}" in p for d in donors)]
    assert len(with_donors) >= 2  # the donor table runs over pages …
    assert all("捐赠人笔数金额（元）" in p for p in with_donors)  # … with its header on each


def test_unset_signers_print_a_line_to_sign_on(campaign: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    out = tmp_path / "r"
    args = ["report", "campaign", "aid", "--year", "2025", "--out", str(out), "--no-sign"]
    assert cli(ws, *args).exit_code == 0
    html = (out / "report-aid-2025" / "report.html").read_text(encoding="utf-8")
    assert "经办人：经办人" not in html and "审核人：审核人" not in html
    assert html.count('<span class="sign-line"></span>') == 3
    if (out / "report-aid-2025" / "report.pdf").exists():
        last = _pdf_pages(out / "report-aid-2025" / "report.pdf")[-1]
        assert "经办人：审核人：负责人：" in last  # three blank lines, no names


def test_names_in_the_settings_are_printed(campaign: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    settings = (ws / "zjk-charity.toml").read_text(encoding="utf-8")
    (ws / "zjk-charity.toml").write_text(
        settings.replace("[signers]", '[signers]\nhandler = "测经办"\nhead = "测负责"'),
        encoding="utf-8",
    )
    out = tmp_path / "r"
    args = ["report", "campaign", "aid", "--year", "2025", "--out", str(out), "--no-sign"]
    assert cli(ws, *args).exit_code == 0, cli(ws, *args).output
    html = (out / "report-aid-2025" / "report.html").read_text(encoding="utf-8")
    assert "经办人：测经办" in html and "负责人：测负责" in html
    assert html.count('<span class="sign-line"></span>') == 1  # 审核人 only
    if (out / "report-aid-2025" / "report.pdf").exists():
        last = _pdf_pages(out / "report-aid-2025" / "report.pdf")[-1]
        assert "经办人：测经办审核人：负责人：测负责" in last


@needs_pdf
def test_workspace_typst_template_overrides_the_pdf(campaign: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    (ws / "templates").mkdir()
    (ws / "templates" / "aid.typ").write_text(
        '#import "report.typ": *\n#show: report\n本县自定义：资助 #f.funded 人\n', encoding="utf-8"
    )
    out = tmp_path / "r"
    args = ["report", "campaign", "aid", "--year", "2025", "--out", str(out), "--no-sign"]
    assert cli(ws, *args).exit_code == 0
    (page,) = _pdf_pages(out / "report-aid-2025" / "report.pdf")
    assert "本县自定义：资助810人" in page and "本报告未签名" in page  # packaged report.typ
    (ws / "templates" / "aid.typ").write_text("#let broken = (\n", encoding="utf-8")
    broken = cli(ws, *args[:-3], "--out", str(tmp_path / "b"), "--no-sign")
    assert broken.exit_code == 2 and "aid.typ" in broken.output
    assert not (tmp_path / "b" / "report-aid-2025").exists()


def test_no_chinese_font_still_writes_html_and_xlsx(
    campaign: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zjk_charity.pdf import fonts

    real = fonts.system_book
    monkeypatch.setattr(fonts, "system_book", lambda folders=None: real([tmp_path / "none"]))
    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    out = tmp_path / "r"
    result = cli(ws, "report", "campaign", "aid", "--year", "2025", "--out", str(out), "--no-sign")
    assert result.exit_code == 0, result.output
    assert "未找到中文字体" in result.output and "fonts-noto-cjk" in result.output
    assert "HTML、XLSX 已照常生成" in result.output
    folder = out / "report-aid-2025"
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "report.html",
        "report.xlsx",
    ]
    # Asked for the PDF alone, there is nothing to sign: exit 2, and no folder is left
    # behind to block the run once a font is installed.
    alone = out / "pdf-only"
    only = cli(
        ws,
        "report",
        "campaign",
        "aid",
        "--year",
        "2025",
        "--format",
        "pdf",
        "--out",
        str(alone),
        "--no-sign",
    )
    assert only.exit_code == 2 and "未找到中文字体" in only.output
    assert not (alone / "report-aid-2025").exists()


@needs_pdf
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_report_pdf_is_made_without_pango_or_cairo(campaign: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from test_pdf import PROBE, ROOT

    ws = tmp_path / "ws"
    copy_workspace(campaign, ws)
    out = tmp_path / "r"
    args = ["report", "campaign", "all", "--year", "2025", "--format", "pdf", "--out", str(out)]
    env = env_for(ws, {**os.environ, "PYTHONPATH": str(ROOT / "src")})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args, "--no-sign", "-w", str(ws)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "PANGO []" in done.stdout and "MODULES []" in done.stdout, done.stdout
    assert (out / "report-aid-2025" / "report.pdf").is_file()
    assert (out / "report-wishes-2025" / "report.pdf").is_file()
    assert not (out / "report-aid-2025" / "report.html").exists()  # --format pdf: the PDF only


def test_a_key_needs_a_signers_name(tmp_path: Path) -> None:
    # [signers] is empty by default: a key without a name would verify as "signed by ()".
    refused = cli(tmp_path, "keys", "init")
    assert refused.exit_code == 2 and "--name" in refused.output
    assert not (tmp_path / "keys").exists()
    named = cli(tmp_path, "keys", "init", "--name", "测甲", "--lang", "en")
    assert named.exit_code == 0 and "signer: 测甲 (经办人)" in named.output
