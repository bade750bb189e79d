"""Retired county codes: an old ID's first six digits still name today's county."""

from __future__ import annotations

import pytest

from zjk_charity.counties import BY_CODE, county_of_id, current_code


@pytest.mark.parametrize(
    ("code", "today"),
    [
        ("130722", "张北县"),  # current codes are themselves
        ("130721", "宣化区"),  # 宣化县, merged into 宣化区 in 2016
        ("130729", "万全区"),  # 万全县 → 万全区 (2016)
        ("130733", "崇礼区"),  # 崇礼县 → 崇礼区 (2016)
        ("132521", "张北县"),  # 张家口地区's 张北县 (before 1993)
        ("132525", "蔚县"),
        ("132528", "万全区"),  # 地区 万全县 → 130729 → 万全区: both steps
        ("132531", "宣化区"),  # the 地区's 宣化县 (until 1983) → 130721 → 宣化区
        ("132532", "赤城县"),
        ("132533", "崇礼区"),  # the 地区's 崇礼县 → 130733 → 崇礼区
    ],
)
def test_a_retired_code_is_todays_county(code: str, today: str) -> None:
    assert BY_CODE[current_code(code)].name == today
    county = county_of_id(code + "195001011234")
    assert county is not None and county.name == today


def test_codes_of_other_places_are_no_county() -> None:
    assert county_of_id("110101195001011234") is None  # Beijing
    assert county_of_id("132534195001011234") is None  # no 14th county of the 地区
    assert county_of_id(None) is None
    assert county_of_id("1307") is None
