"""Synthetic application workbooks for the benchmark suite (every person is invented).

A generated workbook looks like a county's real one at province scale: a merged title
row, a 填报单位 line, the header on row 3, then one applicant per row with valid IDs
(GB 11643 check character), Luhn-valid 62… bank cards, and a realistic sprinkling of
problems (about one row in twenty has a finding): wrong check characters, Luhn
failures, 集中供养, blank certificates, unknown care levels, odd phones and dates,
shared households and a few people who apply twice. Output is deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum import luhn

from zjk_charity.aid import columns as col
from zjk_charity.counties import COUNTIES
from zjk_charity.ids import check_character

# The template's columns; the optional 户名 (integrity.md) is not on most counties' forms.
HEADERS: tuple[str, ...] = tuple(c.name for c in col.COLUMNS if c.name != col.HOLDER)
TITLE = "2025年福彩暖冬活动申请审批表（基准测试数据，人员均为虚构）"
UNIT = "填报单位：张家口市民政局        填报日期：2025年10月8日"
AS_OF = date(2025, 10, 20)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英桂兰玉珍凤芝淑华明建国志强文德福贵海平春梅金荣永生"
TOWNS = ("公会镇", "二台镇", "大囫囵镇", "油篓沟乡", "小二台镇", "馒头营乡", "两面井乡")
BANKS = ("河北省农村信用社", "张家口银行", "中国邮政储蓄银行", "中国农业银行")
CARE = ("完全丧失生活自理能力", "部分丧失生活自理能力", "具备生活自理能力")


@dataclass(frozen=True)
class Applications:
    """A generated workbook and what went into it."""

    path: Path
    rows: int
    cells: int  # data cells written, for the xlsxwriter peer


def make_id(rng: random.Random, n: int) -> tuple[str, date]:
    """A valid synthetic ID (a Zhangjiakou address code, a birth date, a sequence)."""
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(35 * 365))
    address = rng.choice(COUNTIES).code
    first17 = f"{address}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17), born


def make_account(rng: random.Random) -> str:
    """A 19-digit 62… card number with a valid Luhn digit."""
    body = "62" + "".join(rng.choice("0123456789") for _ in range(16))
    return body + luhn.calc_check_digit(body)


def _age(born: date) -> int:
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def _flaw(rng: random.Random, row: dict[str, Any]) -> None:
    """Give about one row in twenty one realistic problem."""
    kind = rng.randrange(12)
    if kind == 0:
        row["身份证号"] = row["身份证号"][:-1] + ("0" if row["身份证号"][-1] != "0" else "1")
    elif kind == 1:
        row["银行账号"] = row["银行账号"][:-1] + str((int(row["银行账号"][-1]) + 1) % 10)
    elif kind == 2:
        row["供养方式"] = "集中供养"
    elif kind == 3:
        row["认证截图"] = ""
    elif kind == 4:
        row["生活自理能力"] = "一般"
    elif kind == 5:
        row["联系电话"] = "无"
    elif kind == 6:
        row["申请日期"] = "国庆节后"
    elif kind == 7:
        row["人员类别"] = rng.choice(("城市特困人员", "低保对象"))
    elif kind == 8:
        row["年龄"] = int(row["年龄"]) + 5
    elif kind == 9:
        row["银行账号"] = row["银行账号"][:10]
    elif kind == 10:
        row["县(区)"] = "北京市"
    else:
        row["往年受助年份"] = "2024"


def application_rows(count: int, seed: int = 2025) -> Iterator[dict[str, Any]]:
    """``count`` applicant rows by canonical header."""
    rng = random.Random(seed)
    ids: list[str] = []
    for n in range(1, count + 1):
        id_number, born = make_id(rng, n)
        if ids and rng.random() < 0.002:  # applies twice (in another township)
            id_number = rng.choice(ids)
        ids.append(id_number)
        county = COUNTIES[int(id_number[:6]) % len(COUNTIES)].name
        row: dict[str, Any] = {
            "序号": n,
            "县(区)": county,
            "乡镇(街道)": rng.choice(TOWNS),
            "村(社区)": f"{rng.randrange(1, 40)}村",
            "姓名": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
            "性别": "男" if int(id_number[16]) % 2 else "女",
            "身份证号": id_number,
            "年龄": _age(born),
            "户号": f"H{n - 1:07d}" if rng.random() < 0.03 else f"H{n:07d}",
            "人员类别": "农村特困人员",
            "供养方式": "分散供养",
            "生活自理能力": rng.choice(CARE),
            "开户银行": rng.choice(BANKS),
            "银行账号": make_account(rng),
            "联系电话": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.95
            else f"0313-{rng.randrange(10**7):07d}",
            "认证截图": f"认证/{n:06d}.png",
            "申请日期": f"2025-10-{rng.randrange(1, 20):02d}",
            "往年受助年份": "",
            "特殊情况说明": "",
            "备注": "",
        }
        if rng.random() < 0.05:
            _flaw(rng, row)
        yield row


def write_applications(path: Path, count: int, seed: int = 2025) -> Applications:
    """A one-sheet application workbook of ``count`` synthetic applicants (xlsxwriter)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet("申请表")
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, TITLE)
    sheet.write_string(1, 0, UNIT)
    for c, header in enumerate(HEADERS):
        sheet.write_string(2, c, header)
    cells = 0
    for r, row in enumerate(application_rows(count, seed), start=3):
        for c, header in enumerate(HEADERS):
            value = row[header]
            if value == "":
                continue
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value, text)
            cells += 1
    book.close()
    return Applications(path, count, cells)


# Homophones and traditional forms a clerk's IME or an old list puts for a surname.
_SOUNDS = {"张": "章", "王": "汪", "李": "理", "刘": "柳", "陈": "晨", "黄": "皇", "周": "州"}
_TRADITIONAL = {"张": "張", "陈": "陳", "刘": "劉", "赵": "趙", "黄": "黃", "郑": "鄭", "邓": "鄧"}


def _typo(rng: random.Random, id_number: str) -> str:
    """One digit of the body changed (check character recomputed) or two adjacent swapped."""
    body = list(id_number[:17])
    at = rng.randrange(16)
    if rng.random() < 0.5:
        body[at] = str((int(body[at]) + rng.randrange(1, 10)) % 10)
    else:
        body[at], body[at + 1] = body[at + 1], body[at]
    first17 = "".join(body)
    return first17 + check_character(first17)


def _misspelt(name: str) -> str:
    surname = name[0]
    return (_SOUNDS.get(surname) or _TRADITIONAL.get(surname) or surname) + name[1:]


def history_rows(count: int, applicants: int, seed: int = 2024) -> Iterator[tuple[str, str, str]]:
    """``count`` earlier recipients (身份证号, 姓名, 县区) for ``applicants`` generated rows.

    One in ten is an applicant aided before under the same ID (REPEAT_RECIPIENT); one in
    a hundred is an applicant under a mistyped ID or name (POSSIBLE_REPEAT: a digit
    changed, two swapped, a homophone or traditional surname, or a check character an
    old list got wrong); the rest are other people.
    """
    rng = random.Random(seed)
    people = [(r["身份证号"], r["姓名"], r["县(区)"]) for r in application_rows(applicants)]
    for n in range(count):
        kind = rng.random()
        id_number, name, county = rng.choice(people)
        if kind < 0.10:
            yield id_number, name, county
        elif kind < 0.11:
            way = rng.randrange(4)
            if way == 0:
                yield _typo(rng, id_number), name, county
            elif way == 1:
                yield _typo(rng, id_number), _misspelt(name), county
            elif way == 2:
                yield id_number[:17] + ("0" if id_number[17] != "0" else "1"), name, county
            else:
                yield id_number, _misspelt(name), county  # same ID: an exact repeat
        else:
            other, _ = make_id(rng, n)
            named = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
            yield other, named, COUNTIES[int(other[:6]) % len(COUNTIES)].name


def write_history(path: Path, count: int, applicants: int, seed: int = 2024) -> Path:
    """A history list (UTF-8 CSV) of ``count`` rows: see :func:`history_rows`."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["身份证号", "姓名", "县区"])
        out.writerows(history_rows(count, applicants, seed))
    return path
