"""The SQLite ledger: the system of record (connection, migrations, runs)."""

from zjk_charity.ledger.db import Ledger, file_sha256

__all__ = ["Ledger", "file_sha256"]
