"""The clock is a parameter (issue 19): a ledger stamps its run records, and a report its
making and signature, with the clock it is given, never the computer's time behind the
caller's back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from conftest import connect_ledger, ledger_at
from test_wishes_support import STANDARD, donation_row, donations_book, wish_row, wishes_book
from zjk_charity.config import Workspace
from zjk_charity.reports.campaign import campaign_report
from zjk_charity.reports.signing import MANIFEST, init_keys
from zjk_charity.wishes.importing import import_donations, import_wishes
from zjk_charity.wishes.match_run import run_match

DAY = datetime(2025, 12, 20, 9, 30, tzinfo=UTC)


def _fixed() -> datetime:
    return DAY


def _runs(ws: Path) -> list[tuple[str, str, str]]:
    conn = connect_ledger(ws)
    try:
        rows = conn.execute("SELECT command, started_at, finished_at FROM runs ORDER BY id")
        return [tuple(row) for row in rows.fetchall()]
    finally:
        conn.close()


def test_a_ledger_stamps_its_runs_with_its_clock(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path, clock=_fixed)
    with ledger.run("test", {}):
        pass
    ((command, started, finished),) = _runs(tmp_path)
    expected = DAY.astimezone().isoformat(timespec="seconds")
    assert (command, started, finished) == ("test", expected, expected)
    conn = connect_ledger(tmp_path)
    try:
        stamps = {r[0] for r in conn.execute("SELECT applied_at FROM schema_migrations")}
    finally:
        conn.close()
    assert stamps == {expected}


def test_a_report_is_made_signed_and_recorded_at_the_clocks_time(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    ledger = ledger_at(root)
    import_wishes(ledger, [wishes_book(tmp_path / "w.xlsx", [wish_row(1)])], STANDARD)
    import_donations(ledger, [donations_book(tmp_path / "d.xlsx", [donation_row(1)])])
    run_match(ledger, standard=STANDARD)
    ws = Workspace.open(root)
    init_keys(ws.keys_dir, "测经办", "经办人")
    made = campaign_report(ws, ["wishes"], 2025, ["html"], clock=_fixed)
    (report,) = made.reports
    stamp = DAY.astimezone().strftime("%Y%m%d-%H%M%S")
    assert report.folder.name == f"report-wishes-2025-{stamp}"
    manifest = json.loads((report.folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["signed_at"] == DAY.astimezone().isoformat(timespec="seconds")
    assert _runs(root)[-1][:2] == ("report campaign", manifest["signed_at"])
