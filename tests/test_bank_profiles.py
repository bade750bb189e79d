"""Bank profiles as settings (payout.md, "Bank batch files"): the built-in basic, the
``[[bank.profiles]]`` of zjk-charity.toml, the line a wrong one is on, and init's examples."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from zjk_charity.cli.main import app
from zjk_charity.config import DEFAULT_TOML, SETTINGS_FILE, load_settings
from zjk_charity.errors import UserError
from zjk_charity.payments.model import BatchLine, Payee
from zjk_charity.payments.profiles import BASIC_PROFILE, cell_position, profile
from zjk_charity.payments.writer import write_batch
from zjk_charity.toml_lines import line_of

runner = CliRunner()


def _settings(folder: Path, text: str) -> Path:
    (folder / SETTINGS_FILE).write_text(text, encoding="utf-8")
    return folder


def _refusal(folder: Path, text: str) -> UserError:
    _settings(folder, text)
    with pytest.raises(UserError) as caught:
        load_settings(folder)
    return caught.value


def _line(text: str, marker: str, after: int = 0) -> int:
    """The 1-based number of the first line holding ``marker`` after line ``after``."""
    lines = text.split("\n")
    return next(i for i, line in enumerate(lines, start=1) if i > after and marker in line)


def _lines(n: int, amount: str = "1000") -> list[BatchLine]:
    return [
        BatchLine(
            i,
            Payee(
                key=f"13072219400101{i:04d}",
                county="张北县",
                name=f"测{'甲乙丙丁'[i % 4]}",
                account=f"62170000100{i:08d}",
                bank="张北县农村信用联社",
                amount=Decimal(amount),
                id_number=f"13072219400101{i:04d}",
            ),
            "2025年福彩暖冬资助",
        )
        for i in range(1, n + 1)
    ]


# ---------------------------------------------------------------- choosing a profile


def test_basic_is_the_default_and_an_unknown_name_lists_the_known(tmp_path: Path) -> None:
    _settings(tmp_path, '[[bank.profiles]]\nname = "农商银行"\nformat = "xlsx"\n')
    settings = load_settings(tmp_path)
    assert profile(settings) == BASIC_PROFILE
    assert profile(settings, "农商银行").format == "xlsx"
    with pytest.raises(UserError) as caught:
        profile(settings, "建行")
    assert "basic" in caught.value.zh and "农商银行" in caught.value.zh


def test_default_profile_may_name_a_settings_profile(tmp_path: Path) -> None:
    _settings(
        tmp_path,
        '[bank]\ndefault_profile = "农商银行"\n[[bank.profiles]]\nname = "农商银行"\nformat = "txt"\n',
    )
    assert profile(load_settings(tmp_path)).name == "农商银行"


def test_default_profile_that_does_not_exist_is_refused_on_its_line(tmp_path: Path) -> None:
    text = '[bank]\ndefault_profile = "建行"\n'
    error = _refusal(tmp_path, text)
    assert f"第 {_line(text, 'default_profile')} 行" in error.zh and "basic" in error.zh


# ---------------------------------------------------------------- a wrong profile names its line

PROFILES = """\
campaign_year = 2025

[bank]
payer = "张家口市民政局"

[[bank.profiles]]
name = "甲"
format = "csv"

[[bank.profiles]]
name = "乙"
format = "xlsx"
start_row = 5
columns = [
  "序号",
  "户名",
  "账号",
  "金额",
]
cells = { A2 = "付款单位：{payer}" }
total_amount_cell = "D3"
"""


def _broken(replace: str, by: str) -> str:
    assert replace in PROFILES
    return PROFILES.replace(replace, by, 1)


@pytest.mark.parametrize(
    ("replace", "by", "marker"),
    [
        ('total_amount_cell = "D3"', 'total_amount_cell = "3B"', "total_amount_cell"),
        ('total_amount_cell = "D3"', 'total_amount_cell = "XFE1"', "total_amount_cell"),
        ('total_amount_cell = "D3"', 'total_amount_cell = "D5"', "total_amount_cell"),
        ("start_row = 5", "start_row = 0", "start_row"),
        ("start_row = 5", "start_row = 5\nmax_rows = 0", "max_rows"),
        ("start_row = 5", "start_row = 5\ntotal_amout_cell = 'B3'", "total_amout_cell"),
        ('  "户名",', '  "户主",', '"户主"'),
        ('name = "乙"', 'name = "甲"', 'name = "甲"'),
        ('name = "乙"', 'name = "Basic"', "Basic"),
        ('cells = { A2 = "付款单位：{payer}" }', 'cells = { A2 = "{payee}" }', "cells"),
        ('format = "csv"', 'format = "csv"\ntotal_count_cell = "B3"', "total_count_cell"),
        ('format = "csv"', 'format = "csv"\ndelimiter = "||"', "delimiter"),
        ('format = "csv"', 'format = "pdf"', '"pdf"'),
        ('  "账号",\n', "", "columns"),
    ],
)
def test_a_wrong_profile_is_refused_naming_its_line(
    tmp_path: Path, replace: str, by: str, marker: str
) -> None:
    text = _broken(replace, by)
    error = _refusal(tmp_path, text)
    # The second profile's markers come after its header; the first's after line 1.
    second = _line(text, "[[bank.profiles]]", _line(text, "[[bank.profiles]]"))
    after = second if marker not in ('"pdf"', "total_count_cell", "delimiter") else 0
    if marker == 'name = "甲"':
        after = second  # the second use of the name is the wrong one
    expected = _line(text, marker, after)
    assert f"第 {expected} 行" in error.zh, error.zh
    assert f"line {expected}:" in error.en, error.en
    assert "zjk-charity.toml" in error.zh


def test_a_wrong_profile_is_exit_2_with_its_line_from_the_cli(tmp_path: Path) -> None:
    text = _broken('total_amount_cell = "D3"', 'total_amount_cell = "3B"')
    _settings(tmp_path, text)
    result = runner.invoke(app, ["aid", "validate", str(tmp_path / "x.xlsx"), "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert f"第 {_line(text, 'total_amount_cell')} 行" in result.output
    assert "Traceback" not in result.output


def test_other_settings_errors_name_their_line_too(tmp_path: Path) -> None:
    text = '# 设置\nlang = "zh"\n\n[aid]\nbudget = "810000"\nreference_day = "02-29"\n'
    error = _refusal(tmp_path, text)
    assert f"第 {_line(text, 'reference_day')} 行" in error.zh
    text = '[signers]\nhandler = "张三"\nboss = "李四"\n'
    assert f"第 {_line(text, 'boss')} 行" in _refusal(tmp_path, text).zh


def test_profile_using_payer_without_payer_is_refused(tmp_path: Path) -> None:
    text = PROFILES.replace('payer = "张家口市民政局"\n', "")
    error = _refusal(tmp_path, text)
    assert "payer" in error.zh
    line = _line(text, 'name = "乙"')
    assert f"第 {line} 行" in error.zh


def test_a_right_profile_loads_as_written(tmp_path: Path) -> None:
    _settings(tmp_path, PROFILES)
    loaded = profile(load_settings(tmp_path), "乙")
    assert [c.field for c in loaded.columns] == ["序号", "户名", "账号", "金额"]
    assert loaded.header_row == 3  # 0-based: row 4, the one above the data
    assert loaded.total_amount_cell == "D3"


def test_column_fields_are_read_as_written_in_full_width_too(tmp_path: Path) -> None:
    _settings(
        tmp_path,
        '[[bank.profiles]]\nname = "丙"\nformat = "txt"\n'
        'columns = ["县（区）", "账号", "金额", { field = "户名", title = "收款人" }]\n',
    )
    loaded = profile(load_settings(tmp_path), "丙")
    assert [c.field for c in loaded.columns] == ["县(区)", "账号", "金额", "户名"]
    assert [c.heading for c in loaded.columns] == ["县(区)", "账号", "金额", "收款人"]
    assert loaded.field_delimiter == "|"


@pytest.mark.parametrize(
    ("reference", "position"),
    [
        ("A1", (0, 0)),
        ("b3", (2, 1)),
        ("Z10", (9, 25)),
        ("AA1", (0, 26)),
        ("XFD1048576", (1048575, 16383)),
    ],
)
def test_cell_references(reference: str, position: tuple[int, int]) -> None:
    assert cell_position(reference) == position


@pytest.mark.parametrize("reference", ["3B", "XFE1", "A0", "A1048577", "", "B", "B3:C4", "Ｂ3"])
def test_bad_cell_references(reference: str) -> None:
    with pytest.raises(ValueError):
        cell_position(reference)


# ---------------------------------------------------------------- the line finder itself


def test_line_of_follows_arrays_of_tables_quoted_keys_and_array_elements() -> None:
    text = (
        'a = 1\n[x."y.z"]\nk = """\nb = 2\n"""\n'  # a multi-line string is not a key
        "[[p]]\nname = 'one'\n[[p]]\nname = 'two'\nlist = [\n  'e0', # comment, ]\n"
        "  { t = 'x,]' },\n]\n[p.sub]\nq = 3\n"
    )
    assert line_of(text, ("a",)) == 1
    assert line_of(text, ("x", "y.z", "k")) == 3
    assert line_of(text, ("b",)) is None
    assert line_of(text, ("p", 1, "name")) == 9
    assert line_of(text, ("p", 1, "list", 1, "t")) == 12
    assert line_of(text, ("p", 1, "sub", "q")) == 15
    assert line_of(text, ("p", 1, "missing")) == 8  # the table's header


# ---------------------------------------------------------------- init's commented examples


def _uncommented(example: int) -> str:
    """DEFAULT_TOML with ``payer`` and the ``example``-th commented profile block
    (from its ``# [[bank.profiles]]`` to the next blank line) uncommented."""
    lines = DEFAULT_TOML.split("\n")
    starts = [i for i, line in enumerate(lines) if line == "# [[bank.profiles]]"]
    assert len(starts) == 2
    start = starts[example]
    end = next(i for i in range(start, len(lines) + 1) if i == len(lines) or not lines[i])
    for i in range(start, end):
        assert lines[i].startswith("# "), lines[i]
        lines[i] = lines[i][2:]
    payer = lines.index('# payer = "张家口市民政局"')
    lines[payer] = lines[payer][2:]
    return "\n".join(lines)


def test_init_example_1_is_an_xlsx_with_totals_in_header_cells(tmp_path: Path) -> None:
    _settings(tmp_path, _uncommented(0))
    settings = load_settings(tmp_path)
    (example,) = settings.bank.profiles
    assert example.format == "xlsx" and example.start_row == 5
    batch = write_batch(
        example, "P2025-001", _lines(3), tmp_path / "out", payer=settings.bank.payer
    )
    (written,) = batch.files
    sheet = openpyxl.load_workbook(written.path).worksheets[0]
    assert sheet["A2"].value == "付款单位：张家口市民政局"
    assert sheet["B3"].value == 3 and sheet["D3"].value == 3000
    assert sheet.cell(4, 2).value == "收款账号"
    assert sheet.cell(5, 2).value == "6217000010000000001" and sheet.cell(5, 2).data_type == "s"


def test_init_example_2_is_a_csv_split_at_its_row_cap(tmp_path: Path) -> None:
    _settings(tmp_path, _uncommented(1))
    (example,) = load_settings(tmp_path).bank.profiles
    cap = example.max_rows
    assert example.format == "csv" and cap is not None
    batch = write_batch(example, "P2025-002", _lines(cap + 1), tmp_path)
    assert [f.rows for f in batch.files] == [cap, 1]
    first = list(csv.reader(io.StringIO(batch.files[0].path.read_bytes().decode("gbk"))))
    assert first[0] == [str(cap), f"{cap * 1000}.00"]  # the lead line: this file's own totals
    assert first[1][:3] == ["序号", "户名", "账号"]


def test_init_writes_the_examples_commented(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    text = (tmp_path / SETTINGS_FILE).read_text(encoding="utf-8")
    assert text.count("# [[bank.profiles]]") == 2
    assert load_settings(tmp_path).bank.profiles == []
    assert (
        write_batch(
            profile(load_settings(tmp_path)),
            "P2025-003",
            _lines(1),
            tmp_path,
            when=date(2025, 11, 1),
        )
        .files[0]
        .path.name
        == "P2025-003-basic.csv"
    )


VALUES = [
    "1",
    '"a = b"',
    "[\n  1, # x = 1\n  2,\n]",
    '"""\nx\ny = 1\n"""',
    "{ a = 1, b = '[' }",
    "'k'",
]


@given(
    blocks=st.lists(
        st.lists(st.sampled_from(range(len(VALUES))), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    )
)
def test_line_of_finds_every_key_of_generated_arrays_of_tables(blocks: list[list[int]]) -> None:
    lines: list[str] = ["top = 0"]
    expected: dict[tuple[str | int, ...], int] = {("top",): 1}
    for b, values in enumerate(blocks):
        lines += ["", "[[bank.profiles]]"]
        expected[("bank", "profiles", b)] = len(lines)
        for k, v in enumerate(values):
            first, *rest = VALUES[v].split("\n")
            lines.append(f"k{k} = {first}")
            expected[("bank", "profiles", b, f"k{k}")] = len(lines)
            lines += rest
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the generated text is TOML
    for loc, line in expected.items():
        assert line_of(text, (*loc, "deeper")) == line
