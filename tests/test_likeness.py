"""integrity/likeness.py: "likely the same person", by hand and by property."""

from __future__ import annotations

from datetime import date
from importlib import resources
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_id
from zjk_charity.ids import check_character
from zjk_charity.integrity.likeness import (
    Record,
    explain,
    find_between,
    find_within,
    fold_name,
    id_typo,
    likely_same,
    names_alike,
    partners,
)

ID = make_id("19400101", "130722", "123")  # 130722 19400101 123 + check


def with_body(body: str) -> str:
    """An ID whose check character is right for ``body`` (a typo someone then 'fixed')."""
    return body + check_character(body)


def rec(name: str, number: str, county: str | None = "130722") -> Record:
    return Record(name, number, county)


# ---------------------------------------------------------------- hand-picked cases


def test_homophones_with_the_same_birth_date_and_sex() -> None:
    other = make_id("19400101", "130722", "153")  # another sequence, same birth and sex
    a, b = rec("章三", ID), rec("张三", other)
    assert likely_same(a, b)
    params = explain(a, b)
    assert params["other_name"] == "张三"
    assert "姓名同音（章/张）" in params["why"] and "出生日期与性别相同" in params["why"]
    assert "names sound alike (章/张)" in params["why_en"]
    assert params["other_id"].startswith("130722…") and other not in params["other_id"]


def test_traditional_and_simplified_names() -> None:
    a, b = rec("張建國", ID), rec("张建国", make_id("19400101", "130722", "551"))
    assert likely_same(a, b)
    assert "姓名繁简不同（張/张、國/国）" in explain(a, b)["why"]


def test_look_alike_characters_opencc_does_not_fold() -> None:
    a, b = rec("李己明", ID), rec("李已明", make_id("19400101", "130722", "771"))
    assert likely_same(a, b)
    assert "姓名形近或异体（己/已）" in explain(a, b)["why"]
    assert names_alike("衞国", "卫国") is not None  # 衞 is a variant of 衛, which t2s folds


def test_names_one_character_apart_only_with_three_or_more() -> None:
    other = make_id("19400101", "130722", "555")
    assert likely_same(rec("王建国", ID), rec("王建军", other))
    assert "姓名相差一字（国/军）" in explain(rec("王建国", ID), rec("王建军", other))["why"]
    assert likely_same(rec("欧阳明", ID), rec("欧阳小明", other))
    assert not likely_same(rec("王国", ID), rec("王军", other))  # two characters: too common


def test_spaces_and_middle_dots_do_not_count() -> None:
    assert fold_name(" 阿不都·热合曼 ") == fold_name("阿不都•热合曼") == "阿不都热合曼"


def test_one_digit_apart_with_a_recomputed_check_character() -> None:
    body = ID[:17]
    typo = with_body(body[:8] + "5" + body[9:])  # birth year 1940 → 1950
    a, b = rec("张三", ID), rec("张三", typo)
    assert likely_same(a, b)
    params = explain(a, b)
    assert params["other_id"] == f"{typo[:6]}…{typo[-4:]}，第 9 位 4/5"
    assert params["other_id_en"] == f"{typo[:6]}…{typo[-4:]}, digit 9: 4/5"
    assert "身份证号只差一位" in params["why"] and "出生日期" not in params["why"]


def test_two_adjacent_digits_swapped() -> None:
    a = rec("张三", make_id("19400312", "130722", "123"))
    b = rec("张三", make_id("19400321", "130722", "123"))
    assert likely_same(a, b)
    assert not likely_same(a, rec("张三", make_id("19401302", "130722", "123")))  # not adjacent
    assert "第 13、14 位对调（12/21）" in explain(a, b)["other_id"]
    assert "身份证号相邻两位对调" in explain(a, b)["why"]


def test_a_swap_across_the_birth_date_and_sequence_boundary() -> None:
    a = rec("张三", make_id("19400318", "130722", "723"))
    b = rec("张三", make_id("19400317", "130722", "823"))
    assert id_typo(a.id_number or "", b.id_number or "") == ("swap", (13, 14))
    assert find_within([a, b]) == [(0, 1)]


def test_only_the_check_character_differs() -> None:
    kept = ID[:17] + ("0" if ID[17] != "0" else "1")  # an old list's row, check wrong
    a, b = rec("张三", ID), rec("张三", kept, None)
    assert likely_same(a, b)
    assert explain(a, b)["other_id"].endswith(f"，校验位 {ID[17]}/{kept[17]}")
    assert "身份证号仅校验位不同" in explain(a, b)["why"]


def test_a_retired_county_code_is_the_same_county() -> None:
    # 130729 万全县 became 万全区 (130708): an old ID against a row that names 万全区.
    old = rec("张三", make_id("19400101", "130729", "123"), None)
    new = rec("张三", make_id("19400101", "130708", "455"), "130708")
    assert likely_same(old, new)
    assert "同县（130729 为万全区的旧代码）" in explain(new, old)["why"]
    assert "130729 is the former code of 万全区" in explain(new, old)["why_en"]


def test_never_the_same_id_another_county_or_a_blank_name() -> None:
    assert not likely_same(rec("张三", ID), rec("张三", ID))  # exact: DUPLICATE_PERSON
    other = make_id("19400101", "130722", "153")
    elsewhere = make_id("19400101", "130723", "153")  # registered and living in 康保县
    assert not likely_same(rec("张三", ID, "130722"), rec("张三", elsewhere, "130723"))
    assert not likely_same(rec("", ID), rec("", other))
    assert not likely_same(rec("张三", ID), rec("李四", other))


def test_the_county_of_the_id_counts_too() -> None:
    """A 张北 ID living in 康保 (DOMAIN.md: the address code need not be where someone
    lives) is in the same county as a 张北 record: the same person applying in a second
    county, or a history row without 县(区) that knows only the ID."""
    other = make_id("19400101", "130722", "153")
    assert likely_same(rec("张三", ID, "130722"), rec("张三", other, "130723"))
    assert likely_same(rec("张三", ID, "130723"), rec("张三", other))  # a row naming none
    assert find_between([rec("张三", ID, "130723")], [rec("张三", other)]) == [(0, 0)]
    assert find_within([rec("张三", ID, "130723"), rec("张三", other, "130722")]) == [(0, 1)]
    # an ID of another province adds no county: 北京 IDs living in 张北 and 康保 differ
    beijing = make_id("19400101", "110101", "153")
    assert not likely_same(
        rec("张三", beijing, "130722"), rec("张三", make_id("19400101", "110101", "173"), "130723")
    )


def test_unusable_ids_are_never_compared() -> None:
    assert find_within([rec("张三", None), rec("张三", "12345")]) == []


# ---------------------------------------------------------------- the variant table


def _table_lines() -> list[str]:
    text = resources.files("zjk_charity.integrity").joinpath("lookalike.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@pytest.mark.parametrize("line", _table_lines())
def test_every_line_of_the_look_alike_table_folds_and_is_needed(line: str) -> None:
    import opencc

    t2s = opencc.OpenCC("t2s").convert
    first, *others = line
    assert len(line) == len(set(line)) >= 2
    for char in others:
        assert fold_name(char) == fold_name(first) == first
        assert t2s(char) != t2s(first), f"OpenCC already folds {char} to {first}"


def test_no_character_is_in_two_groups() -> None:
    chars = [c for line in _table_lines() for c in line]
    assert len(chars) == len(set(chars))


# ---------------------------------------------------------------- properties

NAMES = st.text("张章王汪李理刘柳陈晨国建军明秀英華华", min_size=2, max_size=4)
COUNTIES = st.sampled_from(["130722", "130723", "130729", "130708"])
BIRTHS = st.dates(min_value=date(1930, 1, 1), max_value=date(1999, 12, 31))


@st.composite
def ids(draw: st.DrawFn) -> str:
    born = draw(BIRTHS)
    return make_id(born.strftime("%Y%m%d"), draw(COUNTIES), f"{draw(st.integers(0, 999)):03d}")


@settings(max_examples=300, deadline=None)
@given(number=ids(), name=NAMES, at=st.integers(0, 16), digit=st.integers(0, 9), county=COUNTIES)
def test_one_body_digit_changed_with_the_same_name_is_always_found(
    number: str, name: str, at: int, digit: int, county: str
) -> None:
    body = number[:17]
    if body[at] == str(digit):
        digit = (digit + 1) % 10
    typo = with_body(body[:at] + str(digit) + body[at + 1 :])
    a, b = Record(name, number, county), Record(name, typo, county)
    assert find_between([a], [b]) == [(0, 0)]
    assert find_within([b, a]) == [(0, 1)]


@settings(max_examples=300, deadline=None)
@given(x=ids(), y=ids(), name_x=NAMES, name_y=NAMES)
def test_different_birth_dates_and_ids_not_one_typo_apart_are_never_paired(
    x: str, y: str, name_x: str, name_y: str
) -> None:
    if x[6:14] == y[6:14] or id_typo(x, y) is not None:
        return
    assert not likely_same(Record(name_x, x), Record(name_y, y))
    assert find_within([Record(name_x, x), Record(name_y, y)]) == []


@st.composite
def near_people(draw: st.DrawFn) -> list[Record]:
    """Small sets built to collide: copies of a few IDs with typos, names from a few
    look-alike, homophone and traditional characters, counties old and new."""
    seeds = draw(st.lists(ids(), min_size=1, max_size=4))
    people: list[Record] = []
    for _ in range(draw(st.integers(0, 12))):
        body = draw(st.sampled_from(seeds))[:17]
        kind = draw(st.sampled_from(["same", "digit", "swap", "check", "fresh"]))
        at = draw(st.integers(0, 15))
        if kind == "digit":
            body = body[:at] + str(draw(st.integers(0, 9))) + body[at + 1 :]
        elif kind == "swap":
            body = body[:at] + body[at + 1] + body[at] + body[at + 2 :]
        number = with_body(body)
        if kind == "check":
            number = body + draw(st.sampled_from("0123456789X"))
        elif kind == "fresh":
            number = draw(ids())
        county = draw(st.one_of(st.none(), COUNTIES))
        people.append(Record(draw(NAMES), number, county))
    return people


@settings(max_examples=200, deadline=None)
@given(left=near_people(), right=near_people())
def test_the_blocked_search_finds_exactly_what_all_pairs_find(
    left: list[Record], right: list[Record]
) -> None:
    brute = [
        (i, j) for (i, a), (j, b) in product(enumerate(left), enumerate(right)) if likely_same(a, b)
    ]
    assert find_between(left, right) == brute
    everyone = left + right
    within = [
        (i, j)
        for i, j in product(range(len(everyone)), repeat=2)
        if i < j and likely_same(everyone[i], everyone[j])
    ]
    assert find_within(everyone) == within


@settings(max_examples=100, deadline=None)
@given(a=NAMES, b=NAMES)
def test_names_alike_is_symmetric(a: str, b: str) -> None:
    assert (names_alike(a, b) is None) == (names_alike(b, a) is None)


@settings(max_examples=200, deadline=None)
@given(people=near_people(), most=st.integers(1, 3))
def test_the_lowest_partners_are_the_brute_force_lowest(people: list[Record], most: int) -> None:
    """partners(most=k): for each record the k lowest others alike, as all pairs say."""
    expected = {
        i: js[:most]
        for i in range(len(people))
        if (js := [j for j in range(len(people)) if j != i and likely_same(people[i], people[j])])
    }
    assert partners(people, most=most) == expected
