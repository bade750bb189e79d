"""The command tree: every command is thin (issue 19) and every command and group has help.

A command body is options → one library call → render → exit code; the preamble
(workspace, language, year, ledger, output names, run-record arguments) is written once
in ``cli.common.session``. These tests walk the typer app, so a new command is checked
without being listed here.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from zjk_charity.cli.main import app

LONGEST_BODY = 25  # lines, without the signature and the docstring
CJK = re.compile(r"[\u4e00-\u9fff]")


def _commands(group: typer.Typer, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """(command line, function) for the group's callback, its commands and its groups."""
    info = group.registered_callback
    if info is not None and info.callback is not None:
        yield " ".join(("zjk-charity", *path)), info.callback
    for command in group.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        yield " ".join(("zjk-charity", *path, name)), command.callback
    for sub in group.registered_groups:
        assert sub.name is not None and sub.typer_instance is not None
        yield from _commands(sub.typer_instance, (*path, sub.name))


def body_lines(function: Callable[..., Any]) -> int:
    """The lines of ``function``'s body after its signature and docstring (comments and
    blank lines inside the body count: they are what a reader scrolls through)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    body = node.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        body = body[1:]
    if not body:
        return 0
    assert node.end_lineno is not None
    return node.end_lineno - body[0].lineno + 1


COMMANDS = sorted(_commands(app))


def test_the_walk_finds_every_command() -> None:
    """A broken walk would make the tests below pass on nothing."""
    names = {name for name, _ in COMMANDS}
    assert len(names) == len(COMMANDS) >= 40
    for expected in (
        "zjk-charity aid validate",
        "zjk-charity aid payments import",
        "zjk-charity wishes deliver import",
        "zjk-charity donations settle",
        "zjk-charity keys init",
        "zjk-charity lists",
    ):
        assert expected in names


def test_body_lines_counts_after_the_docstring() -> None:
    def sample(x: int) -> int:
        """Two lines
        of docstring."""
        y = x + 1

        return y

    assert body_lines(sample) == 3


@pytest.mark.parametrize(("name", "function"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_body_is_short(name: str, function: Callable[..., Any]) -> None:
    lines = body_lines(function)
    assert lines <= LONGEST_BODY, f"{name}: {lines} lines (at most {LONGEST_BODY})"


def _click_tree() -> Iterator[tuple[list[str], Any]]:
    """(arguments, click command) for every group and command of the built app (typer
    ships its own click, so commands are told from groups by their ``commands``)."""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        for name, child in (getattr(command, "commands", None) or {}).items():
            yield from walk(child, [*path, name])

    return walk(typer.main.get_command(app), [])


HELP = sorted(_click_tree(), key=lambda item: item[0])


@pytest.mark.parametrize(("path", "command"), HELP, ids=[" ".join(p) or "(top)" for p, _ in HELP])
def test_every_command_and_group_has_help(path: list[str], command: Any) -> None:
    """``--help`` exits 0 and prints the command's own help text whole (its Chinese and,
    where it has one, its English half; click may wrap it at any width)."""
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = command.help or ""
    assert CJK.search(text), f"{path}: no Chinese help"
    first = text.split("\n\n")[0]
    assert "".join(first.split()) in "".join(result.output.split())
    if " / " in first:  # the English half, after the Chinese
        assert re.search(r"[a-z]", first.split(" / ", 1)[1])
