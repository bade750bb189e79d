"""Likely the same person (integrity.md): two records that are probably one person.

A record is a name, an 18-character ID and the county its row names (None: the county
of the ID), with whatever else the caller keeps beside them. Nothing here touches the
ledger; ``people.py`` turns the pairs found here into POSSIBLE_REPEAT and
POSSIBLE_DUPLICATE findings.

The rule, step by step:

1. Same county. A record's counties are the one its row names and the one of its ID's
   first six digits, when that is a county of ours (a row naming none: the ID's only);
   a retired code counts as its successor (130729 万全县 = 130708 万全区). Two records
   are in the same county when they share one: an ID's address code need not be where
   someone lives (DOMAIN.md), and a history list without 县(区) knows only the ID's.
2. Not the same ID: the same ID is found exactly (REPEAT_RECIPIENT, DUPLICATE_PERSON).
3. Either
   (a) the same birth date (ID digits 7–14) and sex (digit 17: odd 男, even 女), or
   (b) ID bodies (the first 17 digits) one typo apart: exactly one digit different, or
       two adjacent digits swapped (OSA distance 1; the check character is derived
       from the body, so a typo whose check character was recomputed still counts),
       or equal bodies with only the check character different (a typo in an old list).
4. And the names are alike. A name is folded: NFKC, without spaces and middle dots
   (·•), each character traditional → simplified (OpenCC t2s), then the look-alike and
   variant characters OpenCC does not fold (``lookalike.txt``, one group per line). Two
   names, neither blank, are alike when
   - folded, they are equal (the same name; 張/张; 衞/卫; 己/已), or
   - they are as long and each pair of characters shares a toneless pinyin reading,
     any reading of a polyphone (pypinyin; a pinyin IME types toneless syllables, so
     章/张 and 单(shàn)/善 are one keystroke sequence), or
   - both have three or more characters and are one edit apart (Levenshtein ≤ 1 on
     the folded names: 张建国/张建军, 欧阳明/欧阳小明).

The search never compares all pairs. Every pair the rule accepts shares a block:
(a) pairs the key (county, birth date, sex); (b) pairs the county with the body less
one of its parts, the region (digits 1–6), birth year (7–10), month and day (11–14) or
sequence (15–17), or less the two digits across a part boundary (6–7, 10–11, 14–15):
one different digit lies inside one part, an adjacent swap inside one part or across
one boundary, and equal bodies share every block. Each candidate pair of a block is
then checked by the rule above; names are folded and read in pinyin only then, once
each (cached).

:func:`explain` says why a pair matched, in Chinese and English, and shows the other
ID only as its first six and last four characters with the digits that differ.
"""

from __future__ import annotations

import os
import unicodedata
from bisect import insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import compress, count, repeat
from typing import Any, NamedTuple, Protocol

from zjk_charity.counties import BY_CODE, RETIRED

# Characters left out of a name before it is compared: whitespace (str.split) and the
# middle dots of transcribed names (阿不都·热合曼): U+00B7, U+2022, U+30FB, U+2027.
_DOTS = str.maketrans("", "", "·•・‧")


class Named(Protocol):
    """What a record must have: an applicant, a history row or a :class:`Record`."""

    @property
    def name(self) -> str: ...

    @property
    def id_number(self) -> str | None: ...

    @property
    def county_code(self) -> str | None: ...


@dataclass(frozen=True)
class Record:
    """A plain record, for callers (and tests) with nothing else at hand."""

    name: str
    id_number: str | None
    county_code: str | None = None
    handle: Any = None


class _Key(NamedTuple):
    """A record as the search sees it: its counties (current codes), ID body and check."""

    counties: tuple[str, ...]
    body: str
    check: str


def _counties(county_code: str | None, number: str) -> tuple[str, ...]:
    """The counties of a record (current codes): its row's, and its ID's when that is
    one of ours and another; a row naming none has its ID's only."""
    own = RETIRED.get(number[:6], number[:6])
    if not county_code:
        return (own,)
    named = RETIRED.get(county_code, county_code)
    return (named,) if own == named or own not in BY_CODE else (named, own)


def _key(record: Named) -> _Key | None:
    """None when the ID is not 17 digits and a check character: it cannot be compared."""
    number = record.id_number
    if not number or len(number) != 18 or not number.isascii() or not number[:17].isdigit():
        return None
    return _Key(_counties(record.county_code, number), number[:17], number[17])


# ---------------------------------------------------------------- names


@cache
def _lookalikes() -> dict[str, str]:
    """lookalike.txt as character → the first character of its line."""
    table: dict[str, str] = {}
    text = resources.files("zjk_charity.integrity").joinpath("lookalike.txt").read_text("utf-8")
    for line in text.splitlines():
        group = line.split("#", 1)[0].strip()
        for char in group[1:]:
            table[char] = group[0]
    return table


@cache
def _t2s() -> Callable[[str], str]:
    import opencc  # lazily: only validation with candidates needs it

    return opencc.OpenCC("t2s").convert


def simplified(text: str) -> str:
    """``text`` with traditional characters as simplified (OpenCC t2s), made once."""
    return _t2s()(text)


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    simplified = _t2s()(char)
    if len(simplified) != 1:  # never the case for a single Han character; keep alignment
        simplified = char
    return _lookalikes().get(simplified, simplified)


@lru_cache(maxsize=1 << 16)
def strip_name(name: str) -> str:
    """NFKC, without whitespace and middle dots: the name as written, for comparing."""
    return "".join(unicodedata.normalize("NFKC", name).split()).translate(_DOTS)


@lru_cache(maxsize=1 << 16)
def fold_name(name: str) -> str:
    """:func:`strip_name`, then each character simplified and its look-alikes merged.

    Character by character, so a folded name is exactly as long as the stripped one
    and their characters correspond by position.
    """
    return "".join(map(_fold_char, strip_name(name)))


@cache
def _pinyin() -> Callable[[str], list[str]]:
    """Every toneless reading of one character, by pypinyin, imported without its phrase
    dictionary (nothing here may import pypinyin before this does).

    Names are read one character at a time, and the phrase dictionary has no entry of
    one character, so it never changes a reading; left out (pypinyin's documented
    PYPINYIN_NO_PHRASES and PYPINYIN_NO_DICT_COPY switches, read once at its import) it
    saves 0.15 s and 56 MB of every validation. The environment is restored at once.
    """
    switches = ("PYPINYIN_NO_PHRASES", "PYPINYIN_NO_DICT_COPY")
    saved = {k: os.environ.get(k) for k in switches}
    os.environ.update(dict.fromkeys(switches, "1"))
    try:
        from pypinyin import Style, pinyin
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value

    def read(char: str) -> list[str]:
        return list(pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")[0])

    return read


@lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    """Every toneless pinyin reading of a character (itself when it is not Han)."""
    return frozenset(_pinyin()(char))


def _sound_alike(x: str, y: str) -> bool:
    return len(x) == len(y) and all(
        a == b or _readings(a) & _readings(b) for a, b in zip(x, y, strict=True)
    )


class NameMatch(NamedTuple):
    """How two names are alike: ``kind`` is same, variant, sound or one (character)."""

    kind: str
    pairs: tuple[tuple[str, str], ...]  # the characters that differ, as written


@lru_cache(maxsize=1 << 16)
def names_alike(x: str, y: str) -> NameMatch | None:
    """How the names ``x`` and ``y`` are alike under step 4 of the rule, or None."""
    sx, sy = strip_name(x), strip_name(y)
    fx, fy = fold_name(x), fold_name(y)
    if not fx or not fy:
        return None
    if sx == sy:
        return NameMatch("same", ())
    if fx == fy:
        return NameMatch("variant", _differ(sx, sy))
    if _sound_alike(fx, fy):
        return NameMatch("sound", _differ(sx, sy, fx, fy))
    if len(fx) >= 3 and len(fy) >= 3 and _one_apart(fx, fy):
        if len(fx) == len(fy):
            return NameMatch("one", _differ(sx, sy, fx, fy))
        return NameMatch("one", ((sx, sy),))
    return None


def _one_apart(x: str, y: str) -> bool:
    from rapidfuzz.distance import Levenshtein  # only for names that are not alike otherwise

    return bool(Levenshtein.distance(x, y, score_cutoff=1) <= 1)


def _differ(
    sx: str, sy: str, fx: str | None = None, fy: str | None = None
) -> tuple[tuple[str, str], ...]:
    """The written characters at the positions where the names (folded, if given) differ."""
    if len(sx) != len(sy):
        return ((sx, sy),)
    ax, ay = (fx, fy) if fx is not None and fy is not None else (sx, sy)
    return tuple((a, b) for a, b, c, d in zip(sx, sy, ax, ay, strict=True) if c != d)


# ---------------------------------------------------------------- IDs


@cache
def _osa() -> Callable[..., int]:
    from rapidfuzz.distance import OSA  # lazily, like pinyin and OpenCC

    return OSA.distance


def id_typo(x: str, y: str) -> tuple[str, tuple[int, ...]] | None:
    """How two 18-character IDs are one typo apart (rule 3b), or None.

    ("check", ()) only the check character differs; ("digit", (k,)) body digit k
    (0-based) differs; ("swap", (k, k + 1)) two adjacent body digits are swapped.
    """
    bx, by = x[:17], y[:17]
    if bx == by:
        return ("check", ()) if x[17:] != y[17:] else None
    if _osa()(bx, by, score_cutoff=1) != 1:
        return None
    at = tuple(k for k in range(17) if bx[k] != by[k])
    return ("digit", at) if len(at) == 1 else ("swap", at)


def _same_birth(x: _Key, y: _Key) -> bool:
    return x.body[6:14] == y.body[6:14] and int(x.body[16]) % 2 == int(y.body[16]) % 2


def _alike(a: Named, ka: _Key | None, b: Named, kb: _Key | None) -> bool:
    if ka is None or kb is None or a.id_number == b.id_number:
        return False
    if not set(ka.counties) & set(kb.counties):
        return False
    if not _same_birth(ka, kb) and id_typo(ka.body + ka.check, kb.body + kb.check) is None:
        return False
    return names_alike(a.name, b.name) is not None  # last: the dearest, though cached


def likely_same(a: Named, b: Named) -> bool:
    """The rule, for one pair: what the blocked search must agree with."""
    return _alike(a, _key(a), b, _key(b))


# ---------------------------------------------------------------- the blocked search

# The body's parts, and the digit pairs across their boundaries, that a block leaves out.
_PARTS = ((0, 6), (6, 10), (10, 14), (14, 17))
_ACROSS = ((5, 7), (9, 11), (13, 15))
_PARITY = {d: str(int(d) % 2) for d in "0123456789"}


class _Side(NamedTuple):
    """A sequence of records as the search sees it: an entry per record whose ID can be
    compared (:func:`_key`) and per county of it (two when its row's county is not its
    ID's), with the record's position, ID, name, county and key of block (a)."""

    at: list[int]
    ids: list[str]
    names: list[str]
    counties: list[str]
    births: list[str]  # county, birth date and sex: equal keys are block (a)'s pairs


def _side(records: Sequence[Named]) -> _Side:
    """The records' :class:`_Side`, in one pass."""
    at: list[int] = []
    ids: list[str] = []
    names: list[str] = []
    counties: list[str] = []
    births: list[str] = []
    retired, parity = RETIRED, _PARITY
    for i, r in enumerate(records):
        number = r.id_number
        if not number or len(number) != 18 or not number.isascii() or not number[:17].isdigit():
            continue
        county = r.county_code or number[:6]
        county = retired.get(county, county)
        own = retired.get(number[:6], number[:6])
        for c in (county,) if own == county or own not in BY_CODE else (county, own):
            at.append(i)
            ids.append(number)
            names.append(r.name)
            counties.append(c)
            # A fixed-length tail after the county: equal keys mean an equal county too.
            births.append(f"{c}{number[6:14]}{parity[number[16]]}")
    return _Side(at, ids, names, counties, births)


def _typo_blocks(side: _Side) -> Iterator[list[str]]:
    """Each kind of block (b) key for every record of ``side``: its county and its body
    less one part or one pair across a boundary. A kind's tail has a fixed length, so
    equal keys mean an equal county too. (List comprehensions: these run 7 × the
    records, the part of the search that sees every record.)"""
    for start, end in _PARTS + _ACROSS:
        yield [f"{c}{n[:start]}_{n[end:17]}" for c, n in zip(side.counties, side.ids, strict=True)]


class SearchKeys:
    """The search's keys of a sequence of records, made once for several searches.

    ``aid validate`` searches its applicants against history, then against each other
    (with the campaign's other files, when there are none: the same records): the keys
    of the first search serve the second instead of being made again (0.2 s at 100,000
    rows, for about 50 MB held in between).
    """

    def __init__(self, records: Sequence[Named]) -> None:
        self.records = records
        self.side = _side(records)
        self._typo: list[list[str]] = []

    def typo_blocks(self) -> Iterator[list[str]]:
        """:func:`_typo_blocks` of the records, made (and kept) on the first search."""
        if len(self._typo) == len(_PARTS) + len(_ACROSS):
            yield from self._typo
            return
        self._typo.clear()
        for keys in _typo_blocks(self.side):
            self._typo.append(keys)
            yield keys


def _positions(keys: list[str], wanted: set[str]) -> dict[str, list[int]]:
    """The positions of each key of ``wanted`` in ``keys``, ascending (the scan in C)."""
    found: dict[str, list[int]] = {}
    for j in compress(count(), map(wanted.__contains__, keys)):
        found.setdefault(keys[j], []).append(j)
    return found


def _candidates(lkeys: list[str], rkeys: list[str] | None) -> Iterator[tuple[int, list[int]]]:
    """Each left position i whose key the right has, with the right's positions of that
    key (ascending); ``rkeys`` None: within ``lkeys``, each position of a repeated key.

    The keys both sides have are found by set operations in C, and only their few
    positions are looked at in Python.
    """
    if rkeys is None:
        repeated = {k for k, n in Counter(lkeys).items() if n > 1}
        for group in _positions(lkeys, repeated).values():
            yield from zip(group, repeat(group))
        return
    common = set(lkeys)
    common.intersection_update(rkeys)
    if common:
        right = _positions(rkeys, common)
        for i in compress(count(), map(common.__contains__, lkeys)):
            yield i, right[lkeys[i]]


def partners(
    left: Sequence[Named] | SearchKeys,
    right: Sequence[Named] | None = None,
    most: int | None = None,
) -> dict[int, list[int]]:
    """For each ``left[i]`` with any, the positions j (ascending) of the records of
    ``right`` likely the same person; of ``left`` itself (j ≠ i) when ``right`` is None.
    ``left`` may be the :class:`SearchKeys` of its records, made for an earlier search.

    ``most``: only the ``most`` lowest j of each i. A block is then scanned in order and
    left as soon as the lowest ones are known, so a sheet of 1,000 namesakes born the
    same day costs 1,000 comparisons, not half a million.

    Each pair of a block is judged by the rule inline, on what the block already says:
    a pair of block (a) has the same county, birth date and sex, so only its IDs (not
    the same) and names are left to compare; a pair of a block (b) has the same county,
    and one of the same birth date and sex was judged in block (a) already, so only the
    typo and the names are.
    """
    ls = left.side if isinstance(left, SearchKeys) else _side(left)
    rs = ls if right is None else _side(right)
    found: dict[int, list[int]] = {}
    within = right is None

    def judge(lkeys: list[str], rkeys: list[str] | None, typo: bool) -> None:
        lids, rids, lnames, rnames = ls.ids, rs.ids, ls.names, rs.names
        lbirth, rbirth = ls.births, rs.births
        l_at, r_at = ls.at, rs.at
        osa = _osa()
        for i, rights in _candidates(lkeys, rkeys):
            have = found.get(i, [])
            number, name, birth = lids[i], lnames[i], lbirth[i]
            for j in rights:
                if most is not None and len(have) >= most and j > have[-1]:
                    break
                if (within and r_at[j] == l_at[i]) or j in have:
                    continue
                if typo:
                    if rbirth[j] == birth or osa(number[:17], rids[j][:17], score_cutoff=1) != 1:
                        continue
                elif rids[j] == number:
                    continue
                if names_alike(name, rnames[j]) is None:
                    continue
                insort(have, j)
                del have[len(have) if most is None else most :]
                found[i] = have

    judge(ls.births, None if within else rs.births, typo=False)
    rblocks = repeat(None) if within else _typo_blocks(rs)
    lblocks = left.typo_blocks() if isinstance(left, SearchKeys) else _typo_blocks(ls)
    for lkeys, rkeys in zip(lblocks, rblocks, strict=False):
        judge(lkeys, rkeys, typo=True)
    return _by_record(found, ls.at, rs.at, most)


def _by_record(
    found: dict[int, list[int]], l_at: list[int], r_at: list[int], most: int | None
) -> dict[int, list[int]]:
    """Entries' pairs as records' pairs: a record with two counties has two entries, so
    its partners are merged (each once, ascending, the ``most`` lowest)."""
    merged: dict[int, list[int]] = {}
    for i, js in found.items():
        have = merged.setdefault(l_at[i], [])
        for j in js:
            if r_at[j] not in have:
                insort(have, r_at[j])
    if most is not None:
        for have in merged.values():
            del have[most:]
    return dict(sorted(merged.items()))


def find_between(left: Sequence[Named], right: Sequence[Named]) -> list[tuple[int, int]]:
    """Every (i, j) with ``left[i]`` likely the same person as ``right[j]``, sorted."""
    return [(i, j) for i, js in partners(left, right).items() for j in js]


def find_within(records: Sequence[Named]) -> list[tuple[int, int]]:
    """Every (i, j), i < j, with ``records[i]`` likely the same person as ``records[j]``."""
    return [(i, j) for i, js in partners(records).items() for j in js if i < j]


# ---------------------------------------------------------------- the wording


def mask_other(number: str) -> str:
    """An ID as a finding shows the other record's: 130722…1234."""
    return f"{number[:6]}…{number[-4:]}"


def _county_note(records: Iterable[Named]) -> tuple[str, str]:
    """（130729 为万全区的旧代码） when a record's county comes from a retired code."""
    for r in records:
        raw = r.county_code or (r.id_number or "")[:6]
        if raw in RETIRED:
            name = BY_CODE[RETIRED[raw]].name
            return f"（{raw} 为{name}的旧代码）", f" ({raw} is the former code of {name})"
    return "", ""


_ID_WHY = {
    "check": ("身份证号仅校验位不同", "the IDs differ only in the check character"),
    "digit": ("身份证号只差一位", "the IDs are one digit apart"),
    "swap": ("身份证号相邻两位对调", "two adjacent ID digits are swapped"),
}


def _id_difference(x: str, y: str) -> tuple[str, str]:
    """The digits where ID ``x`` differs from ``y`` (positions from 1), or ("", "")."""
    typo = id_typo(x, y)
    if typo is None:
        return "", ""
    kind, at = typo
    if kind == "check":
        return f"校验位 {x[17]}/{y[17]}", f"check character {x[17]}/{y[17]}"
    if kind == "digit":
        (k,) = at
        return f"第 {k + 1} 位 {x[k]}/{y[k]}", f"digit {k + 1}: {x[k]}/{y[k]}"
    k = at[0]
    pair_x, pair_y = x[k : k + 2], y[k : k + 2]
    return (
        f"第 {k + 1}、{k + 2} 位对调（{pair_x}/{pair_y}）",
        f"digits {k + 1} and {k + 2} swapped ({pair_x}/{pair_y})",
    )


def _name_why(match: NameMatch) -> tuple[str, str]:
    shown_zh = "、".join(f"{a}/{b}" for a, b in match.pairs)
    shown_en = ", ".join(f"{a}/{b}" for a, b in match.pairs)
    if match.kind == "same":
        return "姓名相同", "the same name"
    if match.kind == "sound":
        return f"姓名同音（{shown_zh}）", f"names sound alike ({shown_en})"
    if match.kind == "one":
        return f"姓名相差一字（{shown_zh}）", f"names one character apart ({shown_en})"
    t2s = _t2s()
    if all(t2s(a) == t2s(b) for a, b in match.pairs):
        return f"姓名繁简不同（{shown_zh}）", f"traditional/simplified forms ({shown_en})"
    return f"姓名形近或异体（{shown_zh}）", f"look-alike or variant characters ({shown_en})"


def explain(this: Named, other: Named) -> dict[str, str]:
    """Why ``this`` and ``other`` matched, as the params of a POSSIBLE_ finding on ``this``.

    other_name, other_id (first six and last four, then the digits that differ, this
    record's first) and other_id_en, why and why_en. Call it only for a pair the rule
    accepts (:func:`likely_same`).
    """
    x, y = this.id_number or "", other.id_number or ""
    kx, ky = _key(this), _key(other)
    note_zh, note_en = _county_note((this, other))
    why_zh, why_en = [f"同县{note_zh}"], [f"same county{note_en}"]
    if kx is not None and ky is not None and _same_birth(kx, ky):
        why_zh[0] += "、出生日期与性别相同"
        why_en.append("same birth date and sex")
    typo = id_typo(x, y) if kx is not None and ky is not None else None
    if typo is not None:
        why_zh.append(_ID_WHY[typo[0]][0])
        why_en.append(_ID_WHY[typo[0]][1])
    name = names_alike(this.name, other.name)
    if name is not None:
        zh, en = _name_why(name)
        why_zh.append(zh)
        why_en.append(en)
    diff_zh, diff_en = _id_difference(x, y) if typo is not None else ("", "")
    shown = mask_other(y)
    return {
        "other_name": strip_name(other.name),
        "other_id": f"{shown}，{diff_zh}" if diff_zh else shown,
        "other_id_en": f"{shown}, {diff_en}" if diff_en else shown,
        "why": "，".join(why_zh),
        "why_en": "; ".join(why_en),
    }
