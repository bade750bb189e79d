"""``aid history``'s summary per year: people and the files they came from, the same on
both ledgers (issue 19: the sources were a SQLite GROUP_CONCAT in scan order; now the
distinct file names in name order, which PostgreSQL and SQLite give alike)."""

from __future__ import annotations

from pathlib import Path

from conftest import ledger_at, make_id
from zjk_charity.aid.history import history_summary, import_history


def _listed(folder: Path, name: str, people: list[tuple[str, str]]) -> Path:
    path = folder / name
    lines = ["身份证号,姓名,县区", *(f"{i},{n},张北县" for i, n in people)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_years_people_are_counted_once_with_every_source_named(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path / "ws")
    first = [(make_id(seq=f"{i:03d}"), f"测{i}") for i in range(1, 4)]
    later = [first[0], (make_id(seq="009"), "测九")]  # one person on both lists
    import_history(ledger, [_listed(tmp_path, "县里报的.csv", first)], 2024)
    import_history(ledger, [_listed(tmp_path, "a补报.csv", later)], 2024)
    import_history(ledger, [_listed(tmp_path, "2023.csv", first[:1])], 2023)
    assert history_summary(ledger) == [
        {"year": 2023, "people": 1, "sources": "2023.csv"},
        {"year": 2024, "people": 4, "sources": "a补报.csv,县里报的.csv"},
    ]
