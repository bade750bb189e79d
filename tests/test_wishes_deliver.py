"""``wishes deliver import`` (payout.md, 微心愿 payouts): the rows, their findings, what is
recorded, and the CLI (exit codes, --json equal to the library's result)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backends import ledger_rows
from conftest import ledger_at, ledger_exists, write_workbook
from wishes_after_support import matched_campaign, record_payments
from zjk_charity.cli.wishes import donations_app, wishes_app
from zjk_charity.cli.wishes_after import register
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.wishes.delivery import import_deliveries
from zjk_charity.wishes.progress import Progress, Stage
from zjk_charity.wishes.store import load_deliveries

HEADERS = ["心愿编号", "送达日期", "经办人", "照片"]
TODAY = date(2025, 12, 1)

app = typer.Typer()
app.add_typer(wishes_app, name="wishes")
app.add_typer(donations_app, name="donations")
if "deliver" not in {g.name for g in wishes_app.registered_groups}:
    register(wishes_app, donations_app)
runner = CliRunner()


def row(wish: str, day: Any = "2025-11-02", handler: str = "测经办", photo: str = "") -> dict:
    return {"心愿编号": wish, "送达日期": day, "经办人": handler, "照片": photo}


def book(path: Path, rows: list[Any], headers: list[str] = HEADERS) -> Path:
    return write_workbook(path, rows, headers, title="微心愿送达登记表", unit=None, sheet="送达")


@pytest.fixture
def paid(tmp_path: Path) -> Ledger:
    """W0001 paid, W0002 on a 采购清单, W0003 pending at the bank, W0004 not funded."""
    ledger = matched_campaign(tmp_path)
    record_payments(ledger, {"W0001": "paid", "W0002": "purchasing", "W0003": "pending"})
    return ledger


def _compact(findings: Any) -> list[tuple[int | None, str | None, str]]:
    return [(f.row, f.column, f.code) for f in findings]


def _stages(ledger: Ledger) -> dict[str, Stage]:
    with ledger.read() as conn:
        return {w: p.stage for w, p in Progress.load(conn).payouts.items()}


def test_each_row_is_checked_and_only_rows_without_errors_are_recorded(
    tmp_path: Path, paid: Ledger
) -> None:
    (tmp_path / "照片").mkdir()
    (tmp_path / "照片" / "W0001.jpg").write_bytes(b"\xff\xd8photo")
    path = book(
        tmp_path / "送达.xlsx",
        [
            row("W0001", photo="W0001.jpg"),  # 3: recorded, photo in 照片/
            row("W0002", "2025/11/3", photo="没有这张.jpg"),  # 4: recorded, with a warning
            row("W0003"),  # 5: 已认领 (the bank has not answered)
            row("W0004"),  # 6: 待认领
            row("W9999"),  # 7
            row("W0001", photo="W0001.jpg"),  # 8: the same row again
            row("W0001", "2025-11-05"),  # 9: another delivery of W0001
            row("W0003", handler=""),  # 10
            row("W0003", "2099-01-01"),  # 11: after today
            row("W0003", "下周"),  # 12
            row("W0003", "2025-01-01"),  # 13: before the wish was registered
            {"心愿编号": "合计", "送达日期": "", "经办人": "", "照片": ""},  # a total row
        ],
    )
    result = import_deliveries(paid, path, today=TODAY)
    assert _compact(result.findings) == [
        (4, "照片", "PHOTO_NOT_FOUND"),
        (5, "心愿编号", "WISH_NOT_DELIVERABLE"),
        (6, "心愿编号", "WISH_NOT_DELIVERABLE"),
        (7, "心愿编号", "NO_SUCH_WISH"),
        (9, "心愿编号", "DELIVERY_CHANGED"),
        (10, "心愿编号", "WISH_NOT_DELIVERABLE"),
        (10, "经办人", "MISSING_FIELD"),
        (11, "心愿编号", "WISH_NOT_DELIVERABLE"),
        (11, "送达日期", "INVALID_VALUE"),
        (12, "心愿编号", "WISH_NOT_DELIVERABLE"),
        (12, "送达日期", "INVALID_VALUE"),
        (13, "心愿编号", "WISH_NOT_DELIVERABLE"),
        (13, "送达日期", "INVALID_VALUE"),
    ]
    assert [(d.wish_id, d.delivered_on, d.photo) for d in result.recorded] == [
        ("W0001", date(2025, 11, 2), "W0001.jpg"),
        ("W0002", date(2025, 11, 3), "没有这张.jpg"),
    ]
    assert (result.rows, result.unchanged, result.with_errors, result.with_warnings) == (
        11,
        1,
        8,
        1,
    )
    assert result.has_errors
    with paid.read() as conn:
        assert conn is not None
        stored = load_deliveries(conn)
    assert sorted(stored) == ["W0001", "W0002"]
    assert stored["W0002"].source.row == 4 and stored["W0001"].handler == "测经办"
    stages = _stages(paid)
    assert (stages["W0001"], stages["W0002"], stages["W0003"]) == (
        Stage.DELIVERED,
        Stage.DELIVERED,
        Stage.CLAIMED,
    )


def test_the_messages_say_what_is_wrong(tmp_path: Path, paid: Ledger) -> None:
    path = book(
        tmp_path / "送达.xlsx",
        [row("W0003"), row("W0001", "2099-01-01"), row("W0001", "2025-01-01")],
    )
    found = import_deliveries(paid, path, today=TODAY).findings
    messages = {(f.row, f.code): (f.message(), f.message("en")) for f in found}
    zh, en = messages[(3, "WISH_NOT_DELIVERABLE")]
    assert "W0003" in zh and "已认领" in zh and "'funded'" in en
    zh, en = messages[(4, "INVALID_VALUE")]
    assert "2099-01-01" in zh and "不晚于今天（2025-12-01）" in zh and "no later than today" in en
    zh, en = messages[(5, "INVALID_VALUE")]
    assert "不早于心愿登记日期（2025-03-21）" in zh and "registration (2025-03-21)" in en


def test_importing_again_changes_nothing_and_a_change_is_refused(
    tmp_path: Path, paid: Ledger
) -> None:
    first = book(tmp_path / "送达.xlsx", [row("W0001"), row("W0002", "2025-11-03")])
    assert not import_deliveries(paid, first, today=TODAY).has_errors
    again = import_deliveries(paid, first, today=TODAY)
    assert (len(again.recorded), again.unchanged, again.findings) == (0, 2, [])
    changed = book(tmp_path / "改.xlsx", [row("W0001", handler="测别人")])
    result = import_deliveries(paid, changed, today=TODAY)
    assert _compact(result.findings) == [(3, "心愿编号", "DELIVERY_CHANGED")]
    message = result.findings[0].message()
    assert "2025-11-02" in message and "台账，来自 送达.xlsx「送达」第 3 行" in message
    with paid.read() as conn:
        assert conn is not None
        assert load_deliveries(conn)["W0001"].handler == "测经办"


def test_the_same_wish_twice_in_one_file(tmp_path: Path, paid: Ledger) -> None:
    path = book(
        tmp_path / "送达.xlsx",
        [row("W0001"), row("W0001"), row("W0001", "2025-11-04")],
    )
    result = import_deliveries(paid, path, today=TODAY)
    assert [d.wish_id for d in result.recorded] == ["W0001"] and result.unchanged == 1
    assert _compact(result.findings) == [(5, "心愿编号", "DELIVERY_CHANGED")]
    assert "本文件送达.xlsx「送达」第 3 行" in result.findings[0].message()


def test_aliases_and_a_csv_with_a_photo_beside_it(tmp_path: Path, paid: Ledger) -> None:
    (tmp_path / "W0002.png").write_bytes(b"\x89PNG")
    path = tmp_path / "发放记录.csv"
    path.write_text(
        "微心愿发放记录\n编号,发放日期,经手人,照片文件\nW0002,2025年11月3日,测经办,W0002.png\n"
        "合计,,,\n",
        encoding="utf-8",
    )
    result = import_deliveries(paid, path, today=TODAY)
    assert result.findings == [] and [d.wish_id for d in result.recorded] == ["W0002"]
    assert result.recorded[0].source.row == 3


def test_a_photo_name_no_file_can_have_is_not_found_not_a_crash(
    tmp_path: Path, paid: Ledger
) -> None:
    path = book(tmp_path / "送达.xlsx", [row("W0001", photo="照" * 300 + ".jpg")])
    result = import_deliveries(paid, path, today=TODAY)
    assert _compact(result.findings) == [(3, "照片", "PHOTO_NOT_FOUND")]
    assert [d.wish_id for d in result.recorded] == ["W0001"]


def test_a_missing_column_records_nothing(tmp_path: Path, paid: Ledger) -> None:
    path = book(tmp_path / "送达.xlsx", [["W0001", "2025-11-02"]], headers=["心愿编号", "送达日期"])
    result = import_deliveries(paid, path, today=TODAY)
    assert _compact(result.findings) == [(2, "经办人", "COLUMN_MISSING")]
    assert result.recorded == [] and result.has_errors


def test_an_empty_ledger_is_refused_and_left_absent(tmp_path: Path) -> None:
    path = book(tmp_path / "送达.xlsx", [row("W0001")])
    ledger = ledger_at(tmp_path / "ws")
    with pytest.raises(UserError):
        import_deliveries(ledger, path, today=TODAY)
    assert not ledger_exists(tmp_path / "ws")


# ---- the command ------------------------------------------------------------------------
def test_cli_exit_codes_and_json_equal_to_the_library(tmp_path: Path, paid: Ledger) -> None:
    ws = tmp_path / "ws"
    good = book(tmp_path / "好.xlsx", [row("W0001")])
    result = runner.invoke(app, ["wishes", "deliver", "import", str(good), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "新登记 1 个心愿已送达" in result.output
    bad = book(tmp_path / "坏.xlsx", [row("W0001"), row("W0003"), row("W0002", photo="x.jpg")])
    result = runner.invoke(app, ["wishes", "deliver", "import", str(bad), "--json", "-w", str(ws)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert list(document) == [
        "file",
        "rows",
        "recorded",
        "unchanged",
        "with_errors",
        "with_warnings",
        "deliveries",
        "findings",
    ]
    assert (document["recorded"], document["unchanged"], document["with_errors"]) == (1, 1, 1)
    assert document["deliveries"] == [
        {
            "wish": "W0002",
            "delivered": "2025-11-02",
            "handler": "测经办",
            "photo": "x.jpg",
            "sheet": "送达",
            "row": 5,
        }
    ]
    assert [(f["row"], f["code"], f["severity"]) for f in document["findings"]] == [
        (4, "WISH_NOT_DELIVERABLE", "error"),
        (5, "PHOTO_NOT_FOUND", "warning"),
    ]
    # the same file again, through the library: what --json said, less what is now recorded
    again = import_deliveries(paid, bad).as_json()
    assert again["findings"] == document["findings"] and again["unchanged"] == 2


def test_cli_warnings_only_exit_0_and_english(tmp_path: Path, paid: Ledger) -> None:
    ws = tmp_path / "ws"
    path = book(tmp_path / "送达.xlsx", [row("W0001", photo="无.jpg")])
    result = runner.invoke(
        app, ["wishes", "deliver", "import", str(path), "--lang", "en", "-w", str(ws)]
    )
    assert result.exit_code == 0, result.output
    assert "1 wishes recorded as delivered" in result.output
    assert "PHOTO_NOT_FOUND" in result.output


def test_cli_unreadable_file_exits_2_and_leaves_the_ledger(tmp_path: Path, paid: Ledger) -> None:
    ws = tmp_path / "ws"
    fake = tmp_path / "送达.xlsx"
    fake.write_text("不是工作簿", encoding="utf-8")
    before = ledger_rows(ws)
    result = runner.invoke(app, ["wishes", "deliver", "import", str(fake), "-w", str(ws)])
    assert result.exit_code == 2 and "送达.xlsx" in result.output
    assert "Traceback" not in result.output
    assert ledger_rows(ws) == before


def test_help() -> None:
    for args in (["wishes", "deliver", "--help"], ["wishes", "deliver", "import", "--help"]):
        assert runner.invoke(app, args).exit_code == 0


def test_purge_names_the_delivery_and_settlement_tables_in_chinese() -> None:
    from zjk_charity.cli.main import TABLE_NAMES
    from zjk_charity.purge_store import WISH_PARTS

    assert {part.key for part in WISH_PARTS} <= set(TABLE_NAMES)
