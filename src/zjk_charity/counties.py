"""Zhangjiakou's counties, districts and functional zones (DOMAIN.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zjk_charity.errors import UserError
from zjk_charity.text import squash


@dataclass(frozen=True)
class County:
    code: str
    name: str


COUNTIES: tuple[County, ...] = (
    County("130702", "桥东区"),
    County("130703", "桥西区"),
    County("130705", "宣化区"),
    County("130706", "下花园区"),
    County("130708", "万全区"),
    County("130709", "崇礼区"),
    County("130722", "张北县"),
    County("130723", "康保县"),
    County("130724", "沽源县"),
    County("130725", "尚义县"),
    County("130726", "蔚县"),
    County("130727", "阳原县"),
    County("130728", "怀安县"),
    County("130730", "怀来县"),
    County("130731", "涿鹿县"),
    County("130732", "赤城县"),
    County("130771", "经开区"),
    County("130772", "察北管理区"),
    County("130773", "塞北管理区"),
)

BY_CODE: dict[str, County] = {c.code: c for c in COUNTIES}

# Codes retired since IDs were first issued: an ID keeps the code of the place the person
# was registered when it was issued, so 130729… and 132528… both belong to today's 万全区.
# 张家口地区 (1325xx) until 1993, from the official code tables (GB/T 2260): its 宣化县 moved
# to the city in 1983 (130721); in 2016 three counties became districts.
_DISTRICTS_2016 = {
    "130721": "130705",  # 宣化县 → merged into 宣化区
    "130729": "130708",  # 万全县 → 万全区
    "130733": "130709",  # 崇礼县 → 崇礼区
}
_PREFECTURE = {
    "132521": "130722",  # 张北县
    "132522": "130723",  # 康保县
    "132523": "130724",  # 沽源县
    "132524": "130725",  # 尚义县
    "132525": "130726",  # 蔚县
    "132526": "130727",  # 阳原县
    "132527": "130728",  # 怀安县
    "132528": "130729",  # 万全县
    "132529": "130730",  # 怀来县
    "132530": "130731",  # 涿鹿县
    "132531": "130721",  # 宣化县 (in the 地区 until 1983)
    "132532": "130732",  # 赤城县
    "132533": "130733",  # 崇礼县
}
RETIRED: dict[str, str] = {
    **_DISTRICTS_2016,
    **{old: _DISTRICTS_2016.get(new, new) for old, new in _PREFECTURE.items()},
}


def current_code(code: str) -> str:
    """A county code as it is today (a retired code becomes its successor's)."""
    return RETIRED.get(code, code)


def county_of_id(id_number: str | None) -> County | None:
    """The county of an ID's first six digits (a retired code counts as its successor),
    or None when they are not a county of Zhangjiakou."""
    if not id_number or len(id_number) < 6:
        return None
    return BY_CODE.get(current_code(id_number[:6]))


def _aliases() -> dict[str, County]:
    table: dict[str, County] = {}
    for county in COUNTIES:
        table[county.name] = county
        short = county.name[:-1] if county.name[-1] in "县区" else county.name
        # "蔚县" without its suffix would be the single character 蔚; keep it anyway,
        # nothing else in the city is called that.
        table.setdefault(short, county)
    zone = BY_CODE["130771"]
    for alias in ("经济开发区", "高新区", "经开", "张家口经济开发区", "高新技术产业开发区"):
        table[alias] = zone
    for code in ("130772", "130773"):
        name = BY_CODE[code].name
        table.setdefault(name.replace("管理区", ""), BY_CODE[code])
    return table


ALIASES = _aliases()


def find_county(value: str) -> County | None:
    """The county a cell names (``张北`` = ``张北县``), or None when it is not one of ours."""
    key = squash(value)
    if key.startswith("张家口市"):
        key = key[len("张家口市") :]
    return ALIASES.get(key)


def named_counties(wanted: Sequence[str]) -> list[County]:
    """The counties ``--county`` names (张北 = 张北县, a code such as 130722 too); a name
    that is no county of Zhangjiakou is a UserError naming it."""
    found = []
    for name in wanted:
        county = find_county(name) or BY_CODE.get(name.strip())
        if county is None:
            raise UserError(
                f"--county “{name}” 不是张家口市的县（区）；请写如“张北县”的全称",
                f"--county '{name}' is not a county of Zhangjiakou",
            )
        found.append(county)
    return found
