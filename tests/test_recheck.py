"""The re-check at allocate: its fast path refuses exactly whom the lists' own rule refuses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zjk_charity.aid.allocation import Entry
from zjk_charity.aid.ranking import Person
from zjk_charity.integrity.recheck import recheck_against
from zjk_charity.integrity.reference import LIST_ERRORS, ListPerson, ReferenceLists

IDS = [f"1307221940010100{i:02d}" for i in range(12)]
COUNTIES = ["130722", "130723", "130724"]
counties = st.sampled_from([*COUNTIES, None])


def listed(number: str, county: str | None, kind: str, name: str = "") -> ListPerson:
    return ListPerson(1, f"{kind}.xlsx", kind, "Sheet1", 2, number, name, county, {})


def entry(seq: int, number: str | None, county: str | None, errors: str, name: str) -> Entry:
    return Entry(
        seq, "a.xlsx", "s", seq + 4, county, None, "", "", name, number, None, None, "",
        "自理", "", "", None, "", errors,
    )  # fmt: skip


@st.composite
def cases(draw: st.DrawFn) -> tuple[ReferenceLists, list[Entry]]:
    lists = ReferenceLists(
        deaths={n: listed(n, None, "deaths") for n in draw(st.sets(st.sampled_from(IDS)))},
        institutions={
            n: listed(n, None, "institution") for n in draw(st.sets(st.sampled_from(IDS)))
        },
        roster={  # an ID may be in two counties' rosters
            n: [
                listed(n, county, "tekun", draw(st.sampled_from(["", "测甲", "测乙"])))
                for county in draw(st.lists(counties, min_size=1, max_size=2))
            ]
            for n in draw(st.sets(st.sampled_from(IDS)))
        },
        roster_counties={c: "名册.xlsx" for c in draw(st.sets(st.sampled_from(COUNTIES)))},
    )
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from([*IDS, None]),
                counties,
                st.sampled_from(["", "DECEASED", "ID_BAD_CHECKSUM", "NOT_IN_ROSTER"]),
                st.sampled_from(["测甲", "测乙"]),
            ),
            max_size=12,
        )
    )
    return lists, [entry(i, *row) for i, row in enumerate(rows)]


@given(cases())
def test_the_fast_path_refuses_exactly_what_the_lists_say(
    case: tuple[ReferenceLists, list[Entry]],
) -> None:
    lists, entries = case
    people = [Person(e.seq, e.county_code, e.id_number, None) for e in entries]
    before = [e.errors for e in entries]
    added = recheck_against(lists, entries, people)
    expected_total = 0
    for e, p, old in zip(entries, people, before, strict=True):
        said = [c for c, _, _ in lists.findings(e.id_number, e.name, e.county_code)]
        new = [c for c in said if c in LIST_ERRORS and c not in old.split(",")]
        assert e.errors == ",".join(filter(None, [old, *new]))
        assert p.has_error == bool(new)
        expected_total += len(new)
    assert sum(added.values()) == expected_total
