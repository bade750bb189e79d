"""Terminal output never loses a character, at any width (issue 15).

Every finding message of both code tables, the summary tables and an error message are
rendered through the real console (``cli.layout.Screen``) at 40–120 columns, and every
character must come out, in order; only the spaces and newlines the layout adds differ.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.table import Table
from typer.testing import CliRunner

from conftest import good_row, make_id, run_validate, write_workbook
from zjk_charity.cli.common import SHOWN
from zjk_charity.cli.layout import Screen, cells, line_spans, print_findings, wrap
from zjk_charity.cli.main import app
from zjk_charity.cli.render import render_validation
from zjk_charity.findings import CODES, Finding
from zjk_charity.wishes.codes import WISH_CODES, WishFinding

WIDTHS = (40, 60, 80, 100, 120)
runner = CliRunner()

# Realistic long values for every placeholder a message template has (a new placeholder
# fails test_every_placeholder_has_a_long_value until it is added here).
LONG_PARAMS: dict[str, Any] = {
    "column": "特殊情况说明（请写明原因）",
    "value": "农村特困供养人员（分散供养，完全丧失生活自理能力）",
    "allowed": "孤儿、事实无人抚养儿童、农村留守儿童、低保救助儿童、残疾儿童、其他困境儿童",
    "length": 17,
    "tail": "352X",
    "reason_zh": "在认证截图文件夹中找不到（已查找 .png、.jpg、.jpeg 和 .pdf）",
    "reason_en": "is not in the attachments folder (looked for .png, .jpg, .jpeg and .pdf)",
    "shape": "16 位数字和 3 个其他字符",
    "where": "张北县（第二批修改稿）.xlsx「公会镇」第 1024 行",
    "where_en": "张北县（第二批修改稿）.xlsx, sheet 公会镇, row 1024",
    "count": 12,
    "household": "ZB-2025-000123-甲",
    "years": "2019年、2021年、2023年、2024年",
    "stated": "女（据村委会登记）",
    "computed": "男",
    "year": 2025,
    "wish": "XY20250255",
    "age": 17,
    "province": "99",
    "list": "张家口市2025年第三季度殡葬火化登记（民政局导出，含已注销户籍）.xlsx",
    "date": "2025-09-03",
    "institution": "张北县社会福利中心（张北县中心敬老院）第二分院",
    "county": "察北管理区",
    "other": "塞北管理区",
    "roster_name": "欧阳建国（曾用名欧阳建军）",
    "name": "欧阳建军",
    "staff": "公会镇人民政府社会事务办公室工作人员王某某、村委会主任李某某",
    "relation": "配偶的兄弟姐妹之子女",
    "account": "6217…1234",
    "holder": "张北县公会镇某某村村民委员会（代管）",
    "phone": "138****1234",
    "limit": 3,
    "other_name": "欧阳建国（曾用名欧阳建军）",
    "other_id": "130722…1234，第 15 位 3≠8",
    "why": "同县、出生日期与性别相同，姓名同音（张/章）且身份证号第 15、16 位对调（38/83）",
    "why_en": "same county, birth date and sex; names sound alike (张/章); ID digits 15 and "
    "16 swapped (38/83)",
}
ALL_CODES = {**CODES, **WISH_CODES}


def _screen(width: int) -> tuple[Screen, io.StringIO]:
    buffer = io.StringIO()
    out = Screen(file=buffer, width=width, highlight=False, markup=False, emoji=False)
    return out, buffer


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _findings() -> list[Finding]:
    """One finding per wording of every code: a code's variants (e.g. ID_INVALID_FORMAT's
    province message) are chosen by the ``variant`` parameter."""
    return [
        WishFinding(
            "/data/2025/张北县（第二批修改稿）.xlsx",
            "公会镇",
            1024,
            "特殊情况说明",
            code,
            {**LONG_PARAMS, **({"variant": variant} if variant else {})},
        )
        for code in sorted(ALL_CODES)
        for variant in [None, *getattr(ALL_CODES[code], "variants", {})]
    ]


def test_every_placeholder_has_a_long_value() -> None:
    names = {
        name
        for spec in ALL_CODES.values()
        for wording in [(spec.zh, spec.en), *getattr(spec, "variants", {}).values()]
        for template in wording
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
    assert names <= set(LONG_PARAMS), names - set(LONG_PARAMS)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_finding_message_comes_out_whole(width: int, lang: str) -> None:
    findings = _findings()
    out, buffer = _screen(width)
    assert print_findings(out, findings, lang, None) == 0
    shown = buffer.getvalue()
    squeezed = _squeezed(shown)
    for f in findings:
        message = f.message(lang)
        assert "{" not in message, message  # every placeholder was filled
        assert _squeezed(message) in squeezed, (f.code, message)
        assert f.code in shown
    for line in shown.splitlines():
        assert cells(line) <= width, line


@pytest.mark.parametrize("width", WIDTHS)
def test_the_reported_message_keeps_every_character_at_any_width(width: int) -> None:
    # The message of issue 15: at 80 columns rich printed "Excel 只保 / 15 / 位有效数字".
    finding = Finding(
        "张北县.xlsx", "公会镇", 32, "身份证号", "PRECISION_LOST", {"column": "身份证号"}
    )
    out, buffer = _screen(width)
    print_findings(out, [finding], "zh", None)
    assert "Excel只保留15位有效数字，后几位已丢失" in _squeezed(buffer.getvalue())


def test_the_cli_at_80_columns_shows_the_whole_message(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "张北县.xlsx", [good_row(身份证号=130722194001011230)])
    result = runner.invoke(
        app,
        ["aid", "validate", str(book), "--year", "2025", "--no-workbook", "-w", str(tmp_path)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 1
    assert "Excel只保留15位有效数字，后几位已丢失；请将该列设为文本格式后重新录入" in _squeezed(
        result.output
    )
    assert max(cells(line) for line in result.output.splitlines()) <= 80


HEADERS = {
    "zh": ("县(区)", "申请人数", "候选人数", "名额", "资助人数", "资助金额", "候补"),
    "en": ("county", "applicants", "candidates", "quota", "funded", "amount", "waitlist"),
}


def _county_table(lang: str) -> Table:
    table = Table(title="2025年福彩暖冬名额分配（分配编号 12345）" if lang == "zh" else "By county")
    for header in HEADERS[lang]:
        table.add_column(header, justify="right")
    table.add_row("察北管理区", "100000", "99999", "81000", "81000", "81000000.00", "18999")
    table.add_row("张家口经济开发区", "3", "2", "1", "1", "1000.00", "1")
    table.add_row(
        "合计", "100003", "100001", "81001", "81001", "81001000.00", "19000", style="bold"
    )
    return table


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_a_summary_table_loses_no_cell_at_any_width(width: int, lang: str) -> None:
    out, buffer = _screen(width)
    table = _county_table(lang)
    cells_in = [str(c) for column in table.columns for c in column.cells]
    out.print(table)
    shown = buffer.getvalue()
    for value in cells_in:
        assert value in shown, (value, shown)  # whole, on one line
    for header in HEADERS[lang][1:]:  # a record is named by its first cell alone
        assert header in shown
    for line in shown.splitlines():
        assert cells(line) <= width, line
    if width == 40:  # too narrow for the table: one record per row
        pair = "申请人数：100000" if lang == "zh" else "applicants: 100000"
        assert pair in shown and "┃" not in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_the_validation_summary_and_findings_at_any_width(tmp_path: Path, width: int) -> None:
    rows = [good_row(户号="ZB-甲-001"), good_row(户号="ZB-甲-001", 身份证号="130722194001011239")]
    rows += [good_row(供养方式="集中供养（县敬老院，2024年起）")]
    result = run_validate(tmp_path, write_workbook(tmp_path / "张家口市察北管理区.xlsx", rows))
    assert result.findings
    out, buffer = _screen(width)
    render_validation(out, result, "zh", [], None)
    shown = buffer.getvalue()
    for f in result.findings:
        assert _squeezed(f.message("zh")) in _squeezed(shown)
    for county, t in result.by_county().items():
        assert county in shown and str(t.rows) in shown
    for line in shown.splitlines():
        assert cells(line) <= width, line


def test_long_lists_show_the_first_rows_and_say_how_many_more(tmp_path: Path) -> None:
    rows = [good_row(序号=i, 联系电话="12345", 身份证号=make_id(seq=f"{i:03d}")) for i in range(60)]
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    args = ["aid", "validate", str(book), "--year", "2025", "-w", str(tmp_path)]
    found = json.loads(runner.invoke(app, [*args, "--no-workbook", "--json"]).stdout)
    total = len(found["findings"])
    assert total > SHOWN
    short = runner.invoke(app, [*args, "--no-workbook"])
    assert f"问题清单（{total} 个，以下是前 {SHOWN} 个）" in short.output
    assert f"另有 {total - SHOWN} 个问题未显示：加 --all 全部列出" in short.output
    first = [f["code"] for f in found["findings"][:SHOWN]]
    assert short.output.count("PHONE_INVALID") == 1 + first.count("PHONE_INVALID")  # + codes
    full = runner.invoke(app, [*args, "--no-workbook", "--all"])
    every = [f["code"] for f in found["findings"]]
    assert full.output.count("PHONE_INVALID") == 1 + every.count("PHONE_INVALID")
    assert "未显示" not in full.output
    marked = runner.invoke(app, [*args, "--out", str(tmp_path / "m.xlsx")])
    assert "标注工作簿的“问题清单”表列出全部问题" in marked.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_error_at_40_columns_keeps_every_character(tmp_path: Path, lang: str) -> None:
    missing = tmp_path / "张家口市察北管理区（2025年第二批修改稿）.xlsx"
    result = runner.invoke(
        app,
        ["aid", "validate", str(missing), "--lang", lang, "-w", str(tmp_path)],
        env={"COLUMNS": "40"},
    )
    assert result.exit_code == 2
    assert str(missing) in result.output  # the path whole, to copy
    expected = "文件不存在，请检查路径和文件名" if lang == "zh" else "nosuchfile;checkthepath"
    assert expected in _squeezed(result.output)
    for line in result.output.splitlines():
        assert cells(line) <= 40 or str(missing) in line, line


# ---- the wrapping rule -------------------------------------------------------------------
TEXT = st.lists(
    st.sampled_from(
        [
            *"申请人身份证号张北县公会镇一二三，。；：（）“”、abcXYZ0123456789 .,-/\n",
            *["Excel", "2025", "张北县.xlsx", "/tmp/a/b.csv", "  ", "\t"],
        ]
    ),
    max_size=120,
).map("".join)


@given(TEXT, st.integers(min_value=2, max_value=130))
def test_wrapping_keeps_every_character_in_order(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert _squeezed("".join(lines)) == _squeezed(text)
    spans = line_spans(text, width)
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)
    # Only spaces and newlines are ever left out between lines.
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert text[end:start].strip() == ""


@given(
    st.lists(
        st.sampled_from(["申请", "身份证号", "，", "。", "张北县", "（县）", " ", "Excel ", "15 "]),
        max_size=80,
    ),
    st.integers(min_value=10, max_value=130),
)
def test_chinese_text_never_passes_the_width(words: list[str], width: int) -> None:
    text = "".join(words)
    for line in wrap(text, width):
        assert cells(line) <= width, (line, width)


def test_closing_marks_never_start_a_line() -> None:
    text = "人员类别为“城市特困人员”：本活动只资助农村特困人员，请核对。"
    for width in range(6, 60):  # 员”： is 5 cells that stay together
        for line in wrap(text, width)[1:]:
            assert line[0] not in "，。：”）", (width, line)


def test_a_path_and_a_file_name_stay_whole() -> None:
    text = "已写出：/tmp/工作目录/out/校验结果-张北县.xlsx，同一身份证号已在康保县.xlsx「公会镇」第 6 行"
    lines = wrap(text, 24)
    assert "/tmp/工作目录/out/校验结果-张北县.xlsx，" in lines
    assert any("康保县.xlsx" in line for line in lines)


def test_control_characters_are_shown_not_sent() -> None:
    out, buffer = _screen(80)
    out.print("值“\x1b[31m红\x07”")
    table = _county_table("zh")
    table.add_row("\x1b[2J清屏", "1", "1", "1", "1", "1000.00", "0")
    out.print(table)
    shown = buffer.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b[31m红\\x07" in shown and "\\x1b[2J清屏" in shown


def test_a_file_or_pipe_gets_whole_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without COLUMNS, output that is not a terminal is not wrapped: one message a line,
    # for grep and for the viewer's own wrapping; tables keep their natural width.
    from zjk_charity.cli.common import console

    monkeypatch.delenv("COLUMNS", raising=False)
    buffer = io.StringIO()
    monkeypatch.setattr("sys.stdout", buffer)
    long = "同一身份证号已在本次活动中出现：" * 10
    out = console()
    out.print(long)
    out.print(_county_table("zh"))
    lines = buffer.getvalue().splitlines()
    assert lines[0] == long
    assert any("┃" in line and "候补" in line for line in lines)
    monkeypatch.setenv("COLUMNS", "40")
    out = console()
    out.print(long)
    assert all(cells(line) <= 40 for line in buffer.getvalue().splitlines()[len(lines) :])


def test_a_columns_setting_too_small_to_print_in_still_shows_the_message(tmp_path: Path) -> None:
    # rich prints nothing at all at width 0: not even the error a user must read.
    result = runner.invoke(
        app, ["aid", "export", "--year", "2019", "-w", str(tmp_path)], env={"COLUMNS": "0"}
    )
    assert result.exit_code == 2
    assert "还没有分配结果" in _squeezed(result.output)
