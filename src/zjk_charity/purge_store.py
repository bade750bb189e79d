"""The SQL of ``purge``: which rows of which table hold a campaign's personal data, counted
and deleted. No other module deletes them (the reference lists' own rows are
``integrity.lists_store``'s; the VACUUM afterwards is the ledger's).

A :class:`Part` is the rows of one table that go, named by a key: the key names them in
``purge``'s result and the CLI's table of names, and tells apart the two campaigns'
rows of the payment tables (``payment_batches`` of 福彩暖冬, ``wishes_payment_batches``
of 微心愿). Parts are listed children before parents, so no row is left pointing at a
deleted one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from zjk_charity.ledger.db import Connection


class Part(NamedTuple):
    """The rows of ``table`` that match ``where``; each ``?`` in it takes the year."""

    key: str
    table: str
    where: str


def _payments(purpose: str, where: str) -> tuple[Part, ...]:
    """A purpose's payments (``where`` narrows its instructions), children first."""
    prefix = "" if purpose == "aid" else f"{purpose}_"
    mine = f"purpose = '{purpose}'{where}"
    return (
        Part(
            key=f"{prefix}payment_results",
            table="payment_results",
            where=f"instruction_id IN (SELECT id FROM payment_instructions WHERE {mine})",
        ),
        Part(key=f"{prefix}payment_instructions", table="payment_instructions", where=mine),
        Part(key=f"{prefix}payment_batches", table="payment_batches", where=mine),
        Part(key=f"{prefix}payee_accounts", table="payee_accounts", where=mine),
    )


_OF_YEAR = "allocation_id IN (SELECT id FROM allocations WHERE year = ?)"
# The 福彩暖冬 campaign of one year: its payments, allocations, reviews and applications.
CAMPAIGN_PARTS: tuple[Part, ...] = (
    *_payments("aid", " AND year = ?"),
    Part(key="aid_changes", table="aid_changes", where=_OF_YEAR),
    Part(key="allocation_people", table="allocation_people", where=_OF_YEAR),
    Part(key="allocations", table="allocations", where="year = ?"),
    Part(key="warning_reviews", table="warning_reviews", where="year = ?"),
    Part(key="aid_findings", table="aid_findings", where="year = ?"),
    Part(key="applicants", table="applicants", where="year = ?"),
    Part(key="aid_files", table="aid_files", where="year = ?"),
)
# The history registry of one year (kept unless ``purge --history``).
HISTORY_PART = Part(key="history", table="history", where="year = ?")
# 微心愿 has no campaign year (the platform runs all year): all of it goes, its payments
# (收款账号) included. "Every row" is TRUE: a bare 1 is no condition on PostgreSQL.
EVERY_ROW = "TRUE"
WISH_PARTS: tuple[Part, ...] = (
    *_payments("wishes", ""),
    Part(key="wish_deliveries", table="wish_deliveries", where=EVERY_ROW),
    Part(key="donation_settlements", table="donation_settlements", where=EVERY_ROW),
    Part(key="wish_matches", table="wish_matches", where=EVERY_ROW),
    Part(key="donations", table="donations", where=EVERY_ROW),
    Part(key="wishes", table="wishes", where=EVERY_ROW),
)


def count_rows(conn: Connection, parts: Iterable[Part], year: int | None = None) -> dict[str, int]:
    """How many rows each part holds (of ``year`` where the part takes one), by key."""
    return {
        part.key: int(
            conn.execute(
                f"SELECT count(*) FROM {part.table} WHERE {part.where}", _args(part, year)
            ).fetchone()[0]
        )
        for part in parts
    }


def delete_rows(conn: Connection, parts: Iterable[Part], year: int | None = None) -> dict[str, int]:
    """Delete each part's rows, in the order given; returns the rows deleted, by key."""
    return {
        part.key: conn.execute(
            f"DELETE FROM {part.table} WHERE {part.where}", _args(part, year)
        ).rowcount
        for part in parts
    }


def _args(part: Part, year: int | None) -> tuple[int, ...]:
    marks = part.where.count("?")
    if marks and year is None:
        raise ValueError(f"purging {part.key} needs a year")
    return (year,) * marks if year is not None else ()
