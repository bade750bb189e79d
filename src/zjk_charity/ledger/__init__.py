"""The SQLite ledger: the system of record (connection, migrations, runs)."""

from zjk_charity.ledger.db import Clock, Ledger, file_sha256, system_clock

__all__ = ["Clock", "Ledger", "file_sha256", "system_clock"]
