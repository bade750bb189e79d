"""The 福彩暖冬 report: its figures, charts, page context and tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid.allocation_book import rule_in_words
from zjk_charity.config import PriorityClass, Workspace
from zjk_charity.reports.aid_figures import aid_report_data
from zjk_charity.reports.campaign import Content
from zjk_charity.reports.charts import bar_chart
from zjk_charity.reports.render import write_xlsx
from zjk_charity.workbook.widths import one_line_width
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
    # Integrity screening (integrity.md)
    "DECEASED": "已去世（死亡名单）",
    "IN_INSTITUTION": "集中供养（机构名单）",
    "NOT_IN_ROSTER": "不在特困人员名册",
    "ROSTER_NAME_MISMATCH": "与名册姓名不符",
    "STAFF_RELATIVE": "工作人员近亲属",
    "ACCOUNT_SHARED": "不同户共用银行账号",
    "ACCOUNT_HOLDER_MISMATCH": "户名与申请人不符",
    "PHONE_SHARED": "多户共用电话",
    "POSSIBLE_REPEAT": "疑似往年受助",
    "POSSIBLE_DUPLICATE": "疑似同一人重复申请",
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


STATE_HEADERS = (
    ("paid", "已到账"),
    ("cash_paid", "其中现金"),
    ("pending", "待回盘"),
    ("failed", "失败"),
    ("cash_pending", "现金待领"),
    ("unpaid", "未发放"),
)


def batch_kind(batch: dict[str, Any]) -> str:
    """How a batch paid, as the report names it."""
    if batch["method"] == "cash":
        return "现金领取表"
    return "银行代发（重发）" if batch.get("retry") else "银行代发"


def _counted(tally: dict[str, Any]) -> list[Value]:
    return [tally["count"], Decimal(tally["amount"])]


Table = tuple[str, list[Column], list[list[Value]]]


def _change_tables(f: dict[str, Any]) -> list[Table]:
    ch = f["changes"]
    notices: list[list[Value]] = [
        [n["kind"], n["from"], n["to"], n["days"], n["people"]] for n in f["notices"]
    ]
    changes: list[list[Value]] = [
        *[[f"撤销：{r}", n] for r, n in ch["withdrawn_by_reason"].items()],
        ["撤销合计", ch["withdrawn"]],
        ["递补", ch["backfilled"]],
        ["其中已补充公示", ch["backfilled_posted"]],
        ["未递补的名额", ch["left_empty"]],
    ]
    return [
        (
            "公示期",
            [
                Column(h, w)
                for h, w in (("公示", 12), ("开始", 12), ("结束", 12), ("工作日", 8), ("人数", 8))
            ],
            notices,
        ),
        ("名单调整", [Column("项目", 20), Column("人数", 10)], changes),
    ]


def _payment_tables(f: dict[str, Any]) -> list[Table]:
    p = f["payments"]
    if not p["started"]:
        line = (
            f"尚未发放：台账中还没有 {f['year']} 年的代发批次或现金领取表"
            f"（应发 {p['funded']} 人，{money_text(p['amount'])} 元）"
        )
        return [("资金发放", [Column("说明", 80)], [[line]])]
    states = [("funded", "应发"), *STATE_HEADERS]
    summary: list[list[Value]] = [
        [
            label,
            *_counted(p[key] if key != "funded" else {"count": p["funded"], "amount": p["amount"]}),
        ]
        for key, label in states
    ] + [["重复付款应追回", *_counted(p["double_paid"])]]
    batches: list[list[Value]] = [
        [
            b["code"],
            batch_kind(b),
            "、".join(b["files"]),
            b["count"],
            Decimal(b["amount"]),
            b["date"],
        ]
        for b in p["batches"]
    ]
    # Each header on one line: the sheet is shrunk to the page width, never cut.
    county_columns = [Column("县(区)", 12)] + [
        Column(header, max(10.0, one_line_width([header], bold=True)))
        for _, label in states
        for header in (f"{label}（人）", f"{label}（元）")
    ]
    counties: list[list[Value]] = [
        [c["county"], *[v for key, _ in states for v in _counted(c[key])]] for c in p["counties"]
    ]
    reasons: list[list[Value]] = [
        [r["reason"], r["instructions"], r["people_still_failed"]] for r in p["failure_reasons"]
    ]
    return [
        ("发放概况", [Column("项目", 16), Column("人数", 10), Column("金额（元）", 16)], summary),
        (
            "发放批次",
            [
                Column("批次", 12),
                Column("方式", 16),
                Column("文件", 40),
                Column("笔数", 8),
                Column("金额（元）", 14),
                Column("日期", 12),
            ],
            batches,
        ),
        ("分县发放", county_columns, counties),
        (
            "失败原因",
            [Column("失败原因", 24), Column("失败笔数", 10), Column("仍失败（人）", 12)],
            reasons,
        ),
    ]


def _integrity_tables(f: dict[str, Any]) -> list[Table]:
    """诚信核查: the lists used, the count of each integrity code, the funded people's
    warnings with their reviews (de-identified)."""
    g = f["integrity"]
    lists: list[list[Value]] = [
        [
            x["kind_zh"],
            x["name"],
            x["sha256"],
            x["rows"],
            x["as_of"],
            "在用" if x["in_force"] else "已替换",
        ]
        for x in g["lists"]
    ] or [["未导入参考名单", "", "", None, "", ""]]
    codes: list[list[Value]] = [
        [
            c["code"],
            CODE_TITLES.get(c["code"], ""),
            "错误" if c["severity"] == "error" else "警告",
            c["validate"],
            c["allocate"],
        ]
        for c in g["codes"]
    ]
    warnings: list[list[Value]] = [
        [
            w["county"],
            w["name"],
            w["id"],
            w["code"],
            CODE_TITLES.get(w["code"], ""),
            w["review"]["note"] if w["review"] else "未复核",
            w["review"]["operator"] if w["review"] else "",
            w["review"]["when"] if w["review"] else "",
        ]
        for w in g["warnings"]
    ]
    return [
        (
            "核查名单",
            [
                Column("名单", 16),
                Column("文件", 28),
                Column("SHA-256", 66),
                Column("人数", 8),
                Column("日期", 12),
                Column("状态", 8),
            ],
            lists,
        ),
        (
            "核查结果",
            [
                Column("代码", 26),
                Column("说明", 22),
                Column("级别", 8),
                Column("校验发现", 10),
                Column("分配时复核新增", 16),
            ],
            codes,
        ),
        (
            "警告复核",
            [
                Column("县(区)", 10),
                Column("姓名", 8),
                Column("身份证号", 21),
                Column("代码", 26),
                Column("说明", 20),
                Column("复核意见", 40),
                Column("经办人", 10),
                Column("复核时间", 17),
            ],
            warnings,
        ),
    ]


def _tables(f: dict[str, Any]) -> list[Table]:
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
        *_change_tables(f),
        *_payment_tables(f),
        (
            "历年",
            [Column("年度", 10), Column("受助人数", 12)],
            [[y["year"], y["people"]] for y in f["history"]["by_year"]],
        ),
        *_integrity_tables(f),
    ]


def aid_content(ws: Workspace, year: int) -> Content:
    data = aid_report_data(ws.ledger(), year)
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
            "batch_kind": batch_kind,
            "code_titles": CODE_TITLES,
            "rule": rule_in_words(classes),
        },
        runs=data.runs,
        inputs=data.inputs,
        parameters=data.parameters,
        write_xlsx=xlsx,
    )
