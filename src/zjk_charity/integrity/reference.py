"""The reference lists in force, and what they say about one applicant (integrity.md).

A list is in force until a newer list of the same kind covering its counties replaces
it (``lists import``). The checks are pure look-ups by ID:

- DECEASED (error): the ID is in a deaths list; the finding gives the date of death.
- IN_INSTITUTION (error): the ID is in a care-home (集中供养) list.
- NOT_IN_ROSTER (error): a 特困 roster is loaded for the applicant's county and the ID
  is not in it (the ``elsewhere`` wording when a roster has it in another county).
- ROSTER_NAME_MISMATCH (warning): the roster has the ID under another name.
- STAFF_RELATIVE (warning): the ID is in the relatives register (relation and staff).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from zjk_charity.aid import columns as col
from zjk_charity.counties import BY_CODE
from zjk_charity.text import squash

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


@dataclass(frozen=True)
class ListPerson:
    """One person of a reference list."""

    list_id: int
    list_name: str
    kind: str
    sheet: str
    row: int
    id_number: str
    name: str
    county_code: str | None
    detail: dict[str, str]


@dataclass
class ReferenceLists:
    """Every list in force, by kind and ID. Empty when none is loaded."""

    deaths: dict[str, ListPerson] = field(default_factory=dict)
    institutions: dict[str, ListPerson] = field(default_factory=dict)
    roster: dict[str, ListPerson] = field(default_factory=dict)
    relatives: dict[str, list[ListPerson]] = field(default_factory=dict)
    # county code -> the name of a roster list covering it
    roster_counties: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.deaths or self.institutions or self.roster_counties or self.relatives)

    def findings(
        self, id_number: str | None, name: str, county_code: str | None
    ) -> list[ListFinding]:
        """What the lists say about one applicant, in the order of the table above."""
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
        out.extend(self._roster(id_number, name, county_code))
        relatives = self.relatives.get(id_number)
        if relatives:
            out.append(("STAFF_RELATIVE", col.ID, _relative_params(relatives)))
        return out

    def _roster(self, id_number: str, name: str, county_code: str | None) -> list[ListFinding]:
        listed = self.roster.get(id_number)
        covered = county_code is not None and county_code in self.roster_counties
        if listed is None or (covered and listed.county_code not in (None, county_code)):
            if not covered:
                return []
            assert county_code is not None
            params: dict[str, Any] = {
                "county": _county_name(county_code),
                "list": self.roster_counties[county_code],
            }
            if listed is not None:
                params |= {"variant": "elsewhere", "other": _county_name(listed.county_code)}
                params["list"] = listed.list_name
            return [("NOT_IN_ROSTER", col.ID, params)]
        if listed.name and name and squash(listed.name) != squash(name):
            params = {"list": listed.list_name, "roster_name": listed.name, "name": name}
            return [("ROSTER_NAME_MISMATCH", col.NAME, params)]
        return []


def _county_name(code: str | None) -> str:
    county = BY_CODE.get(code or "")
    return county.name if county else "（县区不明）"


def _relative_params(relatives: list[ListPerson]) -> dict[str, Any]:
    first = relatives[0]
    staff = "、".join(dict.fromkeys(p.detail.get("staff") or "（未填）" for p in relatives))
    relation = "、".join(dict.fromkeys(p.detail.get("relation") or "亲属" for p in relatives))
    return {"list": first.list_name, "staff": staff, "relation": relation}


_PEOPLE = """
SELECT l.id, l.name, l.kind, p.sheet, p.row, p.id_number, p.name, p.county_code, p.detail
FROM ref_people p JOIN ref_lists l ON l.id = p.list_id
WHERE l.replaced_by IS NULL
ORDER BY l.id, p.rowid
"""


def load_reference(conn: sqlite3.Connection, kinds: Iterable[str] = KINDS) -> ReferenceLists:
    """The lists in force (of ``kinds``), read from the ledger in one pass."""
    wanted = set(kinds)
    lists = ReferenceLists()
    for name, counties in conn.execute(
        "SELECT name, counties FROM ref_lists WHERE kind = 'tekun' AND replaced_by IS NULL "
        "ORDER BY id"
    ):
        if "tekun" in wanted:
            for code in json.loads(counties):
                lists.roster_counties.setdefault(code, name)
    for list_id, list_name, kind, sheet, row, number, name, county, detail in conn.execute(_PEOPLE):
        person = ListPerson(
            list_id, list_name, kind, sheet, row, number, name, county, json.loads(detail)
        )
        if person.kind not in wanted:
            continue
        if person.kind == "deaths":
            lists.deaths.setdefault(person.id_number, person)
        elif person.kind == "institution":
            lists.institutions.setdefault(person.id_number, person)
        elif person.kind == "tekun":
            lists.roster.setdefault(person.id_number, person)
        elif person.kind == "relatives":
            lists.relatives.setdefault(person.id_number, []).append(person)
    return lists
