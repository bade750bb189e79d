"""``reports.store``: the runs a report's manifest cites, read from the ledger."""

from __future__ import annotations

from pathlib import Path

from conftest import ledger_at
from zjk_charity.ledger import file_sha256
from zjk_charity.reports import store


def test_run_records_in_id_order_with_their_inputs(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path)
    book = tmp_path / "心愿登记.csv"
    book.write_text("心愿编号\nXY1\n", encoding="utf-8")
    with ledger.run("wishes import", {}, [book]) as first:
        pass
    with ledger.run("aid validate", {}) as second:
        pass
    with ledger.run("wishes match", {}) as third:
        pass
    with ledger.read() as conn:
        assert conn is not None
        records = store.run_records(conn, [third.id, first.id, 999])
        assert [(r.id, r.command, r.outcome) for r in records] == [
            (first.id, "wishes import", "ok"),
            (third.id, "wishes match", "ok"),
        ]
        assert records[0].inputs == [{"path": str(book), "sha256": file_sha256(book)}]
        assert records[1].inputs == []
        assert all(r.finished_at is not None and r.started_at <= r.finished_at for r in records)
        assert store.run_records(conn, []) == []
        commands = ("wishes import", "wishes match")
        assert sorted(store.runs_of_commands(conn, commands)) == [first.id, third.id]
        assert second.id not in store.runs_of_commands(conn, commands)
        assert store.finalized_run(conn, 1) is None


def test_application_counts_of_an_empty_year_are_zero(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path)
    with ledger.run("test", {}):
        pass
    with ledger.read() as conn:
        assert conn is not None
        assert store.application_counts(conn, 2025) == store.ApplicationCounts(
            rows=0, eligible=0, with_errors=0, with_warnings=0
        )
        assert store.finding_counts(conn, 2025, "error") == {}
        assert store.eligible_by_county(conn, 2025) == {}
        assert store.history_before(conn, 2025) == []
