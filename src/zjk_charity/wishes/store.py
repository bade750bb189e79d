"""The 微心愿 tables of the ledger (migrations 0004 and 0008): every query of wishes/ lives
here (their payments are in ``payments.store``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from zjk_charity.ledger.db import Connection, insert_id
from zjk_charity.wishes.amounts import Fen
from zjk_charity.wishes.model import Basis, Donation, Match, Source, Wish

_WISH_FIELDS = (
    "wish_id, county_code, county, child_name, id_number, birth_date, category, kind, "
    "content, amount, registered, guardian, phone, account"
)
_DONATION_FIELDS = (
    "donation_id, donor, kind, amount, received, goods, wish_id, category, county_code, "
    "county, note"
)


class MatchRecord(NamedTuple):
    id: int
    run_id: int
    match: Match


_BASIS = {b.value: b for b in Basis}


def _rows(conn: Connection, query: str) -> Iterable[tuple[Any, ...]]:
    """Plain tuples (not ``Row``): 100,000 rows load noticeably faster."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(query)


def load_wishes(conn: Connection) -> list[Wish]:
    """Every wish, in no particular order (``Accounts`` sorts them by the rule's order)."""
    day = date.fromisoformat
    return [
        Wish._make((*r[:5], day(r[5]), *r[6:10], day(r[10]), *r[11:]))
        for r in _rows(conn, f"SELECT {_WISH_FIELDS} FROM wishes")
    ]


def load_donations(conn: Connection) -> list[Donation]:
    """Every donation, in no particular order."""
    day = date.fromisoformat
    return [
        Donation._make((*r[:4], day(r[4]), *r[5:]))
        for r in _rows(conn, f"SELECT {_DONATION_FIELDS} FROM donations")
    ]


def wish_ids(conn: Connection) -> set[str]:
    """The numbers of every wish in the ledger (a donation may be designated to one)."""
    return {str(r[0]) for r in conn.execute("SELECT wish_id FROM wishes")}


def wish_sources(conn: Connection) -> dict[str, Source]:
    return {
        str(r[0]): Source(str(r[1]), str(r[2]), int(r[3]))
        for r in conn.execute("SELECT wish_id, file, sheet, row FROM wishes")
    }


def donation_sources(conn: Connection) -> dict[str, Source]:
    return {
        str(r[0]): Source(str(r[1]), str(r[2]), int(r[3]))
        for r in conn.execute("SELECT donation_id, file, sheet, row FROM donations")
    }


def load_matches(conn: Connection) -> list[MatchRecord]:
    """Every match in the ledger, in the order the rule made them."""
    query = "SELECT id, run_id, donation_id, wish_id, amount, basis FROM wish_matches ORDER BY id"
    return [
        MatchRecord(r[0], r[1], Match(r[2], r[3], r[4], _BASIS[r[5]])) for r in _rows(conn, query)
    ]


def matched_by_wish(conn: Connection) -> dict[str, Fen]:
    query = "SELECT wish_id, SUM(amount) FROM wish_matches GROUP BY wish_id"
    return {str(w): int(a) for w, a in conn.execute(query)}


def matched_by_donation(conn: Connection) -> dict[str, Fen]:
    query = "SELECT donation_id, SUM(amount) FROM wish_matches GROUP BY donation_id"
    return {str(d): int(a) for d, a in conn.execute(query)}


def insert_wishes(conn: Connection, run_id: int, rows: Iterable[tuple[Wish, Source]]) -> None:
    conn.executemany(
        f"INSERT INTO wishes ({_WISH_FIELDS}, file, sheet, row, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                w.wish_id,
                w.county_code,
                w.county,
                w.child_name,
                w.id_number,
                w.birth_date.isoformat(),
                w.category,
                w.kind,
                w.content,
                w.amount,
                w.registered.isoformat(),
                w.guardian,
                w.phone,
                w.account,
                s.file,
                s.sheet,
                s.row,
                run_id,
            )
            for w, s in rows
        ),
    )


def insert_donations(
    conn: Connection, run_id: int, rows: Iterable[tuple[Donation, Source]]
) -> None:
    conn.executemany(
        f"INSERT INTO donations ({_DONATION_FIELDS}, file, sheet, row, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                d.donation_id,
                d.donor,
                d.kind,
                d.amount,
                d.received.isoformat(),
                d.goods,
                d.wish_id,
                d.category,
                d.county_code,
                d.county,
                d.note,
                s.file,
                s.sheet,
                s.row,
                run_id,
            )
            for d, s in rows
        ),
    )


def insert_matches(conn: Connection, run_id: int, matches: Iterable[Match]) -> None:
    conn.executemany(
        "INSERT INTO wish_matches (run_id, donation_id, wish_id, amount, basis) "
        "VALUES (?, ?, ?, ?, ?)",
        ((run_id, m.donation_id, m.wish_id, m.amount, m.basis.value) for m in matches),
    )


# ---- after the match (migration 0008): deliveries and what donors decided -----------


@dataclass(frozen=True)
class Delivery:
    """A wish recorded as delivered (送达): when, by whom, the photo's file name."""

    wish_id: str
    delivered_on: date
    handler: str
    photo: str
    source: Source
    run_id: int


@dataclass(frozen=True)
class Settlement:
    """What a donor decided for a designated balance (or goods set aside).

    ``target``: ``general`` (the balance became undesignated money), ``wish`` (it went
    to ``wish_id``: ``amount`` is what that wish took) or ``refund`` (returned).
    """

    id: int
    donation_id: str
    target: str
    wish_id: str | None
    amount: Fen
    note: str
    operator: str
    at: str
    run_id: int


def load_deliveries(conn: Connection) -> dict[str, Delivery]:
    """Every recorded delivery, by wish."""
    query = (
        "SELECT wish_id, delivered_on, handler, photo, file, sheet, row, run_id "
        "FROM wish_deliveries ORDER BY id"
    )
    return {
        str(r[0]): Delivery(
            wish_id=str(r[0]),
            delivered_on=date.fromisoformat(r[1]),
            handler=str(r[2]),
            photo=str(r[3]),
            source=Source(str(r[4]), str(r[5]), int(r[6])),
            run_id=int(r[7]),
        )
        for r in _rows(conn, query)
    }


def insert_deliveries(conn: Connection, run_id: int, deliveries: Iterable[Delivery]) -> None:
    """Record deliveries (a wish is delivered once: the table's key refuses a second)."""
    conn.executemany(
        "INSERT INTO wish_deliveries (wish_id, delivered_on, handler, photo, file, sheet, "
        "row, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                d.wish_id,
                d.delivered_on.isoformat(),
                d.handler,
                d.photo,
                d.source.file,
                d.source.sheet,
                d.source.row,
                run_id,
            )
            for d in deliveries
        ),
    )


def load_settlements(conn: Connection) -> list[Settlement]:
    """Every settlement, in the order they were decided."""
    query = (
        "SELECT id, donation_id, target, wish_id, amount, note, operator, at, run_id "
        "FROM donation_settlements ORDER BY id"
    )
    return [
        Settlement(
            id=r[0],
            donation_id=r[1],
            target=r[2],
            wish_id=r[3],
            amount=r[4],
            note=r[5],
            operator=r[6],
            at=r[7],
            run_id=r[8],
        )
        for r in _rows(conn, query)
    ]


def insert_settlement(
    conn: Connection,
    run_id: int,
    *,
    donation_id: str,
    target: str,
    wish_id: str | None,
    amount: Fen,
    note: str,
    operator: str,
    at: str,
) -> int:
    """Record one decision; returns its id."""
    inserted = insert_id(
        conn,
        "INSERT INTO donation_settlements (donation_id, target, wish_id, amount, note, "
        "operator, at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (donation_id, target, wish_id, amount, note, operator, at, run_id),
    )
    return inserted
