"""Formula-looking text from a county or a donor is written as text in every output.

Inputs are CSV so that the text really is text (a spreadsheet would have made it a
formula already). Every workbook the toolkit writes is opened with openpyxl: each such
cell must be a string cell holding exactly the text; CSV outputs prefix it with ', except
the bank's batch file, which refuses it (escaping would change the 户名 the bank checks).
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from conftest import HEADERS, good_row, make_account
from test_wishes_support import DONATION_HEADERS, WISH_HEADERS, donation_row, wish_row
from zjk_charity.cli.main import app
from zjk_charity.ids import check_character

runner = CliRunner()
HOSTILE = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|'/c calc'!A0"]


def _csv(path: Path, headers: list[str], rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(headers)
        out.writerows([[row.get(h, "") for h in headers] for row in rows])
    return path


def _formula_cells(path: Path) -> list[str]:
    """Every cell of every sheet whose text starts like a formula but is not a string."""
    bad = []
    book = openpyxl.load_workbook(path)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    bad.append(f"{sheet.title}!{cell.coordinate}={cell.value}")
    return bad


def _texts(path: Path) -> set[str]:
    book = openpyxl.load_workbook(path)
    return {str(c.value) for s in book for r in s.iter_rows() for c in r if c.value is not None}


def test_aid_outputs_keep_formula_text_as_text(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    rows = [
        good_row(
            序号=i,
            姓名=text,
            开户银行=text,
            **{"村(社区)": text},
            户号=f"H{i}",
            银行账号=make_account(f"6222{i:04d}"),  # each their own (ACCOUNT_SHARED)
            联系电话=f"139{i:08d}",
        )
        for i, text in enumerate(HOSTILE)
    ]
    for i, row in enumerate(rows):
        row["身份证号"] = row["身份证号"][:14] + f"{i:03d}"
        row["身份证号"] = row["身份证号"][:17] + check_character(row["身份证号"][:17])
    source = _csv(tmp_path / "张北县.csv", HEADERS, rows)
    marked = tmp_path / "marked.xlsx"
    assert runner.invoke(
        app, ["aid", "validate", str(source), "--year", "2025", "--out", str(marked), "-w", str(ws)]
    ).exit_code in (0, 1)
    out = tmp_path / "alloc.xlsx"
    result = runner.invoke(
        app, ["aid", "allocate", "--year", "2025", "--out", str(out), "-w", str(ws)]
    )
    assert result.exit_code == 0, result.output
    for path in (marked, out):
        assert _formula_cells(path) == []
        assert set(HOSTILE) <= _texts(path) | {t for t in HOSTILE if "*" in t}
    assert sorted(p.name for p in tmp_path.glob("alloc*")) == ["alloc.xlsx"]  # no bank CSV
    # The bank's file (aid pay) cannot escape a 户名 (the bank compares it): it refuses.
    pay = runner.invoke(app, ["aid", "pay", "--year", "2025", "-w", str(ws)])
    assert pay.exit_code == 2 and "当作公式" in pay.output, pay.output
    assert not list((ws / "out").glob("P2025-*"))
    status = runner.invoke(app, ["aid", "payments", "status", "--year", "2025", "-w", str(ws)])
    assert status.exit_code == 0 and "P2025-001" not in status.output


def test_wishes_outputs_keep_formula_text_as_text(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    wishes = _csv(
        tmp_path / "心愿.csv",
        WISH_HEADERS,
        [wish_row(i + 1, 儿童姓名=t, 心愿内容=t) for i, t in enumerate(HOSTILE)],
    )
    gifts = _csv(
        tmp_path / "捐赠.csv",
        DONATION_HEADERS,
        [donation_row(i + 1, 捐赠人=t, 备注=t) for i, t in enumerate(HOSTILE)],
    )
    assert runner.invoke(app, ["wishes", "import", str(wishes), "-w", str(ws)]).exit_code == 0
    assert runner.invoke(app, ["donations", "import", str(gifts), "-w", str(ws)]).exit_code == 0
    out = tmp_path / "match.xlsx"
    result = runner.invoke(app, ["wishes", "match", "--out", str(out), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert _formula_cells(out) == []
    texts = _texts(out)
    for t in HOSTILE:
        assert any(t in text for text in texts)  # donors appear verbatim, as text
