"""The reference lists in force, and what they say about one applicant (integrity.md).

A list is in force until a newer list of the same kind covering its counties replaces
it (``lists import``). The checks are pure look-ups by ID:

- DECEASED (error): the ID is in a deaths list; the finding gives the date of death.
- IN_INSTITUTION (error): the ID is in a care-home (集中供养) list.
- NOT_IN_ROSTER (error): a 特困 roster is loaded for the applicant's county and the ID
  is not in it (the ``elsewhere`` wording when a roster has it in another county).
- ROSTER_NAME_MISMATCH (warning): the roster has the ID under another name (names are
  compared without whitespace, full-width forms and traditional characters: 張三 is
  张三, so a list kept in traditional characters raises no false alarm).
- STAFF_RELATIVE (warning): the ID is in the relatives register (relation and staff).

The applicant's county is the one its form's 县(区) names; a roster person's county is
the one its row's 县(区) names (NULL when the roster does not say, see lists_store): the
county code inside an ID is never compared, so an ID typed with a retired code (130729…
for 万全区) is in a roster like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from zjk_charity.aid import columns as col
from zjk_charity.counties import BY_CODE
from zjk_charity.integrity import lists_store
from zjk_charity.integrity.likeness import simplified, strip_name
from zjk_charity.ledger.db import Connection

KINDS = ("tekun", "institution", "deaths", "relatives")
KIND_ZH = {
    "tekun": "特困人员名册",
    "institution": "集中供养名单",
    "deaths": "死亡（殡葬）名单",
    "relatives": "近亲属备案",
}
# Codes whose finding excludes a person, re-checked by aid allocate against the lists
# loaded at that moment.
LIST_ERRORS = ("DECEASED", "IN_INSTITUTION", "NOT_IN_ROSTER")

# (code, column, params) of one list finding.
ListFinding = tuple[str, str, dict[str, Any]]


# One person of a reference list: list_id, list_name, kind, sheet, row, id_number, name,
# county_code and its detail (parsed when asked).
ListPerson = lists_store.PersonRow


@dataclass
class ReferenceLists:
    """Every list in force, by kind and ID. Empty when none is loaded."""

    deaths: dict[str, ListPerson] = field(default_factory=dict)
    institutions: dict[str, ListPerson] = field(default_factory=dict)
    # ID -> every roster entry of it (two counties' rosters may both list a person)
    roster: dict[str, list[ListPerson]] = field(default_factory=dict)
    relatives: dict[str, list[ListPerson]] = field(default_factory=dict)
    # county code -> the name of a roster list covering it
    roster_counties: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.deaths or self.institutions or self.roster_counties or self.relatives)

    def findings(
        self, id_number: str | None, name: str, county_code: str | None
    ) -> list[ListFinding]:
        """What the lists say about one applicant, in the order of the table above.

        ``county_code`` is the county the applicant applies in (today's code); None when
        the form's 县(区) names none, and then NOT_IN_ROSTER is not judged.
        """
        if not id_number or self.empty:
            return []
        out: list[ListFinding] = []
        dead = self.deaths.get(id_number)
        if dead is not None:
            day = dead.detail.get("death_date") or "（日期未填）"
            out.append(("DECEASED", col.ID, {"list": dead.list_name, "date": day}))
        home = self.institutions.get(id_number)
        if home is not None:
            place = home.detail.get("institution") or "（机构未填）"
            out.append(("IN_INSTITUTION", col.ID, {"list": home.list_name, "institution": place}))
        roster = self._roster(id_number, name, county_code)
        if roster is not None:
            out.append(roster)
        relatives = self.relatives.get(id_number)
        if relatives:
            out.append(("STAFF_RELATIVE", col.ID, _relative_params(relatives)))
        return out

    def _roster(self, id_number: str, name: str, county_code: str | None) -> ListFinding | None:
        entries = self.roster.get(id_number)
        covering = self.roster_counties.get(county_code or "")
        if covering is not None:
            # The applicant's county has a roster: the ID must be in it, or in a roster
            # entry that does not say its county.
            listed = _in_county(entries, county_code) if entries else None
            if listed is None:
                assert county_code is not None
                params: dict[str, Any] = {"county": _county_name(county_code), "list": covering}
                if entries:
                    params |= {
                        "variant": "elsewhere",
                        "other": _county_name(entries[0].county_code),
                        "list": entries[0].list_name,
                    }
                return ("NOT_IN_ROSTER", col.ID, params)
        elif entries:
            listed = entries[0]
        else:
            return None
        # The same text is the same name (most rows): fold only names that differ.
        differ = listed.name and name and listed.name != name
        if differ and fold_name(listed.name) != fold_name(name):
            params = {"list": listed.list_name, "roster_name": listed.name, "name": name}
            return ("ROSTER_NAME_MISMATCH", col.NAME, params)
        return None


def _in_county(entries: list[ListPerson], county_code: str | None) -> ListPerson | None:
    """The first roster entry of ``county_code``, or that does not say its county."""
    for p in entries:
        if p.county_code is None or p.county_code == county_code:
            return p
    return None


@lru_cache(maxsize=65536)
def fold_name(name: str) -> str:
    """A name as it is compared: no whitespace or middle dots (likeness.strip_name), NFKC
    (full-width forms), and traditional characters as simplified (OpenCC t2s), so 張 三
    and 张三, 阿不都·热合曼 and 阿不都热合曼 are one name."""
    key = strip_name(name)
    if key.isascii():
        return key.casefold()
    return simplified(key)


def _county_name(code: str | None) -> str:
    county = BY_CODE.get(code or "")
    return county.name if county else "（县区不明）"


def _relative_params(relatives: list[ListPerson]) -> dict[str, Any]:
    first = relatives[0]
    staff = "、".join(dict.fromkeys(p.detail.get("staff") or "（未填）" for p in relatives))
    relation = "、".join(dict.fromkeys(p.detail.get("relation") or "亲属" for p in relatives))
    return {"list": first.list_name, "staff": staff, "relation": relation}


def load_reference(conn: Connection, kinds: Iterable[str] = KINDS) -> ReferenceLists:
    """The lists in force (of ``kinds``), read from the ledger list by list in loading
    order: where two lists name one ID, the earlier list's entry comes first."""
    lists = ReferenceLists()
    for stored in lists_store.lists_in_force(conn, kinds):
        people = lists_store.people_of(conn, stored)
        if stored.kind == "deaths":
            _first(lists.deaths, people)
        elif stored.kind == "institution":
            _first(lists.institutions, people)
        elif stored.kind == "tekun":
            for code in stored.counties:
                lists.roster_counties.setdefault(code, stored.name)
            _every(lists.roster, people)
        elif stored.kind == "relatives":
            _every(lists.relatives, people)
    return lists


def _first(by_id: dict[str, ListPerson], people: list[ListPerson]) -> None:
    """Each person whose ID ``by_id`` does not hold yet (an earlier list's entry stays)."""
    for p in people:
        if p.id_number not in by_id:
            by_id[p.id_number] = p


def _every(by_id: dict[str, list[ListPerson]], people: list[ListPerson]) -> None:
    """Each person after the entries of its ID from earlier lists and rows."""
    for p in people:
        entries = by_id.get(p.id_number)
        if entries is None:
            by_id[p.id_number] = [p]
        else:
            entries.append(p)
