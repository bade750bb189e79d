"""Finding codes, their severities and messages (Chinese and English).

A finding is a problem in the data: it is collected, never raised. Codes are stable
identifiers that other tools script against (aid.md, wishes.md); the messages are
templates filled from a finding's ``params``. No template may include a full ID or
account number.

A code may have more than one wording when one code covers several cases (aid.md's
ID_INVALID_FORMAT: a wrong length, or first two digits that are no province): a finding
names its wording with the ``variant`` parameter, and a finding without one (every
finding stored before the variant existed) keeps the code's first wording.

A variant may also carry its own severity (``Code.variant_severity``): the code stays
the same fact, but one case of it is only a warning. The one so far is ID_BAD_CHECKSUM's
``kept`` wording: ``aid history import`` keeps an old list's row whose ID fails only its
check character (integrity.md), so there it is a warning, not the error it is on an
application form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    severity: Severity
    zh: str
    en: str
    # Other wordings of the same code: variant name -> (zh, en); see the module docstring.
    variants: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)
    # Variants whose severity is not the code's (see the module docstring).
    variant_severity: dict[str, Severity] = field(default_factory=dict, compare=False)

    def severity_of(self, variant: object = None) -> Severity:
        """The severity of a finding with this ``variant`` parameter."""
        found = self.variant_severity.get(variant) if isinstance(variant, str) else None
        return found or self.severity

    def template(self, lang: str, variant: object = None) -> str:
        """The message template in ``lang`` for a finding's ``variant`` parameter."""
        chosen = self.variants.get(variant) if isinstance(variant, str) else None
        zh, en = chosen or (self.zh, self.en)
        return en if lang == "en" else zh

    def wordings(self) -> list[tuple[str, str]]:
        """Every (zh, en) wording of the code, the default first."""
        return [(self.zh, self.en), *self.variants.values()]


E, W = Severity.ERROR, Severity.WARNING

CODES: dict[str, Code] = {
    "COLUMN_MISSING": Code(
        E,
        "缺少必填列“{column}”，本工作表的数据未检查；请在表头行加上此列",
        "required column '{column}' is missing; this sheet's rows were not checked",
    ),
    "MISSING_FIELD": Code(E, "“{column}”未填写", "'{column}' is blank"),
    "PRECISION_LOST": Code(
        E,
        "“{column}”以数字格式保存，Excel 只保留 15 位有效数字，后几位已丢失；"
        "请将该列设为文本格式后重新录入",
        "'{column}' is stored as a number; Excel kept only 15 digits, so the last digits "
        "are lost: format the column as text and re-enter it",
    ),
    "ID_INVALID_FORMAT": Code(
        E,
        "身份证号格式不对：应为 18 位（17 位数字加 1 位数字或 X），现为 {length} 位",
        "ID number must be 18 characters (17 digits and a digit or X); it has {length}",
        {
            "province": (
                "身份证号格式不对：前两位“{province}”不是省级行政区划代码（河北为 13），"
                "请对照身份证核对",
                "the ID's first two digits '{province}' are not a province code "
                "(Hebei is 13); compare it with the ID card",
            )
        },
    ),
    "ID_OLD_FORMAT": Code(
        W,
        "15 位旧身份证号，已按规则升位为 18 位（尾号 {tail}），请核对",
        "old 15-digit ID, upgraded to 18 digits (ending {tail}); please check",
    ),
    "ID_BAD_CHECKSUM": Code(
        E,
        "身份证号校验位错误，可能有录入错误，请对照身份证核对",
        "the ID's check character is wrong; compare it with the ID card",
        {
            "kept": (
                "身份证号校验位错误（尾号 {tail}），已保留此行，只用于“可能是往年受助人”的比对",
                "the ID's check character is wrong (ending {tail}); the row is kept, and is "
                "only compared as 'likely the same person'",
            )
        },
        {"kept": W},
    ),
    "ID_BAD_BIRTHDATE": Code(
        E,
        "身份证号中的出生日期不存在或晚于基准日",
        "the birth date in the ID is not a real date or is after the reference date",
    ),
    "UNKNOWN_COUNTY": Code(
        E,
        "“{value}”不是张家口市的县（区）",
        "'{value}' is not a county or district of Zhangjiakou",
    ),
    "NOT_RURAL": Code(
        E,
        "人员类别为“{value}”：本活动只资助农村特困人员",
        "category '{value}': only rural 特困 people are eligible",
    ),
    "NOT_TEKUN": Code(
        E,
        "人员类别为“{value}”：不是特困人员，不在资助范围",
        "category '{value}' is not 特困 (extreme poverty); not eligible",
    ),
    "NOT_DISPERSED": Code(
        E,
        "供养方式为“{value}”：集中供养人员不在资助范围，只资助分散供养",
        "support '{value}': people in care institutions are not eligible",
    ),
    "INVALID_VALUE": Code(
        E,
        "“{column}”的值“{value}”不在可选范围内（可填：{allowed}）",
        "'{column}' value '{value}' is not one of: {allowed}",
    ),
    "CERTIFICATE_MISSING": Code(
        E,
        "未填写特困供养人员认证截图",
        "the 特困 certificate screenshot is not given",
    ),
    "CERTIFICATE_NOT_FOUND": Code(
        E,
        "认证截图“{value}”{reason_zh}；请补齐附件或改正文件名",
        "certificate '{value}' {reason_en}",
    ),
    "BANK_ACCOUNT_INVALID": Code(
        E,
        "银行账号应为 12–30 位数字（去掉空格和短横线后），现为“{shape}”",
        "bank account must be 12–30 digits once spaces and hyphens are removed; got '{shape}'",
    ),
    "DUPLICATE_PERSON": Code(
        E,
        "同一身份证号已在本次活动中出现：{where}",
        "the same ID already appears in this campaign: {where}",
    ),
    "BANK_ACCOUNT_CHECKSUM": Code(
        W,
        "银联卡号校验（Luhn）未通过，请核对卡号（部分卡可能例外）",
        "the card number fails the Luhn check; please check it (a few cards are exceptions)",
    ),
    "HOUSEHOLD_SHARED": Code(
        W,
        "与 {count} 名申请人同户（户号 {household}），每户只能资助 1 人",
        "shares household {household} with {count} other applicant(s); one per household",
    ),
    "REPEAT_RECIPIENT": Code(
        W,
        "往年已受助（{years}），原则上不再重复资助；确需资助请填写特殊情况说明",
        "aided before ({years}); not aided again unless an exception is recorded",
    ),
    "AGE_MISMATCH": Code(
        W,
        "填写年龄 {stated} 岁，按身份证计算为 {computed} 岁",
        "stated age {stated}, the ID gives {computed}",
    ),
    "SEX_MISMATCH": Code(
        W,
        "填写性别“{stated}”，身份证显示为“{computed}”",
        "stated sex '{stated}', the ID says '{computed}'",
    ),
    "CARE_LEVEL_UNKNOWN": Code(
        W,
        "生活自理能力“{value}”无法识别，按“自理”处理",
        "care level '{value}' not recognised; treated as 自理 (self-caring)",
    ),
    "DATE_INVALID": Code(
        W,
        "日期“{value}”无法识别，请写成 2025-10-08 或 2025年10月8日",
        "date '{value}' cannot be read; write it as 2025-10-08",
    ),
    "PHONE_INVALID": Code(
        W,
        "联系电话“{value}”既不是 11 位手机号，也不是带区号的座机号",
        "phone '{value}' is neither an 11-digit mobile nor a landline with area code",
    ),
    # Integrity screening (integrity.md): checks against the reference lists and across
    # people. Each names the list or the other record, never a full ID or account.
    "DECEASED": Code(
        E,
        "死亡（殡葬）名单“{list}”记载此人已于 {date} 去世，不能资助；如系误登，请核实后更正名单",
        "the deaths list '{list}' records this person as died on {date}; not eligible",
    ),
    "IN_INSTITUTION": Code(
        E,
        "集中供养名单“{list}”记载此人在“{institution}”集中供养，不属于分散供养，不在资助范围",
        "the care-home list '{list}' has this person in '{institution}' (集中供养); not eligible",
    ),
    "NOT_IN_ROSTER": Code(
        E,
        "不在{county}特困人员名册“{list}”中；请核实是否为在册的农村分散供养特困人员",
        "not in {county}'s roster of 特困 people ('{list}'); check that the person is registered",
        {
            "elsewhere": (
                "不在{county}特困人员名册中，名册“{list}”登记在{other}；请核实户籍所在县（区）",
                "not in {county}'s roster of 特困 people; the roster '{list}' has the person "
                "in {other}",
            )
        },
    ),
    "ROSTER_NAME_MISMATCH": Code(
        W,
        "特困人员名册“{list}”中此身份证号的姓名为“{roster_name}”，申请表填写“{name}”；请核对",
        "the roster '{list}' has this ID under the name '{roster_name}', the form says '{name}'",
    ),
    "STAFF_RELATIVE": Code(
        W,
        "近亲属备案“{list}”：系{staff}的{relation}；须经民主评议并公示，复核后用 aid accept 记录",
        "relatives register '{list}': {relation} of staff member {staff}; review it and record "
        "the review with aid accept",
    ),
    "ACCOUNT_SHARED": Code(
        E,
        "银行账号 {account} 也是另外 {count} 名不同户申请人的账号（如 {where}）；"
        "资金应发到申请人本人账户，请核实是否人卡分离",
        "bank account {account} is also given for {count} applicant(s) of other households "
        "(e.g. {where}); the money must go to the applicant's own account",
    ),
    "ACCOUNT_HOLDER_MISMATCH": Code(
        W,
        "户名“{holder}”与申请人“{name}”不一致；资金应发到申请人本人账户，请核实",
        "account holder '{holder}' is not the applicant '{name}'; the account must be the "
        "applicant's own",
    ),
    "PHONE_SHARED": Code(
        W,
        "联系电话 {phone} 有 {count} 户申请人共用（超过 {limit} 户）；请核实是否代办或代管",
        "phone {phone} is given by {count} households (more than {limit}); check who holds it",
    ),
    "POSSIBLE_REPEAT": Code(
        W,
        "可能是往年受助人：{year} 年名单中的“{other_name}”（{other_id}）；{why}；"
        "若是同一人，按重复受助处理",
        "possibly an earlier recipient: '{other_name}' ({other_id}) in the {year} list; "
        "{why}; if it is the same person, treat as a repeat",
    ),
    "POSSIBLE_DUPLICATE": Code(
        W,
        "可能与 {where} 的“{other_name}”（{other_id}）是同一人：{why}；请核实，同一人只能申请一次",
        "possibly the same person as '{other_name}' ({other_id}) at {where}: {why}",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One problem in one cell (or row, or sheet) of one file."""

    file: str
    sheet: str
    row: int | None
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity_of(self.params.get("variant"))

    def message(self, lang: str = "zh") -> str:
        return render_message(self.code, self.params, lang)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message(lang),
        }


def place(file: str, sheet: str, row: int, lang: str = "zh") -> str:
    """A row as messages name it: 张北县.xlsx「公会镇」第 5 行, or in English
    张北县.xlsx, sheet 公会镇, row 5."""
    if lang == "en":
        return f"{file}, sheet {sheet}, row {row}"
    return f"{file}「{sheet}」第 {row} 行"


def place_params(file: str, sheet: str, row: int) -> dict[str, str]:
    """The ``where`` and ``where_en`` parameters of a finding that names another row."""
    return {"where": place(file, sheet, row), "where_en": place(file, sheet, row, "en")}


def render_message(code: str, params: dict[str, Any], lang: str = "zh") -> str:
    return format_message(CODES[code], params, lang)


def format_message(spec: Code, params: dict[str, Any], lang: str = "zh") -> str:
    """A code's message in ``lang``, in the wording the finding's params name.

    In English a parameter ``X_en`` stands in for ``X`` (a place written "张北县.xlsx
    [公会镇] row 5" instead of "…「公会镇」第 5 行"); findings stored without it keep ``X``.
    """
    template = spec.template(lang, params.get("variant"))
    if lang == "en":
        params = {**params, **{k[:-3]: v for k, v in params.items() if k.endswith("_en")}}
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
