"""The application workbook's columns and accepted values (aid.md, "Columns")."""

from __future__ import annotations

from zjk_charity.workbook.reader import ColumnSpec

COUNTY = "县(区)"
ID = "身份证号"
NAME = "姓名"
ACCOUNT = "银行账号"
CERTIFICATE = "认证截图"
HOLDER = "户名"

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("序号", False, ("编号",)),
    ColumnSpec(COUNTY, True, ("县区", "所属县区", "县/区")),
    ColumnSpec("乡镇(街道)", False, ("乡镇", "乡(镇)")),
    ColumnSpec("村(社区)", False, ("村", "村居")),
    ColumnSpec(NAME, True, ("申请人姓名",)),
    ColumnSpec("性别", False),
    ColumnSpec(ID, True, ("身份证号码", "公民身份号码", "身份证")),
    ColumnSpec("年龄", False),
    ColumnSpec("户号", False, ("户编号", "户籍编号", "家庭编号")),
    ColumnSpec("人员类别", True, ("救助类别", "供养类别")),
    ColumnSpec("供养方式", True, ("供养形式",)),
    ColumnSpec("生活自理能力", False, ("自理能力", "失能情况", "失能等级")),
    ColumnSpec("开户银行", False, ("开户行",)),
    ColumnSpec(ACCOUNT, True, ("银行卡号", "账号", "卡(折)号")),
    # Optional (integrity.md ACCOUNT_HOLDER_MISMATCH): whose name the account is in.
    ColumnSpec(HOLDER, False, ("开户人", "开户人姓名", "账户名", "账户名称", "持卡人")),
    ColumnSpec("联系电话", False, ("电话", "手机号")),
    ColumnSpec(CERTIFICATE, True, ("特困认证截图", "特困供养人员认证截图", "认证材料")),
    ColumnSpec("申请日期", False, ("填报日期",)),
    ColumnSpec("往年受助年份", False, ("曾受助年份",)),
    ColumnSpec("特殊情况说明", False, ("例外说明",)),
    ColumnSpec("备注", False),
)

# The vocabulary of real forms (integrity.md): every wording below reads as its
# canonical value. 农村五保 / 五保户 is the older name of 农村特困人员.
# 人员类别
RURAL_TEKUN = frozenset({"农村特困人员", "农村特困", "农村特困供养人员", "农村五保", "五保户"})
URBAN_TEKUN = frozenset({"城市特困人员", "城市特困", "城镇特困人员"})
# 供养方式
DISPERSED = frozenset({"分散供养", "分散", "居家供养"})
CONCENTRATED = frozenset({"集中供养", "集中", "机构供养"})
# 生活自理能力 → 失能 / 半失能 / 自理
CARE_LEVELS: dict[str, str] = {
    **dict.fromkeys(("完全丧失生活自理能力", "完全丧失", "完全失能", "失能", "全护理"), "失能"),
    **dict.fromkeys(
        ("部分丧失生活自理能力", "部分丧失", "部分失能", "半失能", "半护理", "部分自理"),
        "半失能",
    ),
    **dict.fromkeys(("具备生活自理能力", "具备", "完全自理", "全自理", "自理", "能自理"), "自理"),
}
SEXES: dict[str, str] = {"男": "男", "男性": "男", "女": "女", "女性": "女"}

# Drop-down lists of the blank template (aid template).
CATEGORY_CHOICES = ("农村特困人员", "城市特困人员")
SUPPORT_CHOICES = ("分散供养", "集中供养")
CARE_CHOICES = ("完全丧失生活自理能力", "部分丧失生活自理能力", "具备生活自理能力")
