"""Builders shared by the 微心愿 tests (no tests here): workbooks and records, all synthetic.

Children are 测小一 … with IDs made from a Zhangjiakou address code, a birth date and a
sequence number with a correct check character (``conftest.make_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import backends
from conftest import connect_ledger, ledger_at, ledger_exists, make_id, write_workbook
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import tables_by_migration
from zjk_charity.wishes.amounts import Fen
from zjk_charity.wishes.model import Donation, Wish

STANDARD: Fen = 30000
WISH_HEADERS = [
    "心愿编号",
    "县(区)",
    "儿童姓名",
    "身份证号",
    "困境类别",
    "心愿类型",
    "心愿内容",
    "金额",
    "登记日期",
    "监护人",
    "联系电话",
    "收款账号",
]
DONATION_HEADERS = [
    "捐赠编号",
    "捐赠人",
    "捐赠类型",
    "金额",
    "物资名称",
    "定向心愿",
    "定向类别",
    "定向县区",
    "到账日期",
    "备注",
]
FIRST_ROW = 3  # title on row 1, header on row 2


def child_id(birth: str = "20150101", seq: str = "123", address: str = "130722") -> str:
    return make_id(birth, address, seq)


def wish_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A wish row that passes every check; ``n`` makes its number and child unique."""
    row: dict[str, Any] = {
        "心愿编号": f"W{n:04d}",
        "县(区)": "张北县",
        "儿童姓名": "测小一",
        "身份证号": child_id(seq=f"{n % 1000:03d}"),
        "困境类别": "孤儿",
        "心愿类型": "资金",
        "心愿内容": "新学期的书包和文具",
        "金额": "",
        "登记日期": "2025-03-21",
        "监护人": "测监护",
        "联系电话": "13800000000",
        "收款账号": "6217000010000000000",
    }
    row.update(overrides)
    return row


def donation_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "捐赠编号": f"D{n:04d}",
        "捐赠人": "测捐赠人",
        "捐赠类型": "资金",
        "金额": 300,
        "物资名称": "",
        "定向心愿": "",
        "定向类别": "",
        "定向县区": "",
        "到账日期": "2025-04-01",
        "备注": "",
    }
    row.update(overrides)
    return row


def _headers(rows: Sequence[dict[str, Any] | None], canonical: list[str]) -> list[str]:
    """The canonical headers, less any column the first row leaves out (COLUMN_MISSING)."""
    first = next((r for r in rows if r is not None), None)
    return [h for h in canonical if first is None or h in first]


def wishes_book(path: Path, rows: Sequence[dict[str, Any] | None]) -> Path:
    headers = _headers(rows, WISH_HEADERS)
    return write_workbook(path, rows, headers, title="微心愿登记表", unit=None, sheet="心愿")


def donations_book(path: Path, rows: Sequence[dict[str, Any] | None]) -> Path:
    headers = _headers(rows, DONATION_HEADERS)
    return write_workbook(path, rows, headers, title="捐赠登记表", unit=None, sheet="捐赠")


# Every table of the ledger but schema_migrations (the same names on both backends).
DATA_TABLES = sorted(set().union(*tables_by_migration().values()))


def empty_ledger(ws: Path) -> Ledger:
    """The ledger of workspace ``ws`` with nothing in it, for an example of a property
    test that reuses the workspace of the example before.

    SQLite: the file is removed. PostgreSQL (a schema per workspace): every table is
    emptied and its ids start again at 1, as in a new ledger; making a schema and its
    tables for every example would be most of such a test's time.
    """
    ws.mkdir(parents=True, exist_ok=True)
    if not backends.postgres():
        for suffix in ("", "-wal", "-shm", "-journal"):
            (ws / (backends.LEDGER_FILE + suffix)).unlink(missing_ok=True)
    elif ledger_exists(ws):
        with closing(connect_ledger(ws)) as conn:
            conn.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY")
    return ledger_at(ws)


def campaign_ledger(tmp_path: Path) -> Ledger:
    """The ledger of the test's workspace ``tmp_path / "ws"``, on this run's backend."""
    return ledger_at(tmp_path / "ws")


def wish(
    wish_id: str,
    amount: Fen = STANDARD,
    registered: date = date(2025, 3, 21),
    category: str = "孤儿",
    county: str = "130722",
    child: str = "",
) -> Wish:
    """A wish record for the matcher (the child only matters to DUPLICATE_CHILD)."""
    return Wish(
        wish_id,
        county,
        county,
        "测小一",
        child or wish_id,
        date(2015, 1, 1),
        category,
        "资金",
        "书包",
        amount,
        registered,
    )


def gift(
    donation_id: str,
    amount: Fen,
    received: date = date(2025, 4, 1),
    *,
    goods: bool = False,
    to: str | None = None,
    category: str | None = None,
    county: str | None = None,
    donor: str = "测捐赠人",
) -> Donation:
    return Donation(
        donation_id,
        donor,
        "物资" if goods else "资金",
        amount,
        received,
        "书包" if goods else "",
        to,
        category,
        county,
        county,
    )
