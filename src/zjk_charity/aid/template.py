"""``aid template``: the blank application workbook a county fills."""

from __future__ import annotations

from pathlib import Path

from zjk_charity import counties
from zjk_charity.aid import columns as col
from zjk_charity.workbook.writer import Column, PrintSetup, SheetSpec, new_book

TEMPLATE_ROWS = 500
_TEXT = {col.ID, col.ACCOUNT, "联系电话", "户号", "往年受助年份"}
_NOTES = (
    "1. 每行填写一名申请人；每户只能申报 1 人。",
    "2. 只限农村分散供养特困人员；城市特困、集中供养、低保对象不在资助范围。",
    "3. 身份证号、银行账号请按文本填写（本表已设为文本格式），切勿改成数字格式，否则后几位会丢失。",
    "4. 生活自理能力按特困人员认定记录选择；失能、半失能老人优先。",
    "5. 认证截图填写附件文件名（PNG/JPEG/PDF），附件随表报送。",
    "6. 往年已受助人员原则上不再资助；确需资助的，请在“特殊情况说明”中写明理由。",
    "7. 户名可不填；填写时照抄银行卡（折）上的户名。账户不是申请人本人的（代管、他人账户），"
    "须如实填写户名并在“特殊情况说明”中写明：资金应发到申请人本人账户。",
)


def _year_notes(year: int) -> tuple[str, ...]:
    """The lines that carry the campaign year: the deadline and how to write 申请日期."""
    return (
        f"8. 申请日期写成 {year}-10-08 或 {year}年10月8日 这样的日期。",
        f"9. 请于 {year} 年 10 月 20 日前报市福彩中心。",
    )


def write_template(target: Path, year: int) -> Path:
    """The blank {year}年 application workbook: 申请表 (titled with the campaign year,
    drop-down lists, text columns for IDs and accounts) and 填表说明."""
    choices = {
        col.COUNTY: [c.name for c in counties.COUNTIES],
        "人员类别": list(col.CATEGORY_CHOICES),
        "供养方式": list(col.SUPPORT_CHOICES),
        "生活自理能力": list(col.CARE_CHOICES),
        "性别": ["男", "女"],
    }
    columns = [Column(c.name, 20 if c.name in _TEXT else 12, c.name in _TEXT) for c in col.COLUMNS]
    with new_book(target) as book:
        sheet = book.sheet(
            SheetSpec(
                "申请表",
                columns,
                title=f"{year}年福彩暖冬活动申请审批表",
                print_setup=PrintSetup(title=f"{year}年福彩暖冬活动申请审批表"),
            )
        )
        for position, spec in enumerate(col.COLUMNS):
            if spec.name in choices:
                book.add_list_validation(sheet, position, choices[spec.name], TEMPLATE_ROWS)
        notes = book.sheet(
            SheetSpec(
                "填表说明",
                [Column("填表说明", 100)],
                print_setup=None,
                autofilter=False,
                freeze=False,
            )
        )
        for line in (*_NOTES, *_year_notes(year)):
            notes.write([line])
        required = "、".join(c.name for c in col.COLUMNS if c.required)
        notes.write([f"必填列：{required}"])
    return target
