"""Allocations (``allocations``, ``allocation_people``; migration 0003) and the campaign
rows an allocation is decided from: every query of ``aid allocate``, ``aid finalize`` and
the commands reading a decided list lives here.

An allocation is one row of parameters and result, plus a snapshot of every applicant
row it placed (:class:`Entry`), so the lists, the bank file, ``aid explain`` and ``aid
finalize`` read what was decided even after files are validated again. The snapshot
copies the applicant's fields inside SQLite from the same column list the campaign is
loaded with (``_PERSON``), so an entry read back equals the entry decided. Callers pass
their command's connection (``Ledger.run``/``Ledger.read``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from zjk_charity.aid.ranking import Person
from zjk_charity.ids import age_on
from zjk_charity.ledger.db import Connection, Row, insert_id, insert_rows

CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(slots=True)
class Entry:
    """A snapshot of one applicant row and what the allocation decided for it."""

    seq: int
    file: str
    sheet: str
    row: int
    county_code: str | None
    county: str | None
    township: str
    village: str
    name: str
    id_number: str | None
    birth_date: date | None
    sex: str | None
    household: str
    care_level: str
    bank: str
    account: str
    apply_date: date | None
    exception_note: str
    errors: str
    status: str = ""
    reason: str | None = None
    priority: int | None = None
    rank: int | None = None
    county_rank: int | None = None
    position: int | None = None
    county_position: int | None = None
    better_seq: int | None = None
    amount: Decimal | None = None
    backfilled: bool = False  # came onto the list by 递补 (aid/changes.py), even if withdrawn since

    def age(self, as_of: date) -> int | None:
        return age_on(self.birth_date, as_of) if self.birth_date else None


# ---------------------------------------------------------------- the campaign's rows


# An applicant row's fields as the snapshot keeps them, in the order of ``Entry`` and of
# ``allocation_people``: "" for a missing text, 自理 for a missing care level, NULL for a
# missing date (the validator stores dates as ISO text or NULL).
_PERSON = """a.sheet, a.row, a.county_code, a.county, coalesce(a.township, ''),
       coalesce(a.village, ''), coalesce(a.name, ''), a.id_number, nullif(a.birth_date, ''),
       a.sex, coalesce(a.household, ''), coalesce(nullif(a.care_level, ''), '自理'),
       coalesce(a.bank, ''), coalesce(a.account, ''), nullif(a.apply_date, ''),
       coalesce(a.exception_note, '')"""


# ``+a.year``: a scan of the table in storage order, sorted afterwards, is cheaper than
# 100,000 look-ups through the (year, ID) index; storage order is nearly file order.
_LOAD = f"""
SELECT a.file_id, a.sheet_index, a.id, a.has_error, {_PERSON}
FROM applicants a
WHERE +a.year = ?
"""


_FILE_ORDER = itemgetter(0, 1, 5, 2)  # file, sheet, row (and the ledger id: never needed)

Where = tuple[int, str, int]  # (file id, sheet, row) of an applicant row


@dataclass
class CampaignRows:
    """The campaign's applicant rows in file order; item ``i`` of every list is the row
    of seq ``i``. Entries carry no error codes yet (``errors`` ""), people no ``repeat``:
    both come from the findings and the history, which the caller reads."""

    entries: list[Entry]
    people: list[Person]  # the rule's view of each entry; its key is the seq
    applicant_ids: list[int]  # the ``applicants`` row
    places: list[Where]


def campaign_rows(conn: Connection, year: int) -> CampaignRows:
    """Every applicant row of the year, in file order (file, sheet, row), as snapshot
    entries and as the rule's people, in one pass (100,000 rows)."""
    files = {int(i): str(n) for i, n in conn.execute("SELECT id, name FROM aid_files")}
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(_LOAD, (year,)).fetchall()
    rows.sort(key=_FILE_ORDER)
    found = CampaignRows([], [], [], [])
    add_entry, add_person = found.entries.append, found.people.append
    add_id, add_place = found.applicant_ids.append, found.places.append
    day = date.fromisoformat
    # The names of _LOAD's columns, in its order.
    for seq, (
        file_id,
        _,
        applicant_id,
        has_error,
        sheet,
        row,
        county_code,
        county,
        township,
        village,
        name,
        id_number,
        birth,
        sex,
        household,
        care_level,
        bank,
        account,
        applied,
        exception_note,
    ) in enumerate(rows):
        birth_date = day(birth) if birth else None
        apply_date = day(applied) if applied else None
        add_entry(
            Entry(
                seq=seq,
                file=files[file_id],
                sheet=sheet,
                row=row,
                county_code=county_code,
                county=county,
                township=township,
                village=village,
                name=name,
                id_number=id_number,
                birth_date=birth_date,
                sex=sex,
                household=household,
                care_level=care_level,
                bank=bank,
                account=account,
                apply_date=apply_date,
                exception_note=exception_note,
                errors="",
            )
        )
        add_person(
            Person(
                key=seq,
                county_code=county_code,
                id_number=id_number,
                birth_date=birth_date,
                apply_date=apply_date,
                care_level=care_level,
                household=household,
                has_error=bool(has_error),
                exception_note=exception_note,
            )
        )
        add_id(applicant_id)
        add_place((file_id, sheet, row))
    return found


# ------------------------------------------------------------------------ storing one


@dataclass(frozen=True, slots=True)
class NewAllocation:
    """An allocation's parameters and totals, as its ledger row keeps them."""

    year: int
    as_of: date
    budget: Decimal
    per_person: Decimal
    quota_total: int
    amount: Decimal
    unspent: Decimal
    rule: list[dict[str, Any]]  # the priority classes, as dumped
    fixed: dict[str, int] | None  # from --quotas
    inputs: list[dict[str, str]]


# What ``allocation_people`` takes from Python for one row; the rest is copied in SQL.
# (seq, applicants.id, errors, status, reason, priority, rank, county rank, waitlist
# position, county waitlist position, better seq). A plain tuple: 100,000 of them are
# made and bound by ``insert_rows``, and a named record per row costs measurably more.
Decided = tuple[int, int, str, str, str | None, *tuple[int | None, ...]]
DECIDED_WIDTH = 11

# The snapshot: the applicant's fields copied inside SQLite, the decision from Python
# (100,000 rows × 29 values through executemany took 2 s; this, under 1 s).
_OUTCOME = """
CREATE TEMP TABLE allocation_outcome (
    seq INTEGER PRIMARY KEY, applicant_id INTEGER NOT NULL, errors TEXT, status TEXT,
    reason TEXT, priority INTEGER, rank INTEGER, county_rank INTEGER, position INTEGER,
    county_position INTEGER, better_seq INTEGER
)
"""
_SNAPSHOT = f"""
INSERT INTO allocation_people
SELECT ?, o.seq, f.name, {_PERSON}, o.errors, o.status, o.reason, o.priority, o.rank,
       o.county_rank, o.position, o.county_position, o.better_seq,
       CASE WHEN o.status = 'funded' THEN ? END
FROM allocation_outcome o
JOIN applicants a ON a.id = o.applicant_id
JOIN aid_files f ON f.id = a.file_id
ORDER BY o.seq
"""


def store(
    conn: Connection,
    run_id: int,
    new: NewAllocation,
    decided: Sequence[Decided],
    document: Callable[[], tuple[int, str]],
) -> int:
    """The allocation row, then the snapshot; returns the allocation's id.

    ``document`` returns (funded, the ``--json`` document as text) and is called while
    the snapshot is written: the snapshot's ``INSERT … SELECT`` is SQLite's own work,
    done without the GIL, so on a second thread it copies the 100,000 applicants' fields
    (0.2-0.3 s) while this thread builds and serialises the document (0.2 s), 0.1-0.15 s
    of about 3 s saved. (Storing the outcome rows on that thread too was slower: its
    Python half fights for the GIL.) Nothing else touches the connection until the copy
    has finished, and an error in it is raised here, so the run rolls back as before.
    """
    inserted = insert_id(
        conn,
        "INSERT INTO allocations (run_id, year, as_of, budget, per_person, quota_total, funded, "
        "amount, unspent, rule, quotas, inputs, document) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
        (
            run_id,
            new.year,
            new.as_of.isoformat(),
            _money(new.budget),
            _money(new.per_person),
            new.quota_total,
            0,  # funded and the document: set below, from the document
            _money(new.amount),
            _money(new.unspent),
            json.dumps(new.rule, ensure_ascii=False),
            json.dumps(new.fixed) if new.fixed is not None else None,
            json.dumps(new.inputs, ensure_ascii=False),
        ),
    )
    allocation_id = inserted
    conn.execute(_OUTCOME)
    insert_rows(conn, "allocation_outcome", DECIDED_WIDTH, decided)
    snapshot = _Snapshot(conn, allocation_id, _money(new.per_person))
    snapshot.start()
    try:
        funded, text = document()
    finally:
        snapshot.finish()
    conn.execute(
        "UPDATE allocations SET funded = ?, document = ? WHERE id = ?",
        (funded, text, allocation_id),
    )
    return allocation_id


class _Snapshot(threading.Thread):
    """Writes an allocation's ``allocation_people`` rows; ``finish`` re-raises its error."""

    def __init__(self, conn: Connection, allocation_id: int, amount: str) -> None:
        super().__init__(name="allocation-snapshot")
        self.conn, self.arguments = conn, (allocation_id, amount)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.conn.execute(_SNAPSHOT, self.arguments)
            self.conn.execute("DROP TABLE allocation_outcome")  # the temporary one
        except BaseException as exc:  # raised in the command's thread by finish()
            self.error = exc

    def finish(self) -> None:
        """Wait for the copy, even through Ctrl-C (then raised after it); raise its error.

        The rollback that follows an error must not meet the copy still running on the
        same connection.
        """
        interrupted: BaseException | None = None
        while self.is_alive():
            try:
                self.join()
            except KeyboardInterrupt as exc:
                interrupted = exc
        if interrupted is not None:
            raise interrupted
        if self.error is not None:
            raise self.error


def mark_finalized(conn: Connection, allocation_id: int, run_id: int) -> None:
    """The allocation entered the history registry in the run ``run_id`` (aid finalize)."""
    conn.execute(
        "UPDATE allocations SET finalized_run_id = ? WHERE id = ?", (run_id, allocation_id)
    )


# ------------------------------------------------------------------ reading it back


@dataclass(frozen=True, slots=True)
class StoredAllocation:
    """An allocation's ledger row, with the arguments and start of the run that made it."""

    id: int
    run_id: int
    year: int
    as_of: date
    budget: Decimal
    per_person: Decimal
    quota_total: int
    rule: list[dict[str, Any]]
    fixed: dict[str, int] | None
    inputs: list[dict[str, str]]
    quotas: dict[str, int]  # effective quota per county code, from the stored document
    finalized: bool
    arguments: dict[str, Any]
    created: datetime | None


# The finalized allocation of a year if there is one, else the latest (``aid allocate``
# refuses after finalize, so the two are the same one in practice).
_LATEST = "WHERE a.year = ? ORDER BY a.finalized_run_id IS NULL, a.id DESC LIMIT 1"


def latest(conn: Connection, year: int) -> StoredAllocation | None:
    """The allocation of ``year`` that commands read (the finalized one, else the latest)."""
    head: Row | None = conn.execute(
        "SELECT a.*, r.arguments AS run_arguments, r.started_at AS run_started "
        f"FROM allocations a LEFT JOIN runs r ON r.id = a.run_id {_LATEST}",
        (year,),
    ).fetchone()
    if head is None:
        return None
    fixed = json.loads(head["quotas"]) if head["quotas"] else None
    return StoredAllocation(
        id=head["id"],
        run_id=head["run_id"],
        year=head["year"],
        as_of=date.fromisoformat(head["as_of"]),
        budget=Decimal(head["budget"]),
        per_person=Decimal(head["per_person"]),
        quota_total=head["quota_total"],
        rule=json.loads(head["rule"]),
        fixed=fixed,
        inputs=json.loads(head["inputs"]),
        quotas={c["code"]: c["quota"] for c in json.loads(head["document"])["counties"]},
        finalized=head["finalized_run_id"] is not None,
        arguments=_arguments(head["run_arguments"]),
        created=moment(head["run_started"]),
    )


def latest_id(conn: Connection, year: int) -> int | None:
    """The id of the allocation :func:`latest` reads, if any."""
    found = conn.execute(f"SELECT a.id FROM allocations a {_LATEST}", (year,)).fetchone()
    return int(found[0]) if found else None


def allocated_years(conn: Connection) -> list[int]:
    """The years that have an allocation, in order (for a message naming them)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM allocations ORDER BY year")]


def is_finalized(conn: Connection, year: int) -> bool:
    found = conn.execute(
        "SELECT 1 FROM allocations WHERE year = ? AND finalized_run_id IS NOT NULL", (year,)
    ).fetchone()
    return found is not None


def run_started(conn: Connection, run_id: int) -> datetime | None:
    """When the run ``run_id`` started (None when unknown or unreadable)."""
    found = conn.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
    return moment(found[0] if found else None)


def moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _arguments(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def entries(conn: Connection, allocation_id: int) -> list[Entry]:
    """The allocation's snapshot rows in seq order, as stored (changes not applied)."""
    rows = conn.execute(
        "SELECT * FROM allocation_people WHERE allocation_id = ? ORDER BY seq", (allocation_id,)
    ).fetchall()
    return [_entry(r) for r in rows]


def entries_by_id(conn: Connection, allocation_id: int, ids: Collection[str]) -> dict[str, Entry]:
    """The snapshot rows of the people with these IDs, as stored (changes not applied):
    for a command that needs a few people's villages or names, not the whole list."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT * FROM allocation_people WHERE allocation_id = ? ORDER BY seq", (allocation_id,)
    )
    return {r["id_number"]: _entry(r) for r in rows if r["id_number"] in wanted}


def _entry(r: Row) -> Entry:
    return Entry(
        seq=r["seq"],
        file=r["file"],
        sheet=r["sheet"],
        row=r["row"],
        county_code=r["county_code"],
        county=r["county"],
        township=r["township"] or "",
        village=r["village"] or "",
        name=r["name"] or "",
        id_number=r["id_number"],
        birth_date=_day(r["birth_date"]),
        sex=r["sex"],
        household=r["household"] or "",
        care_level=r["care_level"] or "自理",
        bank=r["bank"] or "",
        account=r["account"] or "",
        apply_date=_day(r["apply_date"]),
        exception_note=r["exception_note"] or "",
        errors=r["errors"] or "",
        status=r["status"],
        reason=r["reason"],
        priority=r["priority"],
        rank=r["rank"],
        county_rank=r["county_rank"],
        position=r["position"],
        county_position=r["county_position"],
        better_seq=r["better_seq"],
        amount=Decimal(r["amount"]) if r["amount"] is not None else None,
    )
