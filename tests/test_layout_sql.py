"""All SQL lives in store modules and ``ledger/`` (issue 19): orchestration holds no cursor.

A module "holds SQL" when it calls ``execute``/``executemany``/``executescript`` or has a
string (docstrings aside) that reads as a statement: SELECT … FROM, INSERT INTO, UPDATE …
SET, DELETE FROM, CREATE/DROP/ALTER TABLE. Moving a statement out of a store, or adding
one to any other module, fails here; so does a store that no longer holds any.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "zjk_charity"

# The stores: one per capability, each the only module with SQL on its tables.
STORES = {
    "aid/allocation_store.py",  # allocations, their snapshot, the campaign rows they read
    "aid/applicants_store.py",  # aid_files, applicants, aid_findings
    "aid/changes_store.py",  # aid_changes
    "aid/history_store.py",  # history
    "integrity/lists_store.py",  # ref_lists, ref_people
    "integrity/reviews_store.py",  # reviews of warnings (aid accept)
    "payments/store.py",  # payment batches, instructions, results, corrections
    "wishes/store.py",  # wishes, donations, matches, deliveries, settlements
    "reports/store.py",  # the reads only reports make (counts, provenance)
    "purge_store.py",  # what purge counts and deletes
}
SHARED = "ledger/"  # the connection, migrations and the bulk insert

_STATEMENT = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\b(?:CREATE|DROP|ALTER)\s+(?:TEMP\s+)?(?:TABLE|INDEX)\b"
)
_CALLS = {"execute", "executemany", "executescript"}


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def holds_sql(source: str) -> bool:
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return any(_is_sql(node, skip) for node in ast.walk(tree))


def _is_sql(node: ast.AST, docstrings: set[int]) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in _CALLS
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return id(node) not in docstrings and _STATEMENT.search(node.value) is not None
    return False


def modules_with_sql() -> set[str]:
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if holds_sql(path.read_text(encoding="utf-8"))
    }


def test_only_stores_and_the_ledger_hold_sql() -> None:
    outside = {m for m in modules_with_sql() if not m.startswith(SHARED)} - STORES
    assert outside == set(), f"SQL outside the stores: {sorted(outside)}"


def test_every_store_holds_sql() -> None:
    found = modules_with_sql()
    assert found >= STORES
    assert any(m.startswith(SHARED) for m in found)


def test_stores_are_named_as_stores() -> None:
    assert all(Path(m).stem.endswith("store") for m in STORES)


def test_orchestration_of_aid_holds_no_sql() -> None:
    """The modules issue 19 emptied: validate, allocate, history, finalize, forms."""
    for name in ("validation", "allocation", "history", "finalize", "forms"):
        source = (PACKAGE / "aid" / f"{name}.py").read_text(encoding="utf-8")
        assert not holds_sql(source), name
        assert "cursor" not in source, name


def test_the_detector_sees_statements_and_calls() -> None:
    """Guards the guard: what it must find, and prose it must not."""
    assert holds_sql('Q = "SELECT id FROM t WHERE x = ?"')
    assert holds_sql('Q = f"INSERT OR IGNORE INTO history ({cols}) VALUES (?)"')
    assert holds_sql("conn.executemany(q, rows)")
    assert holds_sql('S = "UPDATE applicants SET has_error = ?"')
    assert holds_sql('S = "CREATE TEMP TABLE o (seq INTEGER)"')
    assert not holds_sql('"""Select the rows from the file; insert them into the list."""')
    assert not holds_sql('def f() -> None:\n    """A SELECT … FROM in a docstring."""\n')
    assert not holds_sql('MESSAGE = "请选择文件 from the list"')
