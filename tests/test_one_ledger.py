"""A command and the library get the ledger from one place, ``Workspace.ledger`` (issue
19): where a shared database server will be chosen instead of the SQLite file, without
touching any caller."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "zjk_charity"


def _ledger_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
        in {"Ledger", "PostgresLedger", "open_ledger"}
    ]


def test_only_the_workspace_builds_a_ledger() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := _ledger_calls(path))
    }
    # config.py asks open_ledger, which builds one of the two (ledger/db.py); ledger copy
    # names both ends itself: an SQLite file and a server, whatever the workspace uses
    assert set(found) == {"config.py", "ledger/db.py", "ledger/copy.py"}, found


@pytest.mark.sqlite_only
def test_the_workspace_ledger_is_the_workspace_file(tmp_path: Path) -> None:
    from zjk_charity.config import Workspace

    ws = Workspace.open(tmp_path)
    ledger = ws.ledger()
    assert ledger.path == ws.ledger_target and not ledger.exists
