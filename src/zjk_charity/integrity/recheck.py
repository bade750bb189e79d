"""The re-checks against the lists in force when the money is decided and when it moves.

``aid validate`` checks applicants against the reference lists loaded at that time; a
deaths list or a roster loaded afterwards must still stop the money (integrity.md):

- ``aid allocate`` refuses everyone the lists loaded **at that moment** mark DECEASED,
  IN_INSTITUTION or NOT_IN_ROSTER: the code joins the row's error codes (as if validation
  had found it), so the rule excludes the row with the reason 有错误 and the 未入选 sheet,
  ``aid explain`` and the report name the code like any other finding.
- ``aid pay`` does not pay a funded person who has since appeared in a deaths list: it
  withdraws them with the reason 去世 and backfills (aid/payout/pay.py).

Both are look-ups by ID in the dicts of :func:`load_reference`, so 100,000 applicants
cost a few hundredths of a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zjk_charity.integrity.reference import LIST_ERRORS, ListPerson, ReferenceLists, load_reference
from zjk_charity.ledger.db import Connection

if TYPE_CHECKING:
    from zjk_charity.aid.allocation import Entry
    from zjk_charity.aid.ranking import Person

# The kinds of list behind LIST_ERRORS (the relatives register only warns).
REFUSING_KINDS = ("deaths", "institution", "tekun")


def recheck_entries(
    conn: Connection, entries: Sequence[Entry], people: Sequence[Person]
) -> Counter[str]:
    """Add the list errors of the lists in force to the rows that lack them.

    ``people[i]`` is the rule's view of ``entries[i]``: it is marked ``has_error`` so the
    rule excludes it. Returns, by code, how many rows the re-check newly refused (a code
    validation had already stored on the row is not counted again).
    """
    return recheck_against(load_reference(conn, REFUSING_KINDS), entries, people)


def recheck_against(
    lists: ReferenceLists, entries: Sequence[Entry], people: Sequence[Person]
) -> Counter[str]:
    """:func:`recheck_entries` with the lists given (pure: for the tests of its fast path)."""
    added: Counter[str] = Counter()
    if lists.empty:
        return added
    for e, p in zip(entries, people, strict=True):
        if not e.id_number or not _may_refuse(lists, e.id_number, e.county_code):
            continue
        found = [c for c, _, _ in lists.findings(e.id_number, e.name, e.county_code)]
        new = [c for c in found if c in LIST_ERRORS and c not in e.errors.split(",")]
        if new:
            e.errors = ",".join(filter(None, [e.errors, *new]))
            p.has_error = True
            added.update(new)
    return added


def _may_refuse(lists: ReferenceLists, number: str, county: str | None) -> bool:
    """Whether the lists could refuse this ID (a superset of LIST_ERRORS' conditions):
    most people are in no list and covered by a roster that has them in their county,
    and building their (empty) findings took a quarter of the re-check at 100,000 rows.
    ``ReferenceLists.findings`` decides for the rest."""
    if number in lists.deaths or number in lists.institutions:
        return True
    if county is None or county not in lists.roster_counties:
        return False
    return not any(p.county_code in (None, county) for p in lists.roster.get(number, []))


def deaths_in_force(conn: Connection) -> dict[str, ListPerson]:
    """ID -> its record in a deaths list in force (empty when none is loaded)."""
    return load_reference(conn, ("deaths",)).deaths


def death_note(record: ListPerson) -> str:
    """The withdrawal note of a person found in a deaths list: the list and the date."""
    day = record.detail.get("death_date") or "（日期未填）"
    return f"死亡（殡葬）名单“{record.list_name}”记载于 {day} 去世（付款前复核）"
