"""Inputs a black-box hunt found crashing the CLI: each now ends in a message, not a traceback.

Where the output goes (--out onto the ledger, an input or a folder), text that looks like
rich markup in cells and file names, file names Excel refuses as sheet names, and
amounts or quotas no campaign has.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import make_account, make_id
from zjk_charity.cli.main import app
from zjk_charity.workbook.writer import safe_sheet_name

runner = CliRunner()
HEADERS = ["县(区)", "姓名", "身份证号", "人员类别", "供养方式", "银行账号", "认证截图"]


def _csv(path: Path, *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADERS, *rows])
    return path


def _row(name: str = "测甲", category: str = "农村特困人员") -> list[str]:
    return ["张北县", name, make_id(), category, "分散供养", make_account(), "a.png"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def validated(tmp_path: Path) -> Path:
    """A workspace with one validated file (張北县.csv, kept as an input)."""
    ws = tmp_path / "ws"
    source = _csv(tmp_path / "张北县.csv", _row())
    code, output = _invoke(
        "aid", "validate", str(source), "--year", "2025", "--no-workbook", "-w", str(ws)
    )
    assert code in (0, 1), output
    return ws


@pytest.mark.sqlite_only  # --out naming the ledger's file: only an SQLite ledger is one
@pytest.mark.parametrize("command", ["validate", "allocate", "match"])
def test_out_onto_the_ledger_is_refused_and_the_ledger_kept(validated: Path, command: str) -> None:
    ledger = validated / "zjk-charity.db"
    before = _digest(ledger)
    args = {
        "validate": ["aid", "validate", str(validated.parent / "张北县.csv"), "--year", "2025"],
        "allocate": ["aid", "allocate", "--year", "2025"],
        "match": ["wishes", "match"],
    }[command]
    code, output = _invoke(*args, "--out", str(ledger), "-w", str(validated))
    assert code == 2
    if command != "match":  # match stops earlier: nothing to match in this workspace
        assert "数据库" in output
    assert _digest(ledger) == before


def test_out_onto_an_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    source = _csv(tmp_path / "张北县.csv", _row())
    before = _digest(source)
    code, output = _invoke(
        "aid", "validate", str(source), "--year", "2025", "--out", str(source),
        "-w", str(tmp_path / "ws"),
    )  # fmt: skip
    assert code == 2 and "输入文件" in output
    assert _digest(source) == before


@pytest.mark.parametrize("target", ["folder", ""])
def test_out_that_is_a_folder_is_refused(validated: Path, target: str) -> None:
    out = str(validated.parent) if target == "folder" else ""
    code, output = _invoke("aid", "allocate", "--year", "2025", "--out", out, "-w", str(validated))
    assert code == 2 and "文件夹" in output


def test_markup_like_text_and_bracketed_file_names_are_shown_as_they_are(tmp_path: Path) -> None:
    # A category "[/]" (rich's closing tag) and a file name Excel refuses as a sheet name.
    source = _csv(tmp_path / "张北县[修改稿].csv", _row(category="[/]"))
    out = tmp_path / "标注.xlsx"
    code, output = _invoke(
        "aid", "validate", str(source), "--year", "2025", "--out", str(out),
        "-w", str(tmp_path / "ws"),
    )  # fmt: skip
    assert code == 1  # the category is wrong: a finding, shown as typed
    assert "“[/]”" in output.replace("\n", "")
    import openpyxl

    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert names[0] == "张北县_修改稿_"  # [ and ] are not allowed in sheet names


def test_an_error_message_holding_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    code, output = _invoke("aid", "validate", str(tmp_path / "x[/]y.csv"), "--year", "2025")
    assert code == 2 and "x[/]y.csv" in output


@pytest.mark.parametrize("quota", ["1e99999999", "1e5000", "inf", "NaN", "-1", "2.5"])
def test_a_quota_no_county_has_is_refused_at_once(validated: Path, quota: str) -> None:
    quotas = validated.parent / "名额.csv"
    quotas.write_text(f"县(区),名额\n张北县,{quota}\n", encoding="utf-8")
    code, output = _invoke(
        "aid", "allocate", "--year", "2025", "--quotas", str(quotas), "-w", str(validated)
    )
    assert code == 2 and quota in output


@pytest.mark.parametrize(
    ("budget", "per_person"),
    [("NaN", "1000"), ("Infinity", "1000"), ("1e400", "1"), ("1e40", "0.01"), ("810000", "sNaN")],
)
def test_amounts_no_campaign_has_are_refused(validated: Path, budget: str, per_person: str) -> None:
    code, _ = _invoke(
        "aid", "allocate", "--year", "2025", "--budget", budget, "--per-person", per_person,
        "--no-workbook", "-w", str(validated),
    )  # fmt: skip
    assert code == 2


@given(st.text(max_size=60), st.sets(st.text(min_size=1, max_size=40), max_size=5))
def test_sheet_names_are_always_ones_excel_accepts(wanted: str, used: set[str]) -> None:
    before = {u.casefold() for u in used}
    name = safe_sheet_name(wanted, used)
    assert 1 <= len(name) <= 31
    assert not set(name) & set("[]:*?/\\")
    assert not name.startswith("'") and not name.endswith("'")
    assert name.casefold() not in before and name.casefold() != "history"
    assert name in used
