"""The ledger, the system of record: SQLite by default, PostgreSQL when shared."""

from zjk_charity.ledger.db import (
    Clock,
    Connection,
    Cursor,
    Ledger,
    Run,
    file_sha256,
    insert_rows,
    is_server_url,
    open_ledger,
    system_clock,
)

__all__ = [
    "Clock",
    "Connection",
    "Cursor",
    "Ledger",
    "Run",
    "file_sha256",
    "insert_rows",
    "is_server_url",
    "open_ledger",
    "system_clock",
]
