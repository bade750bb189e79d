"""The wishes and donations workbooks: columns and accepted values (wishes.md)."""

from __future__ import annotations

from zjk_charity.workbook.reader import ColumnSpec

# 心愿登记表
WISH_ID = "心愿编号"
COUNTY = "县(区)"
CHILD = "儿童姓名"
ID = "身份证号"
CATEGORY = "困境类别"
WISH_KIND = "心愿类型"
CONTENT = "心愿内容"
AMOUNT = "金额"
REGISTERED = "登记日期"
GUARDIAN = "监护人"
PHONE = "联系电话"
ACCOUNT = "收款账号"

WISH_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(WISH_ID, True, ("编号",)),
    ColumnSpec(COUNTY, True, ("县区",)),
    ColumnSpec(CHILD, True, ("姓名",)),
    ColumnSpec(ID, True, ("儿童身份证号", "身份证号码")),
    ColumnSpec(CATEGORY, True, ("儿童类别",)),
    ColumnSpec(WISH_KIND, False, ("类型",)),
    ColumnSpec(CONTENT, True, ("心愿",)),
    ColumnSpec(AMOUNT, False, ("心愿金额", "所需金额")),
    ColumnSpec(REGISTERED, True, ("提交日期", "申请日期")),
    ColumnSpec(GUARDIAN, False),
    ColumnSpec(PHONE, False),
    ColumnSpec(ACCOUNT, False, ("银行账号",)),
)

# 捐赠登记表
DONATION_ID = "捐赠编号"
DONOR = "捐赠人"
DONATION_KIND = "捐赠类型"
GOODS = "物资名称"
FOR_WISH = "定向心愿"
FOR_CATEGORY = "定向类别"
FOR_COUNTY = "定向县区"
RECEIVED = "到账日期"
NOTE = "备注"

DONATION_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(DONATION_ID, True, ("编号",)),
    ColumnSpec(DONOR, False, ("捐赠方", "爱心人士")),
    ColumnSpec(DONATION_KIND, False, ("类型",)),
    ColumnSpec(AMOUNT, True, ("捐赠金额", "折合金额", "折合人民币")),
    ColumnSpec(GOODS, False),
    ColumnSpec(FOR_WISH, False, ("指定心愿编号",)),
    ColumnSpec(FOR_CATEGORY, False),
    ColumnSpec(FOR_COUNTY, False),
    ColumnSpec(RECEIVED, True, ("捐赠日期",)),
    ColumnSpec(NOTE, False),
)

# 困境类别: every accepted spelling → the canonical name.
CATEGORIES: dict[str, str] = {
    "孤儿": "孤儿",
    "事实无人抚养儿童": "事实无人抚养儿童",
    "农村留守儿童": "农村留守儿童",
    "留守儿童": "农村留守儿童",
    "低保救助儿童": "低保救助儿童",
    "低保儿童": "低保救助儿童",
    "残疾儿童": "残疾儿童",
    "享受残疾人两项补贴的儿童": "残疾儿童",
    "两项补贴儿童": "残疾儿童",
    "其他困境儿童": "其他困境儿童",
}
CATEGORY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(CATEGORIES.values()))
LEFT_BEHIND = "农村留守儿童"

CASH, GOODS_KIND = "资金", "物资"
# 心愿类型 and 捐赠类型: 资金 (also 款, 现金) or 物资 (also 物).
KINDS: dict[str, str] = {
    "资金": CASH,
    "款": CASH,
    "现金": CASH,
    "物资": GOODS_KIND,
    "物": GOODS_KIND,
}

ANONYMOUS = "匿名"
CHILD_AGE_LIMIT = 18
LEFT_BEHIND_AGE_LIMIT = 16
