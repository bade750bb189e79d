"""Inputs are never modified: an output that would replace one of the command's own input
files is refused. The inputs are passed by the code that read them (issue 19), no longer
kept in a process-wide set."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from test_wishes_support import donation_row, donations_book, wish_row, wishes_book
from zjk_charity.cli.main import app
from zjk_charity.errors import UserError
from zjk_charity.workbook.reader import read_table
from zjk_charity.workbook.writer import atomic_path, check_target


def test_an_input_given_as_the_output_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    wishes = wishes_book(tmp_path / "心愿.xlsx", [wish_row(1)])
    donations = donations_book(tmp_path / "捐赠.xlsx", [donation_row(1)])
    before = donations.read_bytes()
    result = CliRunner().invoke(
        app,
        [
            *("wishes", "match", "--wishes", str(wishes), "--donations", str(donations)),
            *("--out", str(donations), "-w", str(tmp_path / "ws")),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "就是本次读取的输入文件" in " ".join(result.output.split())
    assert donations.read_bytes() == before


def test_check_target_refuses_exactly_the_inputs_given(tmp_path: Path) -> None:
    source = wishes_book(tmp_path / "心愿.xlsx", [wish_row(1)])
    with pytest.raises(UserError) as refused:
        check_target(tmp_path / "." / "心愿.xlsx", [source])  # the same file, another spelling
    assert "input" in refused.value.message("en")
    with pytest.raises(UserError), atomic_path(source, inputs=[source]):
        pass
    check_target(tmp_path / "结果.xlsx", [source])  # another name: written


def test_reading_a_file_no_longer_protects_it_from_every_later_command(tmp_path: Path) -> None:
    """A library caller running one command after another (the demo, a test suite): a file
    read by the first may be the second's output when the second does not read it."""
    from zjk_charity.wishes.columns import WISH_COLUMNS

    source = wishes_book(tmp_path / "心愿.xlsx", [wish_row(1)])
    read_table(source, WISH_COLUMNS)
    with atomic_path(source) as temp:
        temp.write_bytes(b"replaced")
    assert source.read_bytes() == b"replaced"
