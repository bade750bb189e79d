"""Synthetic 微心愿 data for the benchmark: n wishes and n donations (synthetic children only).

Donations are a realistic mix: most unrestricted, some restricted by category, county or
both, one in ten designated to a wish, with dates spread over the year, so the matcher
exercises every tier. Deterministic for a given n.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

from zjk_charity.counties import COUNTIES
from zjk_charity.ids import check_character

CATEGORIES = (
    "孤儿",
    "事实无人抚养儿童",
    "农村留守儿童",
    "低保救助儿童",
    "残疾儿童",
    "其他困境儿童",
)
WISH_HEADERS = [
    "心愿编号",
    "县(区)",
    "儿童姓名",
    "身份证号",
    "困境类别",
    "心愿内容",
    "金额",
    "登记日期",
]
DONATION_HEADERS = [
    "捐赠编号",
    "捐赠人",
    "捐赠类型",
    "金额",
    "定向心愿",
    "定向类别",
    "定向县区",
    "到账日期",
]


def _child_id(i: int, county: str) -> str:
    born = date(2010, 1, 1) + timedelta(days=i // 900)
    first17 = f"{county}{born:%Y%m%d}{i % 900 + 100:03d}"
    return first17 + check_character(first17)


def write_wishes(path: Path, n: int) -> Path:
    rng = random.Random(n)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("心愿")
    sheet.write_row(0, 0, WISH_HEADERS)
    for i in range(n):
        county = COUNTIES[i % len(COUNTIES)]
        registered = date(2025, 3, 21) + timedelta(days=rng.randrange(180))
        amount = "" if rng.random() < 0.8 else str(rng.choice((200, 500, 800, 1200)))
        sheet.write_row(
            i + 1,
            0,
            [
                f"W{i + 1:06d}",
                county.name,
                "测童",
                _child_id(i, county.code),
                CATEGORIES[rng.randrange(len(CATEGORIES))],
                "学习用品",
                amount,
                registered.isoformat(),
            ],
        )
    book.close()
    return path


def write_donations(path: Path, n: int) -> Path:
    rng = random.Random(n + 1)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("捐赠")
    sheet.write_row(0, 0, DONATION_HEADERS)
    for i in range(n):
        roll = rng.random()
        wish = f"W{rng.randrange(n) + 1:06d}" if roll < 0.1 else ""
        category = rng.choice(CATEGORIES) if 0.1 <= roll < 0.3 else ""
        county = COUNTIES[rng.randrange(len(COUNTIES))].name if 0.2 <= roll < 0.4 else ""
        received = date(2025, 3, 21) + timedelta(days=rng.randrange(240))
        sheet.write_row(
            i + 1,
            0,
            [
                f"D{i + 1:06d}",
                f"测捐赠人{rng.randrange(n // 3 + 1)}",
                "资金",
                str(rng.choice((50, 100, 200, 300, 500, 1000))),
                wish,
                category,
                county,
                received.isoformat(),
            ],
        )
    book.close()
    return path
