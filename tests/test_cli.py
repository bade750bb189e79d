"""CLI tests stay thin: exit codes, the message, and --json equal to the library's result."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import connect_ledger, ledger_at, ledger_exists
from zjk_charity import __version__
from zjk_charity.aid.validation import validate
from zjk_charity.cli.main import app
from zjk_charity.ids import check_character

runner = CliRunner()
HEADERS = ["县(区)", "姓名", "身份证号", "人员类别", "供养方式", "银行账号", "认证截图"]


def _id(first17: str) -> str:
    return first17 + check_character(first17)


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申请表"
    sheet.append(["2025年福彩暖冬活动申请审批表"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _good(name: str, first17: str) -> list[object]:
    return [
        "张北县",
        name,
        _id(first17),
        "农村特困人员",
        "分散供养",
        "6217000010000000000",
        "a.png",
    ]


def test_json_is_the_library_result_and_only_stdout(tmp_path: Path) -> None:
    bad = ["张北县", "测甲", "130722194501011230", "农村特困人员", "集中供养", "62170000", ""]
    book = _workbook(tmp_path / "张北县.xlsx", [_good("测乙", "13072219460203124"), bad])
    ws = tmp_path / "ws"
    result = runner.invoke(
        app, ["aid", "validate", str(book), "--year", "2025", "--json", "-w", str(ws)]
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"campaign", "year", "as_of", "files", "summary", "findings"}
    assert document["campaign"] == "nuandong-2025"
    assert document["as_of"] == "2025-10-20"
    assert document["files"][0]["sheets"] == [{"name": "申请表", "header_row": 2, "rows": 2}]
    # No 生活自理能力 column: both rows get CARE_LEVEL_UNKNOWN (treated as 自理).
    assert document["summary"] == {"rows": 2, "eligible": 1, "with_errors": 1, "with_warnings": 2}
    expected = validate(
        ledger_at(tmp_path / "other.db"), [book], year=2025, as_of=date(2025, 10, 20)
    ).as_json()
    assert document["findings"] == expected["findings"]
    assert {(f["row"], f["code"]) for f in document["findings"]} >= {
        (4, "NOT_DISPERSED"),
        (4, "CERTIFICATE_MISSING"),
        (4, "BANK_ACCOUNT_INVALID"),
    }


def test_clean_workbook_exits_zero_and_writes_markup(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "k.xlsx", [_good("测丙", "13072319400101123")])
    out = tmp_path / "marked.xlsx"
    result = runner.invoke(
        app,
        ["aid", "validate", str(book), "--year", "2025", "--out", str(out), "-w", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    marked = openpyxl.load_workbook(out)
    assert marked.sheetnames == ["申请表", "问题清单", "汇总"]
    sheet = marked["申请表"]
    assert sheet.cell(2, 8).value == "校验结果"
    assert sheet.cell(3, 8).value == "警告"  # no 生活自理能力 column: CARE_LEVEL_UNKNOWN
    assert sheet.cell(3, 3).data_type == "s"  # the ID stays text


def test_missing_file_exits_2_without_traceback_or_ledger(tmp_path: Path) -> None:
    result = runner.invoke(app, ["aid", "validate", str(tmp_path / "无.xlsx"), "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "文件不存在" in result.output
    assert "Traceback" not in result.output
    assert not ledger_exists(tmp_path)


def test_text_named_xlsx_exits_2(tmp_path: Path) -> None:
    fake = tmp_path / "假.xlsx"
    fake.write_text("这不是工作簿", encoding="utf-8")
    result = runner.invoke(app, ["aid", "validate", str(fake), "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "假.xlsx" in result.output and "另存为" in result.output


def test_failed_command_leaves_existing_ledger_unchanged(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "k.xlsx", [_good("测丁", "13072319400101123")])
    assert (
        runner.invoke(
            app,
            ["aid", "validate", str(book), "--year", "2025", "--no-workbook", "-w", str(tmp_path)],
        ).exit_code
        == 0
    )

    def snapshot() -> list[tuple[object, ...]]:
        conn = connect_ledger(tmp_path)
        try:
            return [tuple(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")] + [
                tuple(r) for r in conn.execute("SELECT * FROM applicants ORDER BY id")
            ]
        finally:
            conn.close()

    before = snapshot()
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["aid", "validate", str(book), str(empty), "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert snapshot() == before


def test_bad_setting_names_key_and_file(tmp_path: Path) -> None:
    (tmp_path / "zjk-charity.toml").write_text("[aid]\nbudgte = 1\n", encoding="utf-8")
    book = _workbook(tmp_path / "k.xlsx", [_good("测戊", "13072319400101123")])
    result = runner.invoke(app, ["aid", "validate", str(book), "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "aid.budgte" in result.output and "zjk-charity.toml" in result.output


def test_init_writes_defaults_that_load(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 2
    from zjk_charity.config import load_settings

    assert load_settings(tmp_path).aid.per_person == 1000


def test_template_filled_correctly_validates_clean(tmp_path: Path) -> None:
    template = tmp_path / "模板.xlsx"
    assert runner.invoke(app, ["aid", "template", str(template), "--year", "2025"]).exit_code == 0
    book = openpyxl.load_workbook(template)
    sheet = book["申请表"]
    headers = [c.value for c in sheet[2]]
    values = {
        "序号": "1",
        "县(区)": "怀安县",
        "乡镇(街道)": "怀安城镇",
        "村(社区)": "东村",
        "姓名": "测己",
        "性别": "男",
        "身份证号": _id("13072819400101123"),
        "年龄": "85",
        "户号": "",
        "人员类别": "农村特困人员",
        "供养方式": "分散供养",
        "生活自理能力": "完全丧失生活自理能力",
        "开户银行": "农业银行",
        "银行账号": "6228480000000000000",
        "联系电话": "13800000000",
        "认证截图": "a.png",
        "申请日期": "2025-10-08",
    }
    for i, header in enumerate(headers, start=1):
        sheet.cell(3, i, values.get(str(header), ""))
    book.save(template)
    result = runner.invoke(
        app,
        [
            "aid",
            "validate",
            str(template),
            "--year",
            "2025",
            "--json",
            "--no-workbook",
            "-w",
            str(tmp_path),
        ],
    )
    document = json.loads(result.stdout)
    assert document["findings"] == []
    assert result.exit_code == 0


def _commands() -> list[tuple[list[str], Any]]:
    """Every command and group of the CLI, with the words that reach it."""
    import typer.main

    found: list[tuple[list[str], Any]] = []

    def walk(words: list[str], command: Any) -> None:
        found.append((words, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk([*words, name], sub)

    walk([], typer.main.get_command(app))
    return found


def test_command_listings_show_every_help_line_whole() -> None:
    # click cuts a listed command's help to ~45 characters with "...": at 80 columns
    # "export … / write the allocation..." lost its English half (issue 15).
    for words, command in _commands():
        subcommands = getattr(command, "commands", {})
        if not subcommands:
            continue
        shown = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "80"}).output
        listing = " ".join(shown.split("Commands:")[1].split())
        for name, sub in subcommands.items():
            first = " ".join((sub.help or "").split("\n\n")[0].split())
            assert first in listing, (words, name)
        assert "..." not in listing, words


def test_every_command_has_help() -> None:
    commands = _commands()
    assert len(commands) > 20  # the walk reaches the leaves
    for words, command in commands:
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, words
        assert (command.help or "").strip(), f"{words} has no help text"
        for param in command.params:
            if param.name != "help" and getattr(param, "opts", None):
                assert getattr(param, "help", None), (words, param.name)


def test_every_date_option_says_how_to_write_the_date() -> None:
    # An option named like a date, or whose help speaks of a date (日期 / 基准日 / date).
    dated = re.compile(r"日期|基准日|\bdate\b|\bday\b", re.I)
    seen = set()
    for words, command in _commands():
        for param in command.params:
            text = getattr(param, "help", None) or ""
            names = " ".join(getattr(param, "opts", []))
            if re.search(r"--(as-of|.*-from|.*-to|.*date.*|.*day.*)$", names) or dated.search(text):
                assert "YYYY-MM-DD" in text and "2025-10-20" in text, (words, names)
                seen.add(names)
    assert {"--as-of", "--notice-from"} <= seen
    shown = runner.invoke(app, ["aid", "allocate", "--help"]).output
    assert "YYYY-MM-DD" in shown


def test_version_is_listed_in_help_and_printed() -> None:
    assert "--version" in runner.invoke(app, ["--help"]).output
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"zjk-charity {__version__}"


def test_unwritable_markup_leaves_the_ledger_unchanged(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "k.xlsx", [_good("测丙", "13072319400101123")])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = runner.invoke(
        app,
        [
            "aid",
            "validate",
            str(book),
            "--year",
            "2025",
            "--out",
            str(blocker / "m.xlsx"),
            "-w",
            str(tmp_path / "ws"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "无法在" in result.output and "Traceback" not in result.output
    assert not ledger_exists(tmp_path / "ws")


HEAVY = ("pandas", "openpyxl", "jinja2", "pydantic", "python_calamine", "xlsxwriter", "rich")


@pytest.mark.parametrize("args", [["--help"], ["aid", "--help"], ["aid", "validate", "--help"]])
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    # Issue 6: help must stay instant, so none of the heavy libraries may load for it.
    probe = (
        "import sys\n"
        f"sys.argv = ['zjk-charity', *{args!r}]\n"
        "from zjk_charity.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "Usage: zjk-charity" in done.stdout
    assert "LOADED []" in done.stdout


def test_version_is_printed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zjk_charity", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == f"zjk-charity {__version__}"
