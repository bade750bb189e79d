"""The 福彩暖冬 report: its figures, charts, page context and tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid.allocation_book import rule_in_words
from zjk_charity.config import PriorityClass, Workspace
from zjk_charity.ledger import Ledger
from zjk_charity.reports.aid_figures import aid_report_data
from zjk_charity.reports.campaign import Content
from zjk_charity.reports.charts import bar_chart
from zjk_charity.reports.render import write_xlsx
from zjk_charity.workbook.writer import Column, Value

# Short Chinese names of the finding codes, for the report's table of problems.
CODE_TITLES = {
    "COLUMN_MISSING": "缺少必填列",
    "MISSING_FIELD": "必填项未填",
    "PRECISION_LOST": "号码以数字格式保存、位数丢失",
    "ID_INVALID_FORMAT": "身份证号格式不对",
    "ID_OLD_FORMAT": "15 位旧身份证号",
    "ID_BAD_CHECKSUM": "身份证号校验位错误",
    "ID_BAD_BIRTHDATE": "身份证号出生日期不对",
    "UNKNOWN_COUNTY": "县（区）无法识别",
    "NOT_RURAL": "非农村特困人员",
    "NOT_TEKUN": "非特困人员",
    "NOT_DISPERSED": "非分散供养",
    "INVALID_VALUE": "取值不在可选范围",
    "CERTIFICATE_MISSING": "缺认证截图",
    "CERTIFICATE_NOT_FOUND": "认证截图文件缺失",
    "BANK_ACCOUNT_INVALID": "银行账号格式不对",
    "DUPLICATE_PERSON": "重复申请",
    "BANK_ACCOUNT_CHECKSUM": "卡号校验未通过",
    "HOUSEHOLD_SHARED": "同户多人申请",
    "REPEAT_RECIPIENT": "往年已受助",
    "AGE_MISMATCH": "年龄与身份证不符",
    "SEX_MISMATCH": "性别与身份证不符",
    "CARE_LEVEL_UNKNOWN": "自理能力无法识别",
    "DATE_INVALID": "日期无法识别",
    "PHONE_INVALID": "电话号码不对",
}


def money_text(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def _charts(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "counties": bar_chart(
            "各县（区）资助人数", [(c["county"], c["funded"]) for c in f["counties"]], " 人"
        ),
        "age_bands": bar_chart("受助人年龄段", list(f["age_bands"].items()), " 人"),
        "care_levels": bar_chart("受助人生活自理能力", list(f["care_levels"].items()), " 人"),
    }


def _tables(f: dict[str, Any]) -> list[tuple[str, list[Column], list[list[Value]]]]:
    a = f["applications"]
    summary: list[list[Value]] = [
        ["申请人数", a["rows"]],
        ["校验通过", a["eligible"]],
        ["有错误", a["with_errors"]],
        ["有警告", a["with_warnings"]],
        ["往年已受助未入选", f["excluded"]["REPEAT"]],
        ["同户已有人入选", f["excluded"]["HOUSEHOLD"]],
        ["预算（元）", Decimal(f["budget"])],
        ["每人标准（元）", Decimal(f["per_person"])],
        ["总名额", f["quota_total"]],
        ["资助人数", f["funded"]],
        ["资助金额（元）", Decimal(f["amount"])],
        ["未使用（元）", Decimal(f["unspent"])],
        ["候补人数", f["waitlist"]],
    ]
    counties: list[list[Value]] = [
        [
            c["county"],
            c["code"],
            c["applicants"],
            c["eligible"],
            c["candidates"],
            c["quota"],
            c["funded"],
            Decimal(c["amount"]),
            c["waitlist"],
        ]
        for c in f["counties"]
    ]
    codes: list[list[Value]] = [
        [code, CODE_TITLES.get(code, ""), "错误", n] for code, n in a["errors_by_code"].items()
    ] + [[code, CODE_TITLES.get(code, ""), "警告", n] for code, n in a["warnings_by_code"].items()]
    return [
        ("概况", [Column("项目", 20), Column("数值", 16)], summary),
        (
            "分县",
            [
                Column(h, 10)
                for h in (
                    "县(区)",
                    "代码",
                    "申请",
                    "校验通过",
                    "候选",
                    "名额",
                    "资助",
                    "金额",
                    "候补",
                )
            ],
            counties,
        ),
        (
            "年龄段",
            [Column("年龄段", 14), Column("人数", 10)],
            [list(i) for i in f["age_bands"].items()],
        ),
        (
            "自理能力",
            [Column("生活自理能力", 14), Column("人数", 10)],
            [list(i) for i in f["care_levels"].items()],
        ),
        (
            "问题代码",
            [Column("代码", 24), Column("说明", 28), Column("级别", 8), Column("次数", 8)],
            codes,
        ),
        (
            "历年",
            [Column("年度", 10), Column("受助人数", 12)],
            [[y["year"], y["people"]] for y in f["history"]["by_year"]],
        ),
    ]


def aid_content(ws: Workspace, year: int) -> Content:
    data = aid_report_data(Ledger(ws.ledger_path), year)
    f = data.figures
    title = f"{year}年福彩暖冬活动报告"
    classes = [PriorityClass.model_validate(c) for c in data.parameters["priority"]]

    def xlsx(target: Path) -> None:
        write_xlsx(target, title, _tables(f))

    return Content(
        kind="aid",
        year=year,
        title=title,
        template="aid.html.j2",
        pdf_template="aid.typ",
        figures=f,
        context={
            "subtitle": f"张家口市福利彩票发行中心 · 年龄计算基准日 {data.parameters['as_of']}",
            "charts": _charts(f),
            "money": money_text,
            "code_titles": CODE_TITLES,
            "rule": rule_in_words(classes),
        },
        runs=data.runs,
        inputs=data.inputs,
        parameters=data.parameters,
        write_xlsx=xlsx,
    )
