"""`aid export` and `aid notice`: every output written again from the ledger.

The export of an allocation is compared with what `aid allocate` wrote: every part of
the workbook (and, in the same workspace, the whole file: the creation time is the
allocation's). It works after `--no-workbook` and after finalize. Neither writes a bank
file: that is `aid pay`'s recorded batch.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import connect_ledger, good_row, make_id, workbook_parts, write_workbook
from test_allocation import _people
from zjk_charity.cli.main import app

runner = CliRunner()
ALLOCATE = ("aid", "allocate", "--year", "2025", "--budget", "20000", "--as-of", "2025-10-20")
EXPORT = ("aid", "export", "--year", "2025")
NOTICE = ("aid", "notice", "--year", "2025")
PERIOD = "公示期：2025年10月27日至2025年11月4日（7个工作日）"


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


@pytest.fixture
def validated(tmp_path: Path) -> Path:
    return _validate(tmp_path / "validated", _books(tmp_path))


def _validate(ws: Path, books: list[Path]) -> Path:
    """``books`` validated for 2025 in the workspace ``ws``, made first for its settings
    file (a ledger on PostgreSQL puts nothing in the folder)."""
    ws.mkdir()
    result = cli(ws, "aid", "validate", *map(str, books), "--year", "2025", "--no-workbook")
    assert result.exit_code == 0, result.output
    return ws


def _books(tmp_path: Path) -> list[Path]:
    """张北县 (6 adults and a 15-year-old) and 康保县 (4 people)."""
    rows = _people(6)
    rows.append(
        good_row(
            序号=7,
            姓名="测小童",
            身份证号=make_id("20100315", "130722", "222"),
            年龄="",
            户号="H77",
            生活自理能力="自理",
        )
    )
    a = write_workbook(tmp_path / "张北县.xlsx", rows)
    b = write_workbook(tmp_path / "康保县.xlsx", _people(4, "康保县", "130723", start=50))
    return [a, b]


def _sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def test_export_writes_the_same_files_as_allocate(validated: Path, tmp_path: Path) -> None:
    made = cli(
        validated, *ALLOCATE, "--notice-from", "2025-10-25", "--out", str(tmp_path / "a.xlsx")
    )
    assert made.exit_code == 0, made.output
    again = cli(validated, *EXPORT, "--out", str(tmp_path / "b.xlsx"))
    assert again.exit_code == 0, again.output
    assert workbook_parts(tmp_path / "b.xlsx") == workbook_parts(tmp_path / "a.xlsx")
    # The creation time is the allocation's, so even docProps/core.xml is the same.
    assert (tmp_path / "b.xlsx").read_bytes() == (tmp_path / "a.xlsx").read_bytes()
    assert not list(tmp_path.glob("*.csv"))  # no bank file beside either workbook
    check = _sheet(tmp_path / "b.xlsx", "银行代发（核对用）")
    assert "核对用" in check[0][0] and "aid pay" in check[1][0]
    assert len(check) == 3 + 11 + 1  # title, note, header, 11 people, 合计
    notice = _sheet(tmp_path / "b.xlsx", "公示名单")
    assert PERIOD in [r[0] for r in notice]  # asked from a Saturday: from Monday 10-27
    assert "b.xlsx" in again.output and ".csv" not in again.output


def test_export_after_no_workbook_and_finalize(tmp_path: Path) -> None:
    # Two workspaces validated alike (not a copied folder: a PostgreSQL ledger is no file).
    books = _books(tmp_path)
    with_files = _validate(tmp_path / "with-files", books)
    lean = _validate(tmp_path / "lean", books)
    notice_from = ("--notice-from", "2025-10-27")
    out = tmp_path / "out"
    made = cli(with_files, *ALLOCATE, *notice_from, "--out", str(out / "allocate.xlsx"))
    assert made.exit_code == 0, made.output
    assert cli(lean, *ALLOCATE, *notice_from, "--no-workbook").exit_code == 0
    # Nobody paid yet: finalize records no one, but the allocation is fixed all the same.
    finalized = cli(lean, "aid", "finalize", "--year", "2025", "--allow-unpaid")
    assert finalized.exit_code == 0, finalized.output
    refused = cli(lean, *ALLOCATE)
    assert refused.exit_code == 2 and "已定稿" in refused.output  # refused after finalize

    exported = cli(lean, *EXPORT, "--out", str(out / "export.xlsx"))
    assert exported.exit_code == 0, exported.output
    assert "已定稿" in exported.output
    # Two workspaces, two runs: only the creation time (docProps/core.xml) may differ.
    assert workbook_parts(out / "export.xlsx") == workbook_parts(out / "allocate.xlsx")
    assert sorted(p.name for p in out.iterdir()) == ["allocate.xlsx", "export.xlsx"]
    sheets = [n for n in workbook_parts(out / "export.xlsx") if n.startswith("xl/worksheets/")]
    assert len(sheets) == 7


def test_export_with_a_quotas_file_keeps_the_note(validated: Path, tmp_path: Path) -> None:
    quotas = tmp_path / "名额.csv"
    quotas.write_text("县(区),名额\n张北县,3\n康保县,2\n", encoding="utf-8")
    args = (*ALLOCATE, "--quotas", str(quotas), "--out", str(tmp_path / "a.xlsx"))
    assert cli(validated, *args).exit_code == 0
    assert cli(validated, *EXPORT, "--out", str(tmp_path / "b.xlsx")).exit_code == 0
    rule = [r[0] for r in _sheet(tmp_path / "b.xlsx", "分配规则")]
    assert "名额文件合计 5 个，少于总名额 20 个；其余名额未分配" in rule
    assert (tmp_path / "b.xlsx").read_bytes() == (tmp_path / "a.xlsx").read_bytes()


def test_export_json_and_default_name(validated: Path) -> None:
    assert cli(validated, *ALLOCATE, "--notice-from", "2025-10-27", "--no-workbook").exit_code == 0
    result = cli(validated, *EXPORT, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["campaign", "allocation", "finalized", "notice", "files"]
    assert doc["notice"] == {
        "from": "2025-10-27",
        "start": "2025-10-27",
        "end": "2025-11-04",
        "working_days": 7,
        "estimated": False,
    }
    assert (doc["campaign"], doc["allocation"], doc["finalized"]) == ("nuandong-2025", 1, False)
    (book,) = (Path(p) for p in doc["files"])  # the workbook only: aid pay writes bank files
    assert book.parent == validated / "out" and book.name.startswith("分配结果-2025-")
    assert [p.name for p in book.parent.iterdir()] == [book.name]


def test_export_without_an_allocation_exits_2(validated: Path) -> None:
    result = cli(validated, *EXPORT)
    assert result.exit_code == 2
    assert "还没有分配结果" in result.output and "Traceback" not in result.output


# ----------------------------------------------------------------- the recorded period


def _arguments(ws: Path) -> dict[str, Any]:
    conn = connect_ledger(ws)
    try:
        row = conn.execute(
            "SELECT arguments FROM runs WHERE command = 'aid allocate' ORDER BY id DESC"
        ).fetchone()
    finally:
        conn.close()
    found: dict[str, Any] = json.loads(row[0])
    return found


def test_allocate_records_the_notice_start(validated: Path) -> None:
    assert cli(validated, *ALLOCATE, "--notice-from", "2025/10/28", "--no-workbook").exit_code == 0
    assert _arguments(validated)["notice_from"] == "2025-10-28"
    assert _arguments(validated)["notice_days"] == 7
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    assert _arguments(validated)["notice_from"] == date.today().isoformat()


def test_an_allocation_made_before_the_start_was_recorded_uses_its_own_day(
    validated: Path, tmp_path: Path
) -> None:
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    arguments = _arguments(validated)
    del arguments["notice_from"], arguments["notice_days"]
    conn = connect_ledger(validated)
    with conn:  # as an allocation of an earlier version stored it
        conn.execute(
            "UPDATE runs SET arguments = ?, started_at = '2025-10-26T09:30:00+08:00' "
            "WHERE command = 'aid allocate'",
            (json.dumps(arguments, ensure_ascii=False),),
        )
    conn.close()
    assert cli(validated, *EXPORT, "--out", str(tmp_path / "x.xlsx")).exit_code == 0
    # Sunday 10-26: the period starts on Monday 10-27.
    assert PERIOD in [r[0] for r in _sheet(tmp_path / "x.xlsx", "公示名单")]


def test_a_bad_notice_from_is_refused(validated: Path) -> None:
    result = cli(validated, *ALLOCATE, "--notice-from", "下周一", "--no-workbook")
    assert result.exit_code == 2
    assert "--notice-from" in result.output and "不是日期" in result.output


def test_allocate_points_to_aid_notice(validated: Path, tmp_path: Path) -> None:
    result = cli(validated, *ALLOCATE, "--out", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 0
    assert "zjk-charity aid notice" in " ".join(result.output.split())
    assert not list(tmp_path.glob("公示-*"))  # allocate does not write the county files


# --------------------------------------------------------------------------- aid notice


def test_notice_writes_one_file_per_county(validated: Path, tmp_path: Path) -> None:
    assert cli(validated, *ALLOCATE, "--notice-from", "2025-10-27", "--no-workbook").exit_code == 0
    out = tmp_path / "公示"
    result = cli(validated, *NOTICE, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "公示-2025-康保县.xlsx",
        "公示-2025-张北县.xlsx",
    ]
    rows = _sheet(out / "公示-2025-张北县.xlsx", "公示名单")
    lines = [r[0] for r in rows if isinstance(r[0], str)]
    assert lines[2:6] == [
        "张北县：资助对象 7 人，资助金额 7,000.00 元",
        PERIOD,
        "其中未满 18 周岁的受助人 1 名，依法只计人数，不予公示。",
        "如有异议，请在公示期内向所在县（区）民政局反映。",
    ]
    assert len([r for r in rows if isinstance(r[0], int)]) == 6
    assert "测小童" not in repr(rows)
    assert PERIOD in result.output and "未成年 1 人只计人数" in result.output


def test_notice_for_one_county_with_its_own_phone_and_day(validated: Path, tmp_path: Path) -> None:
    (validated / "zjk-charity.toml").write_text(
        '[aid]\nnotice_phone = "0313-8000000"\n'
        '[aid.notice_by_county."康保"]\nnotice_contact = "康保县民政局"\n',
        encoding="utf-8",
    )
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    args = (*NOTICE, "--county", "康保", "--notice-from", "2025-09-28", "--json")
    result = cli(validated, *args, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["notice"]["start"] == "2025-09-28" and doc["notice"]["end"] == "2025-10-13"
    [county] = doc["counties"]
    assert county == {
        "county": "康保县",
        "code": "130723",
        "people": 4,
        "listed": 4,
        "minors": 0,
        "amount": "4000.00",
        "file": str(tmp_path / "公示-2025-康保县.xlsx"),
    }
    lines = [r[0] for r in _sheet(tmp_path / "公示-2025-康保县.xlsx", "公示名单")]
    assert "公示期：2025年9月28日至2025年10月13日（7个工作日）" in lines
    assert "如有异议，请在公示期内向康保县民政局反映，监督电话：0313-8000000。" in lines
    assert not (tmp_path / "公示-2025-张北县.xlsx").exists()


@pytest.mark.parametrize(
    ("county", "message"),
    [("北京", "不是张家口市的县（区）"), ("蔚县", "蔚县在 2025 年的分配中没有资助对象")],
)
def test_notice_for_a_county_that_cannot_have_one(
    validated: Path, tmp_path: Path, county: str, message: str
) -> None:
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    result = cli(validated, *NOTICE, "--county", county, "--out", str(tmp_path / "n"))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "n").exists() or not list((tmp_path / "n").iterdir())


def test_notice_in_a_year_the_calendar_does_not_know_warns(validated: Path, tmp_path: Path) -> None:
    # A 2026 campaign posted in 2027, a year the installed chinesecalendar lacks (a notice
    # more than a year from its campaign year is refused as a typing slip).
    book = str(tmp_path / "张北县.xlsx")
    assert cli(validated, "aid", "validate", book, "--year", "2026", "--no-workbook").exit_code == 0
    allocate = ("aid", "allocate", "--year", "2026", "--budget", "20000", "--no-workbook")
    assert cli(validated, *allocate).exit_code == 0
    notice = ("aid", "notice", "--year", "2026")
    result = cli(validated, *notice, "--notice-from", "2027-03-01", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "公示期：2027年3月1日至2027年3月9日（7个工作日）" in result.output
    assert "2027 年的法定节假日安排尚未收录" in result.output


def test_notice_before_any_allocation_exits_2(validated: Path) -> None:
    result = cli(validated, *NOTICE)
    assert result.exit_code == 2 and "还没有分配结果" in result.output


def test_an_unknown_county_in_the_notice_settings_is_named(validated: Path) -> None:
    (validated / "zjk-charity.toml").write_text(
        '[aid.notice_by_county."张家县"]\nnotice_phone = "0313-5222222"\n', encoding="utf-8"
    )
    result = cli(validated, *NOTICE)
    assert result.exit_code == 2
    assert "张家县" in result.output and "Traceback" not in result.output


def test_an_output_never_replaces_a_recorded_input_or_takes_another_suffix(
    validated: Path, tmp_path: Path
) -> None:
    """`--out 张北县.xlsx` names the county's application workbook: refused, kept as it was."""
    county = tmp_path / "张北县.xlsx"
    before = county.read_bytes()
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    for command in (EXPORT, ALLOCATE):
        refused = cli(validated, *command, "--out", str(county))
        assert refused.exit_code == 2, refused.output
        assert "输入文件" in refused.output and "Traceback" not in refused.output
    assert county.read_bytes() == before
    for name in ("结果.csv", "结果"):
        wrong = cli(validated, *EXPORT, "--out", str(tmp_path / name))
        assert wrong.exit_code == 2 and ".xlsx" in wrong.output
        assert not (tmp_path / name).exists()


def test_a_notice_date_out_of_range_is_refused_before_anything_is_recorded(
    validated: Path,
) -> None:
    before = _count(validated, "allocations")
    for day in ("9999-12-31", "2052-10-27"):
        refused = cli(validated, *ALLOCATE, "--no-workbook", "--notice-from", day)
        assert refused.exit_code == 2, refused.output
        assert "--notice-from" in refused.output and "Traceback" not in refused.output
    assert _count(validated, "allocations") == before
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    late = cli(validated, *NOTICE, "--notice-from", "9999-12-31")
    assert late.exit_code == 2 and "Traceback" not in late.output


def _count(ws: Path, table: str) -> int:
    conn = connect_ledger(ws)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_a_year_without_an_allocation_names_the_years_that_have_one(validated: Path) -> None:
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    for command in (("aid", "export"), ("aid", "notice")):
        result = cli(validated, *command, "--year", "2024")
        assert result.exit_code == 2
        assert "台账中有 2025 年的分配，请加 --year 2025" in result.output
    assert cli(validated, "aid", "finalize", "--year", "2025", "--allow-unpaid").exit_code == 0
    again = cli(validated, *ALLOCATE, "--no-workbook")
    assert again.exit_code == 2 and "已定稿" in again.output and "aid export" in again.output


def test_notices_are_written_all_or_nothing(validated: Path, tmp_path: Path) -> None:
    assert cli(validated, *ALLOCATE, "--no-workbook").exit_code == 0
    folder = tmp_path / "公示"
    (folder / "公示-2025-康保县.xlsx").mkdir(parents=True)  # a file that cannot be written
    result = cli(validated, *NOTICE, "--out", str(folder))
    assert result.exit_code == 2, result.output
    assert not (folder / "公示-2025-张北县.xlsx").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["公示-2025-康保县.xlsx"]
    named = cli(validated, *NOTICE, "--out", str(tmp_path / "公示.xlsx"))
    assert named.exit_code == 2 and "文件夹" in named.output
    assert not (tmp_path / "公示.xlsx").exists()
