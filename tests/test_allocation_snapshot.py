"""The allocation's snapshot is copied inside SQLite; it must hold what the row-by-row code
stored: each applicant's fields as loaded ("" for a blank text, 自理 for a blank care
level), its error codes in finding order, and the REPEAT flag from findings or history."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import backends
import zjk_charity.ledger as ledger_package
from conftest import AS_OF, YEAR, connect_ledger, good_row, ledger_at, make_id, write_sheet
from zjk_charity.aid.allocation import (
    AllocationRequest,
    load_allocation,
    load_campaign,
    run_allocation,
)
from zjk_charity.aid.history import import_history
from zjk_charity.aid.validation import validate
from zjk_charity.config import AidSettings
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection

# The query the allocation used before the snapshot was copied in SQL (commit 9e5b7fc).
REFERENCE_LOAD = """
SELECT a.id, f.name, a.sheet, a.row, a.county_code, a.county, a.township, a.village, a.name,
       a.id_number, a.birth_date, a.sex, a.household, a.care_level, a.bank, a.account,
       a.apply_date, a.exception_note, a.has_error,
       EXISTS (SELECT 1 FROM aid_findings x WHERE x.file_id = a.file_id AND x.sheet = a.sheet
               AND x.row = a.row AND x.code = 'REPEAT_RECIPIENT')
       OR EXISTS (SELECT 1 FROM history h WHERE h.id_number = a.id_number AND h.year < a.year),
       (SELECT {codes} FROM aid_findings x WHERE x.file_id = a.file_id
               AND x.sheet = a.sheet AND x.row = a.row AND x.severity = 'error')
FROM applicants a JOIN aid_files f ON f.id = a.file_id
WHERE a.year = ?
ORDER BY a.file_id, a.sheet_index, a.row
"""
# SQLite's group_concat joins in row order; PostgreSQL's string_agg is told that order.
SQLITE_CODES = "group_concat(code, ',')"
POSTGRESQL_CODES = "string_agg(code, ',' ORDER BY x.id)"


def reference_load() -> str:
    return REFERENCE_LOAD.format(codes=POSTGRESQL_CODES if backends.postgres() else SQLITE_CODES)


def _iso(text: str | None) -> str | None:
    """What the earlier code stored for a date: parsed, then written back."""
    return date.fromisoformat(text).isoformat() if text else None


def reference_snapshot(conn: Connection) -> list[tuple[Any, ...]]:
    """(seq, file … errors) per row, and the rule flags, transformed as the earlier code did."""
    return [
        (
            seq,
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6] or "",
            r[7] or "",
            r[8] or "",
            r[9],
            _iso(r[10]),
            r[11],
            r[12] or "",
            r[13] or "自理",
            r[14] or "",
            r[15] or "",
            _iso(r[16]),
            r[17] or "",
            r[20] or "",
            bool(r[18]),
            bool(r[19]),
        )
        for seq, r in enumerate(conn.execute(reference_load(), (YEAR,)))
    ]


def _rows(start: int, county: str = "张北县", address: str = "130722") -> list[dict[str, Any]]:
    def person(i: int, **kw: Any) -> dict[str, Any]:
        born = date(1935 + i % 30, 1 + i % 12, 1 + i % 27)
        row = good_row(
            序号=i,
            **{"县(区)": county},
            姓名=f"测{chr(0x4E00 + i)}",
            身份证号=make_id(born.strftime("%Y%m%d"), address, f"{i:03d}"),
            年龄="",
            户号=f"H{i}",
        )
        return {**row, **kw}

    return [
        person(start),
        person(start + 1, **{"乡镇(街道)": "", "村(社区)": ""}),  # blank texts
        person(start + 2, 生活自理能力=""),  # blank care level
        person(start + 3, 银行账号="12ab", 认证截图=""),  # two errors
        person(start + 4, **{"县(区)": "北京市"}),  # no county code
        person(start + 5, 申请日期=""),  # blank date
        person(start + 6, 往年受助年份="2024", 特殊情况说明="重病"),  # repeat, exception
        person(start + 7, 往年受助年份="2023"),  # repeat, no exception
        person(start + 8, 户号=f"H{start}"),  # same household as the first
        person(start + 9, 生活自理能力="半失能"),
        person(start + 10, 开户银行="", 性别=""),
    ]


def _campaign(tmp_path: Path) -> Ledger:
    """Two files, the first with two sheets; history imported after validation."""
    first = tmp_path / "张北县.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "张北镇"
    write_sheet(sheet, _rows(1))
    write_sheet(book.create_sheet("公会镇"), _rows(20))
    book.save(first)
    second = tmp_path / "康保县.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    write_sheet(sheet, _rows(40, "康保县", "130723"))
    book.save(second)

    ledger = ledger_at(tmp_path / "ws")
    validate(ledger, [first, second], year=YEAR, as_of=AS_OF)
    listed = _rows(1)[5]["身份证号"]  # found in the history only after validation
    history = tmp_path / "2024.csv"
    history.write_text(f"身份证号,姓名\n{listed},测\n", encoding="utf-8")
    import_history(ledger, [history], 2024)
    return ledger


def _allocate(ledger: Ledger) -> Any:
    settings = AidSettings()
    request = AllocationRequest(
        year=YEAR,
        as_of=AS_OF,
        budget=Decimal("12000"),
        per_person=Decimal("1000"),
        classes=list(settings.priority),
    )
    return run_allocation(ledger, request, {"year": YEAR})


def test_snapshot_holds_what_the_row_by_row_code_stored(tmp_path: Path) -> None:
    ledger = _campaign(tmp_path)
    with ledger.read() as conn:
        assert conn is not None
        expected = reference_snapshot(conn)
    result = _allocate(ledger)
    conn = connect_ledger(tmp_path / "ws")
    stored = conn.execute(
        "SELECT seq, file, sheet, row, county_code, county, township, village, name, "
        "id_number, birth_date, sex, household, care_level, bank, account, apply_date, "
        "exception_note, errors FROM allocation_people WHERE allocation_id = ? ORDER BY seq",
        (result.id,),
    ).fetchall()
    conn.close()
    assert stored == [row[:19] for row in expected]
    # the cases the data is meant to cover are there
    assert {row[2] for row in expected} == {"张北镇", "公会镇", "Sheet"}
    assert any(row[6] == "" for row in expected) and any(row[13] == "自理" for row in expected)
    assert any("," in row[18] for row in expected)  # several error codes, in finding order
    assert any(row[4] is None for row in expected) and any(row[16] is None for row in expected)
    assert sum(row[20] for row in expected) >= 3  # repeats: from findings and from history


def test_rule_inputs_match_the_reference(tmp_path: Path) -> None:
    ledger = _campaign(tmp_path)
    with ledger.read() as conn:
        assert conn is not None
        expected = reference_snapshot(conn)
        people = load_campaign(conn, YEAR).people
    assert [
        (
            p.key,
            p.county_code,
            p.id_number,
            p.birth_date.isoformat() if p.birth_date else None,
            p.apply_date.isoformat() if p.apply_date else None,
            p.care_level,
            p.household,
            p.exception_note,
            p.has_error,
            p.repeat,
        )
        for p in people
    ] == [(r[0], r[4], r[9], r[10], r[16], r[13], r[12], r[17], r[19], r[20]) for r in expected]


def test_the_stored_allocation_reads_back_as_decided(tmp_path: Path) -> None:
    ledger = _campaign(tmp_path)
    result = _allocate(ledger)
    again = load_allocation(ledger, YEAR)
    assert again.entries == result.entries
    assert again.as_json() == result.as_json()
    statuses = {e.status for e in result.entries}
    reasons = {e.reason for e in result.entries}
    assert statuses == {"funded", "waitlist", "excluded"}
    assert {"ERROR", "REPEAT", "HOUSEHOLD", "QUOTA"} <= reasons
    conn = connect_ledger(tmp_path / "ws")
    stored = conn.execute(
        "SELECT funded, amount, unspent, document FROM allocations WHERE id = ?", (result.id,)
    ).fetchone()
    conn.close()
    document = result.as_json()
    assert stored[:3] == (len(result.funded), document["amount"], document["unspent"])
    assert json.loads(stored[3]) == document


@pytest.mark.sqlite_only  # ledgers from before migration 5 (0.1.0) exist only as SQLite files
def test_a_ledger_from_before_migration_5_upgrades_and_allocates_the_same(tmp_path: Path) -> None:
    ledger = _campaign(tmp_path)
    first = _allocate(ledger)
    conn = sqlite3.connect(ledger.path)
    with conn:  # the ledger as 0.1.0 up to migration 4 left it: no later migration's tables
        for number, tables in _tables_after(4).items():
            for table in tables:
                conn.execute(f"DROP TABLE {table}")
            for table, column in _columns_after(4).get(number, []):
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            conn.execute("DELETE FROM schema_migrations WHERE number = ?", (number,))
        conn.execute(
            "CREATE INDEX allocation_people_id ON allocation_people(allocation_id, id_number)"
        )
        conn.execute("DROP INDEX applicants_year")
        conn.execute("CREATE INDEX applicants_year ON applicants(year, id_number)")
    conn.close()
    again = _allocate(ledger)
    assert again.as_json() == first.as_json()
    assert again.entries == first.entries
    conn = sqlite3.connect(ledger.path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    applied = [r[0] for r in conn.execute("SELECT number FROM schema_migrations ORDER BY number")]
    conn.close()
    assert "allocation_people_id" not in indexes
    assert _index_columns(ledger.path, "applicants_year") == ["year"]
    assert applied == _migration_numbers()  # 5 and every later one applied on opening
    assert applied[:5] == [1, 2, 3, 4, 5]


MIGRATIONS = Path(ledger_package.__file__).parent / "migrations" / "sqlite"


def _migration_numbers() -> list[int]:
    return sorted(int(p.name.split("_", 1)[0]) for p in MIGRATIONS.glob("*.sql"))


def _tables_after(number: int) -> dict[int, list[str]]:
    """The tables each migration after ``number`` creates, read from its SQL."""
    found = {}
    for path in MIGRATIONS.glob("*.sql"):
        n = int(path.name.split("_", 1)[0])
        if n > number:
            found[n] = re.findall(r"CREATE TABLE (\w+)", path.read_text(encoding="utf-8"))
    return found


def _columns_after(number: int) -> dict[int, list[tuple[str, str]]]:
    """The (table, column) pairs each migration after ``number`` adds, read from its SQL."""
    found = {}
    for path in MIGRATIONS.glob("*.sql"):
        n = int(path.name.split("_", 1)[0])
        if n > number:
            sql = path.read_text(encoding="utf-8")
            found[n] = re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", sql)
    return found


def test_a_failed_snapshot_copy_rolls_the_whole_run_back(tmp_path: Path, monkeypatch: Any) -> None:
    """The copy runs on a second thread; its error must still reach the run and undo it."""
    from zjk_charity.aid import allocation_store  # where the snapshot's statement lives

    ledger = _campaign(tmp_path)
    before = _counts(tmp_path / "ws")
    monkeypatch.setattr(allocation_store, "_SNAPSHOT", "INSERT INTO no_such_table VALUES (?, ?)")
    with pytest.raises(_undefined_table(), match="no_such_table"):
        _allocate(ledger)
    assert _counts(tmp_path / "ws") == before
    monkeypatch.undo()
    assert _allocate(ledger).as_json()["funded"] == 12  # and the ledger still works


def _undefined_table() -> type[Exception]:
    """The driver's error for a table that is not there, on this run's backend."""
    if backends.postgres():
        from psycopg.errors import UndefinedTable

        return UndefinedTable
    return sqlite3.OperationalError


def _counts(ws: Path) -> tuple[int, ...]:
    conn = connect_ledger(ws)
    tables = ("runs", "allocations", "allocation_people")
    found = tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
    conn.close()
    return found


def _index_columns(path: Path, index: str) -> list[str]:
    conn = sqlite3.connect(path)
    columns = [r[2] for r in conn.execute(f"PRAGMA index_info({index})")]
    conn.close()
    return columns
