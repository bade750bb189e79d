"""Regenerate ``sample_data/``: synthetic 福彩暖冬 2025 application workbooks.

Every person is invented (common surnames + given-name characters); every ID carries a
Zhangjiakou address code (a few retired ones: 130721 宣化县, 130729 万全县, 132529 …) and a
valid check character unless a problem below says otherwise. Bank cards start with 62
and carry a valid Luhn digit (16 or 19 digits); some accounts are 15-digit passbooks.
The output is deterministic (``random.Random(2025)``); run ``python scripts/make_sample_data.py``.

Files
-----
- ``张北县.xlsx``: a 填表说明 sheet first (text only, no header), then one sheet per
  township (公会镇, 二台镇, 大囫囵镇, ~100 rows each) with a merged title row, a
  填报单位/日期 line, a header row of aliases (``县（区）``, ``姓 名``, ``身份证号码``,
  ``卡(折)号`` …) on row 3, and a 合计 row at the end. 二台镇 has one blank row.
- ``康保县.xlsx``: one sheet, title row, canonical headers on row 2, ~330 rows.
- ``蔚县.csv``: GBK-encoded, canonical headers, ~320 rows, dates as text in several formats.
- ``2024年受助名单.xlsx``: the 2024 recipients (序号, 县(区), 姓名, 身份证号), 300 people;
  5 of them apply again in 2025 (2 with 特殊情况说明 filled, 3 without).
  Title on row 1, header on row 2.
- ``认证截图/``: one tiny synthetic screenshot (a 247-byte greyscale JPEG) for every
  认证截图 cell of the three application files, 950 files, except the planted three below.
- ``心愿登记.xlsx``, ``捐赠_第1批.xlsx``, ``捐赠_第2批.xlsx``: 微心愿, see the comment above
  ``WISH_TITLE``.

These are the names the README's guide uses (``tests/test_readme_guide.py`` runs it).
The workbooks are saved with pinned timestamps, so running the script again changes no
byte unless the content changed.

About 950 application rows; after the planted errors, one-per-household and the
repeat recipients roughly 900 candidates remain, so an 810-place allocation has a
waitlist. ID and account cells are text cells (number format ``@``) except where planted.

Planted problems (file / sheet / Excel row → expected finding)
--------------------------------------------------------------
张北县.xlsx
    公会镇 row 32: 身份证号码 typed as a number (15 significant digits kept) → PRECISION_LOST
    公会镇 row 48: wrong check character → ID_BAD_CHECKSUM
    公会镇 row 58: ID ending in lower-case x (valid; normalised to X, no finding)
    公会镇 row 70: 15-digit old ID → ID_OLD_FORMAT (warning; still eligible)
    公会镇 row 87: 人员类别 城市特困人员 → NOT_RURAL
    二台镇 row 10: 供养方式 集中供养 → NOT_DISPERSED
    二台镇 row 20: 认证截图 blank → CERTIFICATE_MISSING
    二台镇 row 44: an entirely blank row (silently skipped)
    二台镇 row 58: 卡(折)号 of 10 digits → BANK_ACCOUNT_INVALID
    二台镇 row 79: card failing Luhn → BANK_ACCOUNT_CHECKSUM (warning)
    二台镇 row 92: ID in full-width digits (valid; NFKC, no finding)
    大囫囵镇 row 14: 年龄 off by 5 → AGE_MISMATCH (warning)
    大囫囵镇 row 26: 性别 contradicts the ID → SEX_MISMATCH (warning)
    大囫囵镇 row 53: 申请日期 "国庆节后" → DATE_INVALID (warning)
    大囫囵镇 row 81: 联系电话 of 10 digits → PHONE_INVALID (warning)
    大囫囵镇 row 98: 生活自理能力 "一般" → CARE_LEVEL_UNKNOWN (warning)
    last row of each township sheet: 合计 (silently skipped)
康保县.xlsx (sheet 康保县, header on row 2)
    row 40: 身份证号 typed as a number → PRECISION_LOST
    row 75: wrong check character → ID_BAD_CHECKSUM
    rows 95, 231: the same people as 张北县 公会镇 row 64 and 大囫囵镇 row 52 →
        DUPLICATE_PERSON (on the 康保县 rows when 张北县 is validated first)
    row 113: 15-digit old ID → ID_OLD_FORMAT (warning)
    row 131: 年龄 off by 5 → AGE_MISMATCH (warning)
    row 150: 人员类别 低保对象 → NOT_TEKUN
    row 184: 供养方式 集中供养 → NOT_DISPERSED
    row 201: 性别 contradicts the ID → SEX_MISMATCH (warning)
    row 218: 认证截图 blank → CERTIFICATE_MISSING
    row 254: 银行账号 of 10 digits → BANK_ACCOUNT_INVALID
    row 267: 申请日期 "2025-13-45" → DATE_INVALID (warning)
    row 290: card failing Luhn → BANK_ACCOUNT_CHECKSUM (warning)
    row 307: 生活自理能力 blank → CARE_LEVEL_UNKNOWN (warning)
    row 322: ID ending in lower-case x (valid)
    row 333: 合计
蔚县.csv (row = line number, header = 1)
    row 20: 人员类别 城市特困 → NOT_RURAL
    row 55: 人员类别 低保对象 → NOT_TEKUN
    row 89: wrong check character → ID_BAD_CHECKSUM
    row 124: 15-digit old ID → ID_OLD_FORMAT (warning)
    row 149: ID in full-width digits (valid)
    row 159: 供养方式 集中 → NOT_DISPERSED
    row 194: 认证截图 blank → CERTIFICATE_MISSING
    row 229: card failing Luhn → BANK_ACCOUNT_CHECKSUM (warning)
    row 264: 联系电话 "无" → PHONE_INVALID (warning)
    row 299: 申请日期 "10月8号" → DATE_INVALID (warning)
    row 309: 生活自理能力 "不详" → CARE_LEVEL_UNKNOWN (warning)
Certificate screenshots (with ``--attachments 认证截图/``; the cells are ordinary)
    张北县.xlsx 二台镇 row 57: its screenshot is not in the folder → CERTIFICATE_NOT_FOUND
        (在附件文件夹中找不到)
    康保县.xlsx row 163: its screenshot is an empty file → CERTIFICATE_NOT_FOUND (是空文件)
    蔚县.csv row 102: its "screenshot" is a text file → CERTIFICATE_NOT_FOUND
        (不是 PNG、JPEG 或 PDF 文件)
Repeat recipients (REPEAT_RECIPIENT once 2024年受助名单.xlsx is imported as 2024)
    with 特殊情况说明 (candidates, ranked after first-timers): 张北县 公会镇 row 16,
    蔚县.csv row 39; without (excluded): 张北县 大囫囵镇 row 42, 康保县 row 59 (which
    also has 往年受助年份 2024), 蔚县.csv row 249.
Shared households: 24 pairs of applicants share a 户号 (HOUSEHOLD_SHARED); the script
prints their rows.

Integrity screening (issue 17; the script prints every row)
    Reference lists: ``特困人员名册-张北县.xlsx`` (the platform's roster of 张北县: two
    张北县 applicants left out → NOT_IN_ROSTER, one under an earlier name →
    ROSTER_NAME_MISMATCH; the applicants who are not rural dispersed 特困 are not on it
    either), ``集中供养人员名单.xlsx`` (one 康保县 applicant → IN_INSTITUTION),
    ``死亡人员名单-2025年10月.csv`` (GBK, one 蔚县 applicant → DECEASED),
    ``近亲属备案.xlsx`` (two applicants → STAFF_RELATIVE); each also lists invented people
    who did not apply. ``2023年受助名单.xlsx``: a 康保县 applicant under a homophone
    surname with one ID digit mistyped, and a 蔚县 applicant with a wrong check character
    (kept by ``aid history import``) → POSSIBLE_REPEAT.
    In the application files: a 蔚县 applicant entered again as the file's last row
    (homophone surname, one ID digit off) → POSSIBLE_DUPLICATE; two 蔚县 households with
    one account → ACCOUNT_SHARED; four 康保县 households with one mobile → PHONE_SHARED;
    康保县.xlsx has a 户名 column, one account in the son's name → ACCOUNT_HOLDER_MISMATCH.

The row numbers above are printed again by the script (the manifest) and must match.
"""

from __future__ import annotations

import csv
import random
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from stdnum import luhn

from zjk_charity.aid.attachments import Attachments
from zjk_charity.demo import HISTORY_SUFFIX
from zjk_charity.ids import age_on, check_character
from zjk_charity.wishes.demo import DONATION_FILES, WISH_FILE

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_data"
AS_OF = date(2025, 10, 20)
TITLE = "2025年福彩暖冬活动申请审批表"

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石贾夏付方白邹孟秦邱江尹薛闫段雷侯史"
    "陶贺顾毛郝龚邵万钱严武戴孔汤康乔齐常霍耿牛岳聂"
)
MALE_CHARS = "福贵富有全明俊海山林生旺成德仁义礼智信忠守宝文武春和喜殿永长国庆树根银金满财玉增"
FEMALE_CHARS = "秀英兰凤花珍梅桂芳玉荣翠娥莲云香琴巧芝淑霞娟美仙芬月春爱枝"

COUNTY_CODE = {"张北县": "130722", "康保县": "130723", "蔚县": "130726"}
OTHER_CODES = [
    "130702",
    "130703",
    "130705",
    "130706",
    "130708",
    "130709",
    "130724",
    "130725",
    "130727",
    "130728",
    "130730",
    "130731",
    "130732",
    "130721",
    "130729",
    "130733",
    "132521",
    "132522",
    "132525",
    "132529",
    "132531",
]
TOWNS = {
    "张北县": ["公会镇", "二台镇", "大囫囵镇"],
    "康保县": [
        "康保镇",
        "张纪镇",
        "土城子镇",
        "邓油坊镇",
        "李家地镇",
        "照阳河镇",
        "屯垦镇",
        "闫油坊乡",
    ],
    "蔚县": [
        "蔚州镇",
        "代王城镇",
        "西合营镇",
        "吉家庄镇",
        "白乐镇",
        "暖泉镇",
        "南留庄镇",
        "桃花镇",
    ],
}
VILLAGES = [
    "东沟村",
    "西沟村",
    "前营村",
    "后营村",
    "大庄村",
    "小庄村",
    "新村",
    "王家湾村",
    "马家营村",
    "三号村",
    "五号村",
    "黄土梁村",
    "石门村",
    "二道沟村",
    "南滩村",
    "北梁村",
    "柳树屯村",
    "榆树沟村",
    "上营村",
    "下营村",
]
BANKS = ("河北省农村信用社", "中国邮政储蓄银行", "中国农业银行", "张家口银行", "河北银行")
CARE = ("完全丧失生活自理能力", "部分丧失生活自理能力", "具备生活自理能力")
CANONICAL = [
    "序号",
    "县(区)",
    "乡镇(街道)",
    "村(社区)",
    "姓名",
    "性别",
    "身份证号",
    "年龄",
    "户号",
    "人员类别",
    "供养方式",
    "生活自理能力",
    "开户银行",
    "银行账号",
    "联系电话",
    "认证截图",
    "申请日期",
    "往年受助年份",
    "特殊情况说明",
    "备注",
]
ZHANGBEI_HEADERS = (
    "县（区）",
    "乡镇",
    "村",
    "姓 名",
    "性别",
    "身份证号码",
    "年龄",
    "户号",
    "人员类别",
    "供养方式",
    "生活自理能力",
    "开户行",
    "卡(折)号",
    "联系电话",
    "认证截图",
    "申请日期",
    "往年受助年份",
    "特殊情况说明",
    "备注",
)
# 康保县's form has the optional 户名 column after the account (integrity.md).
HOLDER = "户名"
KANGBAO_HEADERS = [*CANONICAL[:14], HOLDER, *CANONICAL[14:]]
EXCEPTION_NOTE = "2025年突发重病致完全失能，经乡镇评议、县民政局同意再次申请"


@dataclass
class Person:
    county: str
    town: str
    village: str
    name: str
    sex: str
    id18: str
    born: date
    household: str
    category: str = "农村特困人员"
    supply: str = "分散供养"
    care: str = ""
    bank: str = ""
    account: str = ""
    phone: str = ""
    cert: str = ""
    applied: date | str | None = None
    past_years: str = ""
    special: str = ""
    remark: str = ""
    id_cell: str | int = ""
    age_cell: int | None = None
    sex_cell: str = ""
    holder: str = ""  # 户名, on 康保县's form only (blank: the applicant's own name)
    plants: list[str] = field(default_factory=list)


class Maker:
    def __init__(self, seed: int = 2025) -> None:
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()
        self.serial = 0

    # ---- identities -------------------------------------------------------------
    def name(self, sex: str) -> str:
        chars = MALE_CHARS if sex == "男" else FEMALE_CHARS
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def birth(self) -> date:
        if self.rng.random() < 0.06:
            age = self.rng.randint(35, 59)
        else:
            age = min(int(self.rng.triangular(60, 98, 72)), 97)
        start = date(AS_OF.year - age - 1, AS_OF.month, AS_OF.day) + timedelta(days=1)
        return start + timedelta(days=self.rng.randint(0, 364))

    def address(self, county: str) -> str:
        if self.rng.random() < 0.85:
            return COUNTY_CODE[county]
        return self.rng.choice(OTHER_CODES)

    def make_id(self, code: str, born: date, sex: str, want_x: bool = False) -> str:
        while True:
            seq = self.rng.randint(0, 99)
            odd = self.rng.choice("13579") if sex == "男" else self.rng.choice("02468")
            first17 = f"{code}{born:%Y%m%d}{seq:02d}{odd}"
            number: str = first17 + check_character(first17)
            if want_x and not number.endswith("X"):
                continue
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    # ---- accounts, phones, dates ------------------------------------------------
    def card(self, length: int) -> str:
        body = "62" + "".join(self.rng.choice("0123456789") for _ in range(length - 3))
        return body + str(luhn.calc_check_digit(body))

    def account(self) -> tuple[str, str]:
        r = self.rng.random()
        if r < 0.15:  # passbook (折) of the rural credit union: 15 digits, no check
            digits = self.rng.choice("1357") + "".join(
                self.rng.choice("0123456789") for _ in range(14)
            )
            return "河北省农村信用社", digits
        bank = self.rng.choice(BANKS)
        number = self.card(19 if r < 0.8 else 16)
        if self.rng.random() < 0.05:  # typed with spaces: normalised, not a problem
            number = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        return bank, number

    def phone(self) -> str:
        r = self.rng.random()
        if r < 0.1:
            return ""
        if r < 0.2:
            return f"0313-{self.rng.randint(5000000, 8999999)}"
        return self.rng.choice(("13", "15", "18", "17")) + str(
            self.rng.randint(100000000, 999999999)
        )

    def applied(self, style: str) -> date | str | None:
        if self.rng.random() < 0.05:
            return None
        day = date(2025, 10, 1) + timedelta(days=self.rng.randint(0, 13))
        if style == "date":
            return day
        fmt = self.rng.choice(("iso", "slash", "dot", "cn"))
        if fmt == "iso":
            return day.isoformat()
        if fmt == "slash":
            return f"{day.year}/{day.month}/{day.day}"
        if fmt == "dot":
            return f"{day.year}.{day.month}.{day.day}"
        return f"{day.year}年{day.month}月{day.day}日"

    # ---- people -----------------------------------------------------------------
    def person(self, county: str, town: str, village: str, household: str, style: str) -> Person:
        sex = self.rng.choice(("男", "男", "男", "女", "女"))
        born = self.birth()
        id18 = self.make_id(self.address(county), born, sex)
        bank, account = self.account()
        self.serial += 1
        p = Person(
            county=county,
            town=town,
            village=village,
            name=self.name(sex),
            sex=sex,
            id18=id18,
            born=born,
            household=household,
            care=self.rng.choices(CARE, weights=(22, 33, 45))[0],
            bank=bank,
            account=account,
            phone=self.phone(),
            cert=f"认证截图/{COUNTY_CODE[county]}_{self.serial:04d}.jpg",
            applied=self.applied(style),
        )
        p.id_cell = id18
        p.age_cell = age_on(born, AS_OF)
        p.sex_cell = sex
        return p

    def applicants(
        self, county: str, town: str, n: int, style: str, hh_prefix: str
    ) -> list[Person]:
        people: list[Person] = []
        hh = 0
        while len(people) < n:
            hh += 1
            village = self.rng.choice(VILLAGES)
            household = f"{hh_prefix}{hh:04d}"
            first = self.person(county, town, village, household, style)
            people.append(first)
            if self.rng.random() < 0.025 and len(people) < n:
                second = self.person(county, town, village, household, style)
                second.plants.append("HOUSEHOLD_SHARED")
                first.plants.append("HOUSEHOLD_SHARED")
                people.append(second)
        return people


# ---- planting -----------------------------------------------------------------------
def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def old15(p: Person, maker: Maker) -> None:
    """Give ``p`` a 15-digit ID (born 19xx, so the upgrade is exact)."""
    if p.born.year < 1900 or p.born.year > 1999:
        raise ValueError("old IDs only for people born in the 1900s")
    id18 = maker.make_id(p.id18[:6], p.born, p.sex)
    maker.used_ids.discard(p.id18)
    p.id18 = id18
    p.id_cell = id18[:6] + id18[8:17]
    p.plants.append("ID_OLD_FORMAT")


def plant(p: Person, code: str, maker: Maker) -> None:
    rng = maker.rng
    if code == "PRECISION_LOST":
        p.id_cell = int(p.id18[:15] + "000")  # what Excel keeps of a number cell
    elif code == "ID_BAD_CHECKSUM":
        good = p.id18[17]
        bad = rng.choice([c for c in "0123456789X" if c != good])
        p.id_cell = p.id18[:17] + bad
    elif code == "ID_OLD_FORMAT":
        old15(p, maker)
        return
    elif code == "NOT_RURAL":
        p.category = "城市特困人员"
    elif code == "NOT_TEKUN":
        p.category = "低保对象"
    elif code == "NOT_DISPERSED":
        p.supply = "集中供养"
        p.remark = "已入住县社会福利中心"
    elif code == "CERTIFICATE_MISSING":
        p.cert = ""
    elif code == "BANK_ACCOUNT_INVALID":
        p.account = "".join(rng.choice("0123456789") for _ in range(10))
    elif code == "BANK_ACCOUNT_CHECKSUM":
        good = maker.card(19)
        p.account = good[:-1] + str((int(good[-1]) + 1) % 10)
        p.bank = "中国邮政储蓄银行"
    elif code == "AGE_MISMATCH":
        p.age_cell = (p.age_cell or 70) + 5
    elif code == "SEX_MISMATCH":
        p.sex_cell = "女" if p.sex == "男" else "男"
    elif code == "DATE_INVALID":
        p.applied = "国庆节后"
    elif code == "PHONE_INVALID":
        p.phone = "1381234567"
    elif code == "CARE_LEVEL_UNKNOWN":
        p.care = "一般"
    elif code == "lower-case x":
        id18 = maker.make_id(p.id18[:6], p.born, p.sex, want_x=True)
        maker.used_ids.discard(p.id18)
        p.id18 = id18
        p.id_cell = id18[:17] + "x"
    elif code == "full-width digits":
        p.id_cell = fullwidth(p.id18)
    else:
        raise ValueError(code)
    p.plants.append(code)


def clean(p: Person) -> bool:
    return not p.plants and (p.age_cell or 0) >= 60 and 1900 <= p.born.year <= 1999


def plant_at(people: list[Person], index: int, code: str, maker: Maker) -> Person:
    """Plant ``code`` on the first clean person at or after ``index``."""
    for p in people[index:]:
        if clean(p):
            plant(p, code, maker)
            return p
    raise ValueError(f"no clean person after {index}")


# ---- writing ------------------------------------------------------------------------
def row_values(p: Person, serial: int | None) -> list[str | int | date | None]:
    values: list[str | int | date | None] = [
        p.county,
        p.town,
        p.village,
        p.name,
        p.sex_cell,
        p.id_cell,
        p.age_cell,
        p.household,
        p.category,
        p.supply,
        p.care,
        p.bank,
        p.account,
        p.phone,
        p.cert,
        p.applied,
        p.past_years,
        p.special,
        p.remark,
    ]
    return values if serial is None else [serial, *values]


TEXT_COLUMNS = {"身份证号", "身份证号码", "银行账号", "卡(折)号", "联系电话", "户号"}


def write_table(
    ws: Worksheet,
    headers: tuple[str, ...] | list[str],
    people: list[Person],
    header_row: int,
    numbered: bool,
    blank_after: int | None,
    manifest: list[str],
    where: str,
) -> int:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    text_cols = {i for i, h in enumerate(headers, start=1) if h in TEXT_COLUMNS}
    date_col = list(headers).index("申请日期") + 1
    row = header_row
    for i, p in enumerate(people):
        row += 1
        if blank_after is not None and i == blank_after:
            row += 1  # an entirely blank row inside the table
        values = row_values(p, i + 1 if numbered else None)
        if HOLDER in headers:
            values.insert(list(headers).index(HOLDER), p.holder or p.name)
        for col, value in enumerate(values, start=1):
            if value == "" or value is None:
                continue
            cell = ws.cell(row=row, column=col, value=value)
            if col in text_cols and isinstance(value, str):
                cell.number_format = "@"
            if col == date_col and isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
        if p.plants:
            manifest.append(f"{where} row {row}: {p.name} {', '.join(p.plants)}")
    row += 1
    ws.cell(row=row, column=1, value="合计")
    ws.cell(row=row, column=2 if numbered else 4, value=f"{len(people)}人")
    widths = {"身份证号": 22, "身份证号码": 22, "银行账号": 24, "卡(折)号": 24, "认证截图": 26}
    for col, text in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(text, 12)
    return row


def title_rows(ws: Worksheet, ncols: int, unit_line: str | None) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    cell = ws.cell(row=1, column=1, value=TITLE)
    cell.font = Font(bold=True, size=16)
    cell.alignment = Alignment(horizontal="center")
    if unit_line:
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
        ws.cell(row=2, column=1, value=unit_line)


INSTRUCTIONS = (
    "填表说明",
    "1. 本表每个乡镇一个工作表，由乡镇民政办填写，县民政局汇总审核。",
    "2. 资助对象为农村分散供养特困人员，优先失能、半失能老年人；每个家庭只能资助1人。",
    "3. 身份证号码、卡(折)号请设置为文本格式录入，不要输入为数字。",
    "4. 认证截图填写河北省民政综合业务平台特困供养人员认证截图的文件名，截图须加盖公章。",
    "5. 往年已接受过资助的人员原则上不再重复资助，确需资助的请在特殊情况说明中写明理由。",
    "6. 请于2025年10月20日前报送市福彩中心。",
)


def build_zhangbei(maker: Maker) -> list[Person]:
    everyone: list[Person] = []
    sizes = (98, 104, 101)
    plans = (
        (
            (28, "PRECISION_LOST"),
            (43, "ID_BAD_CHECKSUM"),
            (54, "lower-case x"),
            (66, "ID_OLD_FORMAT"),
            (83, "NOT_RURAL"),
        ),
        (
            (6, "NOT_DISPERSED"),
            (16, "CERTIFICATE_MISSING"),
            (53, "BANK_ACCOUNT_INVALID"),
            (74, "BANK_ACCOUNT_CHECKSUM"),
            (87, "full-width digits"),
        ),
        (
            (10, "AGE_MISMATCH"),
            (21, "SEX_MISMATCH"),
            (49, "DATE_INVALID"),
            (77, "PHONE_INVALID"),
            (94, "CARE_LEVEL_UNKNOWN"),
        ),
    )
    for k, (town, size, plan) in enumerate(zip(TOWNS["张北县"], sizes, plans, strict=True)):
        people = maker.applicants("张北县", town, size, "date", f"ZB{k + 1}")
        for index, code in plan:
            plant_at(people, index, code, maker)
        everyone.extend(people)
    return everyone


def build_kangbao(maker: Maker, zhangbei: list[Person]) -> list[Person]:
    people: list[Person] = []
    for town in TOWNS["康保县"]:
        style = "date" if maker.rng.random() < 0.5 else "text"
        people.extend(maker.applicants("康保县", town, 41, style, f"KB{len(people):03d}"))
    plan = (
        (37, "PRECISION_LOST"),
        (72, "ID_BAD_CHECKSUM"),
        (109, "ID_OLD_FORMAT"),
        (127, "AGE_MISMATCH"),
        (146, "NOT_TEKUN"),
        (180, "NOT_DISPERSED"),
        (197, "SEX_MISMATCH"),
        (213, "CERTIFICATE_MISSING"),
        (249, "BANK_ACCOUNT_INVALID"),
        (262, "DATE_INVALID"),
        (285, "BANK_ACCOUNT_CHECKSUM"),
        (302, "CARE_LEVEL_UNKNOWN"),
        (317, "lower-case x"),
    )
    for index, code in plan:
        p = plant_at(people, index, code, maker)
        if code == "CARE_LEVEL_UNKNOWN":
            p.care = ""
        if code == "DATE_INVALID":
            p.applied = "2025-13-45"
    # Two 张北县 applicants applied in 康保县 as well (moved, registered twice).
    for index, source in ((92, zhangbei[60]), (228, zhangbei[250])):
        src = next(p for p in zhangbei[zhangbei.index(source) :] if clean(p))
        copy = Person(**{**src.__dict__, "plants": []})
        copy.county, copy.town = "康保县", people[index].town
        copy.village, copy.household = people[index].village, f"KBX{index:04d}"
        copy.cert = f"认证截图/130723_dup{index}.jpg"
        copy.plants.append("DUPLICATE_PERSON")
        src.plants.append("DUPLICATE_PERSON (first occurrence)")
        people.insert(index, copy)
    return people


def build_yuxian(maker: Maker) -> list[Person]:
    people: list[Person] = []
    for town in TOWNS["蔚县"]:
        people.extend(maker.applicants("蔚县", town, 40, "text", f"YX{len(people):03d}"))
    plan = (
        (18, "NOT_RURAL"),
        (53, "NOT_TEKUN"),
        (87, "ID_BAD_CHECKSUM"),
        (122, "ID_OLD_FORMAT"),
        (147, "full-width digits"),
        (157, "NOT_DISPERSED"),
        (192, "CERTIFICATE_MISSING"),
        (227, "BANK_ACCOUNT_CHECKSUM"),
        (262, "PHONE_INVALID"),
        (297, "DATE_INVALID"),
        (307, "CARE_LEVEL_UNKNOWN"),
    )
    for index, code in plan:
        p = plant_at(people, index, code, maker)
        if code == "NOT_RURAL":
            p.category = "城市特困"
        if code == "NOT_DISPERSED":
            p.supply = "集中"
        if code == "PHONE_INVALID":
            p.phone = "无"
        if code == "DATE_INVALID":
            p.applied = "10月8号"
        if code == "CARE_LEVEL_UNKNOWN":
            p.care = "不详"
    return people


def save_yuxian(people: list[Person], manifest: list[str]) -> None:
    with (OUT / "蔚县.csv").open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CANONICAL)
        for i, p in enumerate(people):
            values = row_values(p, i + 1)
            writer.writerow(
                ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values]
            )
            if p.plants:
                manifest.append(f"蔚县.csv row {i + 2}: {p.name} {', '.join(p.plants)}")


def write_history(maker: Maker, repeaters: list[Person]) -> None:
    counties = ("张北县", "康保县", "蔚县")
    people: list[Person] = []
    for k in range(295):
        county = counties[k % 3]
        people.append(maker.person(county, TOWNS[county][0], "", "", "date"))
    for n, p in enumerate(repeaters):
        people.insert(30 + 50 * n, p)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "2024年资助名单"
    ws.merge_cells("A1:D1")
    ws["A1"] = "2024年福彩暖冬活动资助人员名单"
    ws["A1"].font = Font(bold=True, size=14)
    for col, text in enumerate(("序号", "县(区)", "姓名", "身份证号"), start=1):
        ws.cell(row=2, column=col, value=text).font = Font(bold=True)
    for i, p in enumerate(people, start=1):
        ws.cell(row=i + 2, column=1, value=i)
        ws.cell(row=i + 2, column=2, value=p.county)
        ws.cell(row=i + 2, column=3, value=p.name)
        ws.cell(row=i + 2, column=4, value=p.id18).number_format = "@"
    ws.column_dimensions["D"].width = 22
    save_book(wb, OUT / f"2024{HISTORY_SUFFIX}")


def pick_repeaters(
    zhangbei: list[Person], kangbao: list[Person], yuxian: list[Person]
) -> list[Person]:
    """Five 2025 applicants who were aided in 2024; two have a recorded exception."""
    chosen: list[Person] = []
    for people, index, exception in (
        (zhangbei, 12, True),
        (zhangbei, 240, False),
        (kangbao, 56, False),
        (yuxian, 37, True),
        (yuxian, 247, False),
    ):
        p = next(q for q in people[index:] if clean(q))
        p.plants.append("REPEAT_RECIPIENT" + (" (with 特殊情况说明)" if exception else ""))
        if exception:
            p.special = EXCEPTION_NOTE
            p.care = "完全丧失生活自理能力"
        chosen.append(p)
    chosen[2].past_years = "2024"
    return chosen


# ---- integrity screening (issue 17) ---------------------------------------------------
# What auditors look for (integrity.md). The cases in the application files are planted
# without drawing from the random stream, so every other cell stays as it was; the
# reference lists' and the 2023 list's invented people come from their own stream
# (Maker(17), sharing the used IDs so that nobody is invented twice).

# Surnames a pinyin IME offers for the same syllable (toneless), as a clerk mistypes them.
HOMOPHONE = {"张": "章", "王": "汪", "李": "黎", "刘": "柳", "杨": "阳", "周": "舟", "吴": "武"}
ROSTER_FILE = "特困人员名册-张北县.xlsx"
INSTITUTION_FILE = "集中供养人员名单.xlsx"
DEATHS_FILE = "死亡人员名单-2025年10月.csv"
RELATIVES_FILE = "近亲属备案.xlsx"
SHARED_PHONE = "13831309527"


@dataclass
class Screening:
    """The applicants the reference lists and the 2023 list speak of."""

    deceased: Person
    in_home: Person
    not_in_roster: list[Person]
    renamed: Person  # in the roster under an earlier name
    relatives: list[tuple[Person, str, str]]  # (person, relation, staff member)
    typo: Person  # in the 2023 list with a one-digit typo and a homophone surname
    bad_check: Person  # in the 2023 list with a wrong check character


def retyped(id18: str, position: int) -> str:
    """``id18`` with one digit of its body changed and the check character recomputed,
    as when a clerk mistypes one digit and the system then accepts it."""
    body = id18[:position] + str((int(id18[position]) + 3) % 10) + id18[position + 1 : 17]
    return body + check_character(body)


def derived_card(seed: str) -> str:
    """A valid 19-digit card number derived from ``seed`` (no random draw)."""
    digits = "".join(str(b % 10) for b in zlib.crc32(seed.encode()).to_bytes(4, "big") * 5)
    body = "6217" + digits[:14]
    return body + str(luhn.calc_check_digit(body))


def pick(people: list[Person], index: int, plant: str, ok: object = None) -> Person:
    """The first clean person at or after ``index`` (``ok(p)`` too, when given), marked."""
    for p in people[index:]:
        if clean(p) and (ok is None or ok(p)):  # type: ignore[operator]
            p.plants.append(plant)
            return p
    raise ValueError(f"no clean person after {index}")


def homophone(name: str) -> str:
    return HOMOPHONE[name[0]] + name[1:]


def plant_integrity(
    zhangbei: list[Person], kangbao: list[Person], yuxian: list[Person]
) -> Screening:
    """Plant the cross-person cases in the application files; pick the people the lists
    will name."""
    # POSSIBLE_DUPLICATE: a 蔚县 applicant entered again at the end of the file, in
    # another township, under a homophone surname and an ID with one digit mistyped.
    src = pick(yuxian, 30, "POSSIBLE_DUPLICATE (first entry)", lambda p: p.name[0] in HOMOPHONE)
    again = Person(**{**src.__dict__, "plants": ["POSSIBLE_DUPLICATE"]})
    again.name, again.id18 = homophone(src.name), retyped(src.id18, 15)
    again.id_cell, again.town, again.village = again.id18, TOWNS["蔚县"][-1], "北关村"
    again.household, again.cert = "YXD0001", "认证截图/130726_dup1.jpg"
    again.account, again.phone = derived_card(again.id18), ""
    yuxian.append(again)
    # ACCOUNT_SHARED: two 蔚县 households give one account (人卡分离).
    first = pick(yuxian, 140, "ACCOUNT_SHARED")
    second = pick(yuxian, 141, "ACCOUNT_SHARED", lambda p: p.household != first.household)
    second.bank, second.account = first.bank, first.account
    # PHONE_SHARED: four 康保县 households give one mobile number (a village official's).
    for k in range(4):
        pick(kangbao, 20 + k, "PHONE_SHARED").phone = SHARED_PHONE
    # ACCOUNT_HOLDER_MISMATCH: the account is in the son's name (康保县 has a 户名 column).
    son = pick(kangbao, 240, "ACCOUNT_HOLDER_MISMATCH")
    son.holder = son.name[0] + "建军"
    return Screening(
        deceased=pick(yuxian, 60, "DECEASED"),
        in_home=pick(kangbao, 150, "IN_INSTITUTION"),
        not_in_roster=[pick(zhangbei, i, "NOT_IN_ROSTER") for i in (30, 210)],
        renamed=pick(zhangbei, 120, "ROSTER_NAME_MISMATCH"),
        relatives=[
            (pick(zhangbei, 260, "STAFF_RELATIVE"), "父亲", "赵德明（大囫囵镇民政助理员）"),
            (pick(yuxian, 220, "STAFF_RELATIVE"), "兄弟", "孙建华（村委会主任）"),
        ],
        typo=pick(kangbao, 270, "POSSIBLE_REPEAT", lambda p: p.name[0] in HOMOPHONE),
        bad_check=pick(yuxian, 280, "POSSIBLE_REPEAT"),
    )


def write_integrity_lists(
    screening: Screening, zhangbei: list[Person], used_ids: set[str], manifest: list[str]
) -> None:
    """The four reference lists and the 2023 recipients' list (integrity.md)."""
    other = Maker(17)
    other.used_ids = used_ids

    def invented(n: int, counties: tuple[str, ...]) -> list[Person]:
        return [
            other.person(c, TOWNS[c][0] if c in TOWNS else "", "", "", "date")
            for c in (counties[k % len(counties)] for k in range(n))
        ]

    _write_roster(screening, zhangbei, invented(30, ("张北县",)), manifest)
    _write_list(
        INSTITUTION_FILE,
        "2025年集中供养特困人员名单（各县社会福利中心、敬老院报送）",
        ("序号", "县(区)", "机构", "姓名", "身份证号", "入住日期"),
        [
            (p.county, f"{p.county}社会福利中心", p.name, p.id18, date(2024, 3 + k % 9, 10))
            for k, p in enumerate([*invented(12, ("张北县", "康保县", "蔚县")), screening.in_home])
        ],
    )
    _write_deaths([*invented(20, ("张北县", "康保县", "蔚县")), screening.deceased])
    staff = ("钱志刚（公会镇副镇长）", "李春生（村党支部书记）", "周海山（县民政局干部）")
    _write_list(
        RELATIVES_FILE,
        "工作人员及村（居）干部近亲属备案表",
        ("序号", "县(区)", "工作人员", "姓名", "身份证号", "关系"),
        [
            (p.county, staff[k % 3], p.name, p.id18, ("配偶", "母亲", "兄弟", "子女")[k % 4])
            for k, p in enumerate(invented(8, ("张北县", "康保县", "蔚县")))
        ]
        + [(p.county, who, p.name, p.id18, relation) for p, relation, who in screening.relatives],
    )
    typo, bad = screening.typo, screening.bad_check
    earlier = [(p.county, p.name, p.id18) for p in invented(40, ("张北县", "康保县", "蔚县"))]
    earlier[7:7] = [(typo.county, homophone(typo.name), retyped(typo.id18, 14))]
    wrong = next(c for c in "0123456789X" if c != bad.id18[17])
    earlier[23:23] = [(bad.county, bad.name, bad.id18[:17] + wrong)]
    _write_list(
        f"2023{HISTORY_SUFFIX}",
        "2023年福彩暖冬活动资助人员名单",
        ("序号", "县(区)", "姓名", "身份证号"),
        earlier,
    )
    manifest.append(
        f"2023{HISTORY_SUFFIX} rows 10, 26: {typo.name} (typed {homophone(typo.name)}, one "
        f"digit off) and {bad.name} (wrong check character) → POSSIBLE_REPEAT"
    )


def _write_roster(
    screening: Screening, zhangbei: list[Person], others: list[Person], manifest: list[str]
) -> None:
    """张北县's roster as the platform exports it: every registered rural dispersed 特困
    person of the county, whether they applied or not."""
    left_out = {id(p) for p in screening.not_in_roster}
    rows = []
    for p in [*zhangbei, *others]:
        if id(p) in left_out or p.category != "农村特困人员" or p.supply != "分散供养":
            continue
        name = p.name
        if p is screening.renamed:
            name = p.name[0] + ("桂兰" if p.sex == "女" else "福才")  # the name before a change
        rows.append((p.county, p.town, name, p.id18, f"TK130722{len(rows) + 1:05d}"))
    _write_list(
        ROSTER_FILE,
        "张北县农村分散供养特困人员名册（河北省民政综合业务平台导出）",
        ("序号", "县(区)", "乡镇", "姓名", "身份证号", "救助证号"),
        rows,
    )
    manifest.append(f"{ROSTER_FILE}: {len(rows)} people; 2 applicants left out, 1 renamed")


def _write_deaths(people: list[Person]) -> None:
    """The 殡葬 system's export: GBK CSV, the date as text."""
    with (OUT / DEATHS_FILE).open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("姓名", "性别", "身份证号", "县(区)", "死亡日期", "火化地点"))
        for k, p in enumerate(people):
            day = date(2025, 10, 12) if k == len(people) - 1 else date(2025, 1 + k % 9, 3 + k)
            writer.writerow((p.name, p.sex, p.id18, p.county, day.isoformat(), "张家口市殡仪馆"))


def _write_list(
    name: str, title: str, headers: tuple[str, ...], rows: list[tuple[object, ...]]
) -> None:
    """A list with a title row, its header on row 2, 序号 first, IDs as text."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "名单"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    for col, text in enumerate(headers, start=1):
        ws.cell(row=2, column=col, value=text).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = 22 if text == "身份证号" else 14
    for r, values in enumerate(rows, start=3):
        for col, value in enumerate((r - 2, *values), start=1):
            cell = ws.cell(row=r, column=col, value=value)
            if headers[col - 1] == "身份证号":
                cell.number_format = "@"
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    save_book(wb, OUT / name)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    maker = Maker(2025)
    zhangbei = build_zhangbei(maker)
    kangbao = build_kangbao(maker, zhangbei)
    yuxian = build_yuxian(maker)
    repeaters = pick_repeaters(zhangbei, kangbao, yuxian)
    broken = plant_certificates(zhangbei, kangbao, yuxian)
    screening = plant_integrity(zhangbei, kangbao, yuxian)
    manifest: list[str] = []
    write_zhangbei(zhangbei, manifest)
    write_kangbao(kangbao, manifest)
    save_yuxian(yuxian, manifest)
    write_history(maker, repeaters)
    write_integrity_lists(screening, zhangbei, maker.used_ids, manifest)
    shots = write_screenshots([*zhangbei, *kangbao, *yuxian], broken)
    rows = len(zhangbei) + len(kangbao) + len(yuxian)
    print(f"wrote {OUT}: {rows} application rows, history 300 rows, {shots} screenshots")
    for line in manifest:
        print("  " + line)


def write_zhangbei(zhangbei: list[Person], manifest: list[str]) -> None:
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = "填表说明"
    for r, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=r, column=1, value=line)
    info.column_dimensions["A"].width = 90
    for k, town in enumerate(TOWNS["张北县"]):
        people = [p for p in zhangbei if p.county == "张北县" and p.town == town]
        ws = wb.create_sheet(town)
        title_rows(ws, len(ZHANGBEI_HEADERS), "填报单位：张北县民政局    填报日期：2025年10月15日")
        blank = 40 if k == 1 else None
        write_table(ws, ZHANGBEI_HEADERS, people, 3, False, blank, manifest, f"张北县.xlsx/{town}")
    save_book(wb, OUT / "张北县.xlsx")


def write_kangbao(kangbao: list[Person], manifest: list[str]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "康保县"
    title_rows(ws, len(KANGBAO_HEADERS), None)
    write_table(ws, KANGBAO_HEADERS, kangbao, 2, True, None, manifest, "康保县.xlsx/康保县")
    save_book(wb, OUT / "康保县.xlsx")


# ---- 认证截图 (issue 15) ---------------------------------------------------------------
# One tiny synthetic screenshot per 认证截图 cell of the three application files, so the
# guide's ``aid validate … --attachments 认证截图/`` finds them; three are planted broken
# (see the module docstring). Each is a valid baseline greyscale JPEG of 96×64 pixels:
# a dark title bar and three grey "text lines" whose lengths vary with the file name, with
# a JPEG comment saying it is synthetic; 247 bytes.

SCREENSHOTS = "认证截图"
# Annex K, table K.3: the luminance DC code lengths; its values are the categories 0–11.
_DC_COUNTS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)


def _dc_codes() -> dict[int, str]:
    """The canonical Huffman codes of table K.3, as bit strings by category."""
    codes: dict[int, str] = {}
    code, category = 0, 0
    for length, count in enumerate(_DC_COUNTS, start=1):
        for _ in range(count):
            codes[category] = format(code, f"0{length}b")
            code, category = code + 1, category + 1
        code <<= 1
    return codes


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def tiny_jpeg(levels: list[list[int]], comment: str) -> bytes:
    """A baseline greyscale JPEG whose 8×8 blocks are flat: ``levels[row][column]`` 0–255.

    Only DC coefficients are coded (every AC part is one end-of-block code), with a DC
    quantiser of 8, so a block's coefficient is its level − 128 and decodes exactly.
    """
    dc = _dc_codes()
    bits: list[str] = []
    previous = 0
    for row in levels:
        for level in row:
            diff, previous = level - 128 - previous, level - 128
            size = abs(diff).bit_length()
            bits.append(dc[size])
            if size:
                bits.append(format(diff if diff > 0 else diff + (1 << size) - 1, f"0{size}b"))
            bits.append("0")  # end of block: the only code of the AC table
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)  # pad with 1 bits, as the standard asks
    scan = bytearray()
    for i in range(0, len(stream), 8):
        scan.append(int(stream[i : i + 8], 2))
        if scan[-1] == 0xFF:
            scan.append(0)  # byte stuffing
    height, width = len(levels) * 8, len(levels[0]) * 8
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xFE, comment.encode("ascii")),
            _segment(0xDB, b"\x00" + bytes([8] * 64)),
            _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
            _segment(0xC4, b"\x00" + bytes(_DC_COUNTS) + bytes(range(12))),
            _segment(0xC4, b"\x10" + bytes((1,) + (0,) * 15) + b"\x00"),
            _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            bytes(scan),
            b"\xff\xd9",
        )
    )


def screenshot(name: str) -> bytes:
    """The synthetic screenshot called ``name``: its grey lines vary with the name."""
    seed = zlib.crc32(name.encode())
    levels = []
    for r in range(8):
        length = 1 + (seed >> (3 * r)) % 10
        levels.append(
            [
                70 if r == 0 else 150 if r in (2, 4, 6) and 1 <= c <= length else 240
                for c in range(12)
            ]
        )
    return tiny_jpeg(levels, "zjk-charity synthetic sample")


# What each planted broken screenshot is, and the reason CERTIFICATE_NOT_FOUND gives.
BROKEN = {
    "missing": None,  # not in the folder: 在附件文件夹中找不到
    "empty": b"",  # 是空文件
    "not an image": "这是一份说明文字，不是截图\n".encode(),  # 不是 PNG、JPEG 或 PDF 文件
}


def plant_certificates(
    zhangbei: list[Person], kangbao: list[Person], yuxian: list[Person]
) -> dict[str, bytes | None]:
    """Three applicants whose screenshot is missing, empty or not an image (by file name)."""
    broken: dict[str, bytes | None] = {}
    for people, index, kind in (
        (zhangbei, 150, "missing"),
        (kangbao, 160, "empty"),
        (yuxian, 100, "not an image"),
    ):
        p = next(q for q in people[index:] if clean(q))
        p.plants.append(f"CERTIFICATE_NOT_FOUND (screenshot {kind})")
        broken[Path(p.cert).name] = BROKEN[kind]
    return broken


def write_screenshots(people: list[Person], broken: dict[str, bytes | None]) -> int:
    """Write ``认证截图/`` afresh: a screenshot for every 认证截图 cell, the broken as planted."""
    folder = OUT / SCREENSHOTS
    folder.mkdir(exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()
    names = sorted({Path(p.cert).name for p in people if p.cert})
    for name in names:
        content = broken.get(name, screenshot(name))
        if content is not None:
            (folder / name).write_bytes(content)
    found = Attachments(folder)
    unusable = {n for n in names if found.problem(n)}
    assert unusable == set(broken), unusable ^ set(broken)
    return len(list(folder.iterdir()))


# ---- saving workbooks the same, byte for byte ---------------------------------------
PINNED = datetime(2025, 10, 15, 9, 0, 0)


def save_book(wb: Workbook, path: Path) -> None:
    """Save ``wb`` so that the same content gives the same bytes on every run.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; both are
    pinned to :data:`PINNED`, so regenerating sample_data/ changes no file in git
    unless its content changed.
    """
    wb.properties.creator = "zjk-charity sample data"
    wb.properties.created = PINNED
    wb.save(path)
    stamp = PINNED.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            target.writestr(
                zipfile.ZipInfo(name, PINNED.timetuple()[:6]), data, zipfile.ZIP_DEFLATED
            )


# ---- 微心愿 (issue 4) ------------------------------------------------------------------
# Three more files, from their own random stream so the files above do not change:
#
# - ``心愿登记.xlsx``: ~480 children's wishes (title row, header on row 2 with the
#   aliases 县区 and 姓名), from 2025-03-21 to 2025-09-30, in every county and category.
# - ``捐赠_第1批.xlsx``: donations received 2025-03-21 … 2025-07-31.
# - ``捐赠_第2批.xlsx``: donations received 2025-08-01 … 2025-09-30 (headers
#   爱心人士, 折合金额, 捐赠日期), among them the anonymous 20,000 yuan of 2025-09-28 for
#   one child with leukaemia.
#
# The valid donations of both batches add up to 190,298.41 yuan (money and goods), the
# figure of the 2025-09-29 press conference. Amounts are typed every way people type
# them: number cells, 1,000.00, ￥500, 200元, 叁佰元整, 壹仟贰佰叁拾肆元伍角陆分.
#
# Cases the demo shows (planted; the script prints their rows):
#   a designated gift larger than its wish (1,000 yuan for a 300-yuan wish: 700 designated
#   balance); a wish partly covered by a designated gift (100 yuan) and finished from the
#   pool; category- and county-restricted gifts, one (孤儿 in a county without such a
#   wish) that must wait for a matching wish; designated goods (a 书包 for a 物资 wish);
#   undesignated goods (羽绒服, INKIND_UNDESIGNATED: kept aside); a batch-1 row sent again
#   in batch 2 (unchanged). Findings: CHILD_TOO_OLD, LEFT_BEHIND_TOO_OLD, DUPLICATE_WISH,
#   DUPLICATE_CHILD, AMOUNT_INVALID, ID_BAD_CHECKSUM, PRECISION_LOST, UNKNOWN_COUNTY,
#   INVALID_VALUE, MISSING_FIELD in the wishes; AMOUNT_INVALID, UNKNOWN_WISH,
#   DUPLICATE_DONATION, INVALID_VALUE, UNKNOWN_COUNTY, INKIND_UNDESIGNATED in the donations.

WISH_TITLE = "张家口市困境儿童“微心愿”登记表（2025年，人员均为虚构）"
WISH_HEADERS = (
    "心愿编号",
    "县区",
    "姓名",
    "身份证号",
    "困境类别",
    "心愿类型",
    "心愿内容",
    "金额",
    "登记日期",
    "监护人",
    "联系电话",
    "收款账号",
)
DONATION_HEADERS = (
    (
        "捐赠编号",
        "捐赠人",
        "捐赠类型",
        "捐赠金额",
        "物资名称",
        "定向心愿",
        "定向类别",
        "定向县区",
        "到账日期",
        "备注",
    ),
    (
        "捐赠编号",
        "爱心人士",
        "捐赠类型",
        "折合金额",
        "物资名称",
        "定向心愿",
        "定向类别",
        "定向县区",
        "捐赠日期",
        "备注",
    ),
)
WISH_COUNTIES = (
    ("130722", "张北县", 9),
    ("130723", "康保县", 8),
    ("130724", "沽源县", 7),
    ("130725", "尚义县", 7),
    ("130726", "蔚县", 9),
    ("130727", "阳原县", 7),
    ("130728", "怀安县", 6),
    ("130730", "怀来县", 5),
    ("130731", "涿鹿县", 6),
    ("130732", "赤城县", 6),
    ("130705", "宣化区", 5),
    ("130708", "万全区", 4),
    ("130709", "崇礼区", 3),
    ("130702", "桥东区", 2),
    ("130703", "桥西区", 2),
    ("130706", "下花园区", 2),
    ("130771", "经开区", 1),
    ("130772", "察北管理区", 1),
    ("130773", "塞北管理区", 1),
)
CHILD_CATEGORIES = (
    ("农村留守儿童", 30),
    ("留守儿童", 5),
    ("低保救助儿童", 20),
    ("低保儿童", 5),
    ("孤儿", 10),
    ("事实无人抚养儿童", 9),
    ("残疾儿童", 8),
    ("两项补贴儿童", 4),
    ("其他困境儿童", 9),
)
CASH_WISHES = (
    "新学期的书包和文具",
    "一辆上学骑的自行车",
    "配一副合适的眼镜",
    "一套过冬的棉衣棉鞋",
    "一套课外读物",
    "一台护眼台灯",
    "参加研学夏令营",
    "一双运动鞋",
    "一年用量的助听器电池",
    "一个学期的康复训练",
)
GOODS_WISHES = (
    "一个新书包",
    "一套冬衣",
    "一套图书",
    "一个篮球",
    "一套画笔和画板",
    "一件羽绒服",
    "一套学习桌椅",
)
COMPANIES = (
    "示例科技有限公司",
    "示例商贸有限公司",
    "示例建筑工程有限公司",
    "示例乳业有限公司",
    "示例风电有限公司",
    "示例物流有限公司",
)
TARGET_FEN = 19_029_841  # 190,298.41 yuan


@dataclass
class WishRow:
    cells: list[object]
    plants: list[str] = field(default_factory=list)
    amount_fen: int = 30000
    category: str = ""
    county: str = ""
    valid: bool = True


@dataclass
class GiftRow:
    cells: list[object]
    amount_fen: int
    plants: list[str] = field(default_factory=list)
    valid: bool = True


def _wish_amount(rng: random.Random) -> tuple[object, int]:
    """A wish's 金额 cell and its value in fen: mostly blank (the standard 300)."""
    r = rng.random()
    if r < 0.55:
        return None, 30000
    if r < 0.65:
        return "300", 30000
    if r < 0.70:
        return "叁佰元整", 30000
    choice = rng.choice(
        (
            ("500元", 50000),
            (200, 20000),
            ("￥800", 80000),
            ("1,000.00", 100000),
            ("伍佰元整", 50000),
        )
    )
    return choice


def _child(maker: Maker, code: str, on: date, low: int, high: int) -> tuple[str, str, date]:
    sex = maker.rng.choice(("男", "女"))
    age_days = maker.rng.randint(low * 366, high * 365 + 300)
    born = on - timedelta(days=age_days)
    number = maker.make_id(code, born, sex)
    return maker.name(sex), number, born


def _guardian(maker: Maker) -> tuple[str, str, str]:
    return maker.name(maker.rng.choice(("男", "女"))), maker.phone() or "", maker.card(19)


def build_wishes(maker: Maker) -> list[WishRow]:
    rng = maker.rng
    counties = [c for c in WISH_COUNTIES for _ in range(c[2])]
    categories = [c for c, w in CHILD_CATEGORIES for _ in range(w)]
    rows: list[WishRow] = []
    start = date(2025, 3, 21)
    for n in range(1, 481):
        code, county, _ = rng.choice(counties)
        category = rng.choice(categories)
        day = start + timedelta(days=min(int(rng.triangular(0, 193, 40)), 192))
        young = category in ("农村留守儿童", "留守儿童")
        name, number, _ = _child(maker, code, day, 4, 14 if young else 16)
        goods = rng.random() < 0.3
        kind = (
            rng.choice(("物资", "物资", "物")) if goods else rng.choice(("资金", "资金", "款", ""))
        )
        content = rng.choice(GOODS_WISHES if goods else CASH_WISHES)
        cell, fen = _wish_amount(rng)
        guardian, phone, account = _guardian(maker)
        cells: list[object] = [
            f"XY2025{n:04d}",
            county,
            name,
            number,
            category,
            kind,
            content,
            cell,
            day,
            guardian,
            phone,
            account,
        ]
        rows.append(WishRow(cells, amount_fen=fen, category=category, county=county))
    rows.sort(key=lambda r: (r.cells[8], r.cells[0]))  # type: ignore[arg-type, return-value]
    _plant_wishes(maker, rows)
    return rows


def _plant_wishes(maker: Maker, rows: list[WishRow]) -> None:
    """The planted problems and the 白血病 wish (see the comment above)."""

    def plant(index: int, code: str, valid: bool = False) -> WishRow:
        row = rows[index]
        row.plants.append(code)
        row.valid = valid
        return row

    day = rows[30].cells[8]
    assert isinstance(day, date)
    old = plant(30, "CHILD_TOO_OLD")
    old.cells[4] = "低保救助儿童"
    old.cells[3] = _child(maker, "130722", day, 18, 18)[1]
    teen = plant(45, "LEFT_BEHIND_TOO_OLD", valid=True)
    teen.cells[4] = "农村留守儿童"
    teen.cells[3] = _child(maker, "130723", rows[45].cells[8], 16, 16)[1]  # type: ignore[arg-type]
    plant(60, "DUPLICATE_WISH").cells[0] = rows[59].cells[0]
    twin = plant(75, "DUPLICATE_CHILD")
    twin.cells[3] = rows[74].cells[3]
    twin.cells[2] = rows[74].cells[2]
    plant(90, "AMOUNT_INVALID").cells[7] = "三百块"
    bad = plant(105, "ID_BAD_CHECKSUM")
    number = str(bad.cells[3])
    bad.cells[3] = number[:17] + ("0" if number[17] != "0" else "1")
    plant(120, "PRECISION_LOST").cells[3] = int(str(rows[120].cells[3])[:15] + "000")
    plant(135, "UNKNOWN_COUNTY").cells[1] = "宣化县"
    plant(150, "INVALID_VALUE").cells[4] = "单亲家庭"
    plant(165, "MISSING_FIELD").cells[6] = None
    sick = rows[-12]
    sick.cells[1], sick.county = "蔚县", "蔚县"
    sick.cells[4], sick.category = "低保救助儿童", "低保救助儿童"
    sick.cells[5], sick.cells[6] = "资金", "白血病化疗费用"
    sick.cells[7], sick.amount_fen = "贰万元整", 2_000_000
    sick.plants.append("白血病: 20,000 designated in batch 2")


def _cash_amount(rng: random.Random, company: bool) -> tuple[object, int]:
    """A donation's amount cell, typed one of the ways people type it, and its fen."""
    if company:
        yuan = rng.choice((1000, 2000, 3000, 5000))
        return rng.choice((yuan, f"{yuan:,}.00", f"￥{yuan:,}")), yuan * 100
    yuan_fen = rng.choice(
        (5000, 10000, 10000, 20000, 20000, 30000, 30000, 50000, 100000, 6666, 8888, 52000)
    )
    cells: list[object] = [yuan_fen // 100 if yuan_fen % 100 == 0 else yuan_fen / 100]
    if yuan_fen % 100 == 0:
        cells += [f"{yuan_fen // 100}元", f"￥{yuan_fen // 100}"]
    named = {
        10000: "壹佰元整",
        20000: "贰佰元整",
        30000: "叁佰元整",
        50000: "伍佰元整",
        100000: "壹仟元整",
    }
    if yuan_fen in named:
        cells.append(named[yuan_fen])
    return rng.choice(cells), yuan_fen


def _gift(
    n: int,
    donor: str,
    amount: tuple[object, int],
    day: date,
    *,
    kind: str = "",
    goods: str = "",
    wish: str = "",
    category: str = "",
    county: str = "",
    note: str = "",
) -> GiftRow:
    cells: list[object] = [
        f"JZ2025{n:05d}",
        donor,
        kind,
        amount[0],
        goods,
        wish,
        category,
        county,
        day,
        note,
    ]
    return GiftRow(cells, amount[1])


def _donor(maker: Maker) -> tuple[str, bool]:
    rng = maker.rng
    r = rng.random()
    if r < 0.12:
        return rng.choice(("", "匿名", "匿名爱心人士")), False
    if r < 0.16:
        return rng.choice(COMPANIES), True
    return rng.choice(SURNAMES) + rng.choice(("先生", "女士")), False


def _restriction(maker: Maker, wishes: list[WishRow]) -> tuple[str, str]:
    """定向类别 / 定向县区 of a restricted gift, taken from a real wish so it can be used."""
    rng = maker.rng
    w = rng.choice([w for w in wishes if w.valid])
    category = {
        "留守儿童": "农村留守儿童",
        "低保儿童": "低保救助儿童",
        "两项补贴儿童": "残疾儿童",
    }.get(w.category, w.category)
    r = rng.random()
    if r < 0.4:
        return category, ""
    if r < 0.8:
        return "", w.county
    return category, w.county


def build_donations(maker: Maker, wishes: list[WishRow]) -> tuple[list[GiftRow], list[GiftRow]]:
    rng = maker.rng
    batches: tuple[list[GiftRow], list[GiftRow]] = ([], [])
    spans = ((date(2025, 3, 21), 132), (date(2025, 8, 1), 60))
    counts = (190, 150)
    n = 0
    for batch, (start, days), count in zip(batches, spans, counts, strict=True):
        for _ in range(count):
            n += 1
            donor, company = _donor(maker)
            day = start + timedelta(days=rng.randint(0, days))
            category, county = _restriction(maker, wishes) if rng.random() < 0.15 else ("", "")
            kind = rng.choice(("资金", "", "款", "现金")) if rng.random() < 0.3 else ""
            batch.append(
                _gift(
                    n,
                    donor,
                    _cash_amount(rng, company),
                    day,
                    kind=kind,
                    category=category,
                    county=county,
                )
            )
    n = _special_donations(maker, wishes, batches, n)
    for batch in batches:
        batch.sort(key=lambda g: (g.cells[8], g.cells[0]))  # type: ignore[arg-type, return-value]
    _balance_to_target(batches, n + 1)
    return batches


def _valid_wish(wishes: list[WishRow], index: int, kind: str | None = None) -> WishRow:
    """The first plain 300-yuan wish at or after ``index`` (of ``kind``), marked as used."""
    for w in wishes[index:]:
        goods = str(w.cells[5]) in ("物资", "物")
        plain = w.valid and not w.plants and w.amount_fen == 30000
        if plain and (kind is None or goods == (kind == "物资")):
            w.plants.append("receives a designated gift")
            return w
    raise ValueError("no plain wish left")


def _absent_county(wishes: list[WishRow], category: str) -> str:
    """A county with no wish of ``category``: a gift restricted to both must wait."""
    present = {w.county for w in wishes if w.category == category}
    return next(name for _, name, _ in WISH_COUNTIES if name not in present)


def _special_donations(
    maker: Maker, wishes: list[WishRow], batches: tuple[list[GiftRow], list[GiftRow]], n: int
) -> int:
    first, second = batches
    specials: list[tuple[list[GiftRow], GiftRow, str]] = []

    def add(batch: list[GiftRow], gift: GiftRow, what: str, valid: bool = True) -> None:
        gift.valid = valid
        gift.plants.append(what)
        specials.append((batch, gift, what))

    big = _valid_wish(wishes, 10)
    add(
        first,
        _gift(
            n + 1,
            COMPANIES[0],
            ("1,000.00", 100000),
            date(2025, 4, 2),
            wish=str(big.cells[0]),
            note="指定资助",
        ),
        "designated 1,000 > wish 300 (700 designated balance)",
    )
    part = _valid_wish(wishes, 20)
    add(
        first,
        _gift(n + 2, "赵女士", ("壹佰元整", 10000), date(2025, 4, 3), wish=str(part.cells[0])),
        "designated 100 of a 300 wish, rest from the pool",
    )
    add(
        first,
        _gift(n + 3, COMPANIES[1], (5000, 500000), date(2025, 4, 8), category="孤儿"),
        "category 孤儿",
    )
    add(
        first,
        _gift(
            n + 4,
            "钱先生",
            ("￥2,000", 200000),
            date(2025, 5, 6),
            category="残疾儿童",
            county="康保县",
        ),
        "category+county",
    )
    add(
        first,
        _gift(n + 5, "孙女士", ("叁仟元整", 300000), date(2025, 5, 9), county="蔚县"),
        "county 蔚县",
    )
    add(
        first,
        _gift(
            n + 6,
            COMPANIES[2],
            ("600元", 60000),
            date(2025, 5, 12),
            category="孤儿",
            county=_absent_county(wishes, "孤儿"),
        ),
        "restricted to 孤儿 in a county with no such wish: waits",
    )
    satchel = _valid_wish(wishes, 40, "物资")
    add(
        first,
        _gift(
            n + 7,
            "周先生",
            (300, 30000),
            date(2025, 5, 20),
            kind="物资",
            goods="书包1个",
            wish=str(satchel.cells[0]),
        ),
        "designated goods",
    )
    add(
        first,
        _gift(
            n + 8,
            COMPANIES[3],
            ("肆仟贰佰元整", 420000),
            date(2025, 6, 1),
            kind="物资",
            goods="羽绒服35件",
        ),
        "INKIND_UNDESIGNATED (goods kept aside)",
    )
    add(
        first,
        _gift(n + 9, "吴先生", ("壹仟贰佰叁拾肆元伍角陆分", 123456), date(2025, 6, 18)),
        "Chinese numerals with 角 and 分",
    )
    add(
        first,
        _gift(n + 10, "郑女士", ("300.125", 0), date(2025, 6, 20)),
        "AMOUNT_INVALID",
        valid=False,
    )
    add(
        first,
        _gift(n + 11, "王先生", (500, 0), date(2025, 6, 21), wish="XY20259999"),
        "UNKNOWN_WISH",
        valid=False,
    )
    add(
        first,
        _gift(n + 12, "冯女士", (200, 0), date(2025, 6, 22), category="贫困儿童"),
        "INVALID_VALUE",
        valid=False,
    )
    add(
        first,
        _gift(n + 13, "陈先生", (200, 0), date(2025, 6, 23), county="北京"),
        "UNKNOWN_COUNTY",
        valid=False,
    )
    copy = first[5]
    twin = GiftRow(list(copy.cells), 0)
    twin.cells[3] = 888
    add(first, twin, "DUPLICATE_DONATION", valid=False)
    sick = next(w for w in wishes if "白血病: 20,000 designated in batch 2" in w.plants)
    add(
        second,
        _gift(
            n + 14,
            "",
            ("贰万元整", 2_000_000),
            date(2025, 9, 28),
            wish=str(sick.cells[0]),
            note="白血病患儿治疗",
        ),
        "anonymous 20,000 designated (白血病)",
    )
    resent = GiftRow(list(first[7].cells), 0)
    add(second, resent, "the same row as in batch 1 (unchanged)", valid=False)
    for batch, gift, _ in specials:
        batch.append(gift)
    return n + 14


def _balance_to_target(batches: tuple[list[GiftRow], list[GiftRow]], n: int) -> None:
    """One last gift in batch 2 so that the valid donations add up to 190,298.41 yuan."""
    total = sum(g.amount_fen for batch in batches for g in batch if g.valid)
    rest = TARGET_FEN - total
    assert 100_000 < rest < 5_000_000, rest
    yuan_text = f"{rest // 100:,}.{rest % 100:02d}"
    gift = _gift(
        n, "网络募捐平台汇总（示例）", (yuan_text, rest), date(2025, 9, 30), note="平台小额捐赠汇总"
    )
    gift.plants.append(f"balances the total to 190,298.41 ({yuan_text})")
    batches[1].append(gift)


def _write_rows(
    path: Path,
    title: str | None,
    headers: tuple[str, ...],
    rows: list[list[object]],
    text_columns: set[str],
    sheet: str,
) -> list[int]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    first = 1
    if title:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        cell = ws.cell(row=1, column=1, value=title)
        cell.font = Font(bold=True, size=14)
        cell.alignment = Alignment(horizontal="center")
        first = 2
    for col, text in enumerate(headers, start=1):
        ws.cell(row=first, column=col, value=text).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = 22 if text in text_columns else 14
    numbers = []
    for i, values in enumerate(rows):
        r = first + 1 + i
        numbers.append(r)
        for col, (header, value) in enumerate(zip(headers, values, strict=True), start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=col, value=value)
            if header in text_columns and isinstance(value, str):
                cell.number_format = "@"
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    save_book(wb, path)
    return numbers


def _plant_missing_account(wishes: list[WishRow], gifts: list[GiftRow]) -> None:
    """An early 资金 wish (funded by the general pool) without 收款账号 (issue 18): ``wishes
    pay`` lists it until ``微心愿账号更正.xlsx`` gives its account. Planted after the
    donations are built, so the random stream, and every other cell, stays as it was."""
    designated = {str(g.cells[5]) for g in gifts if g.cells[5]}
    row = next(
        w
        for w in wishes[20:]
        if not w.plants and w.cells[5] in ("资金", "款", "") and str(w.cells[0]) not in designated
    )
    row.cells[11] = None
    row.plants.append("no 收款账号: wishes pay lists it (missing_account)")


def write_wishes_samples() -> None:
    """The 微心愿 sample files (own random stream: the aid files above stay as they are)."""
    maker = Maker(4)
    wishes = build_wishes(maker)
    first, second = build_donations(maker, wishes)
    _plant_missing_account(wishes, [*first, *second])
    manifest: list[str] = []
    rows = _write_rows(
        OUT / WISH_FILE,
        WISH_TITLE,
        WISH_HEADERS,
        [w.cells for w in wishes],
        {"身份证号", "收款账号", "联系电话", "心愿编号"},
        "心愿登记",
    )
    manifest += [
        f"{WISH_FILE} row {r}: {', '.join(w.plants)}"
        for r, w in zip(rows, wishes, strict=True)
        if w.plants
    ]
    for name, headers, batch in zip(DONATION_FILES, DONATION_HEADERS, (first, second), strict=True):
        rows = _write_rows(
            OUT / name,
            None,
            headers,
            [g.cells for g in batch],
            {"捐赠编号", "定向心愿"},
            "捐赠登记",
        )
        manifest += [
            f"{name} row {r}: {', '.join(g.plants)}"
            for r, g in zip(rows, batch, strict=True)
            if g.plants
        ]
    print(f"wrote {WISH_FILE} ({len(wishes)} wishes) and {len(first)} + {len(second)} donations")
    for line in manifest:
        print("  " + line)


if __name__ == "__main__":
    # ``python scripts/make_sample_data.py wishes`` writes only the 微心愿 files.
    if sys.argv[1:] == ["wishes"]:
        write_wishes_samples()
    else:
        main()
        write_wishes_samples()
