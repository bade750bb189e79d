"""`lists import` and `lists`: the reference lists auditors compare with (integrity.md).

Every person is synthetic (make_id); lists are built in code below the header of a
title row, as the platform's exports are.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import backends
from conftest import connect_ledger, ledger_at, make_id, write_workbook
from zjk_charity.cli.main import app
from zjk_charity.errors import UserError
from zjk_charity.integrity import lists_store
from zjk_charity.integrity.lists import import_list, list_json, list_overview, read_list
from zjk_charity.integrity.reference import load_reference
from zjk_charity.ledger import Ledger

runner = CliRunner()
DAY = date(2025, 10, 1)
ROSTER = ["序号", "姓名", "县(区)", "身份证号", "救助证号"]


def person(n: int, county: str = "130722", birth: str = "19400101") -> str:
    """A synthetic ID: ``n`` is its sequence number (1–999)."""
    return make_id(birth, county, f"{n:03d}")


def list_book(
    path: Path, rows: list[dict[str, Any]], headers: list[str] = ROSTER, **kw: Any
) -> Path:
    return write_workbook(path, rows, headers, title="名单", unit=None, **kw)


def ledger_of(tmp_path: Path) -> Ledger:
    return ledger_at(tmp_path / "ws")


def cli(tmp_path: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(tmp_path / "ws")])


def people_rows(tmp_path: Path) -> list[tuple[Any, ...]]:
    conn = connect_ledger(tmp_path / "ws")
    try:
        return list(
            conn.execute(
                "SELECT list_id, row, id_number, name, county_code FROM ref_people "
                "ORDER BY list_id, row"
            )
        )
    finally:
        conn.close()


def test_unusable_ids_are_findings_and_not_stored(tmp_path: Path) -> None:
    good, old = person(1), person(2)
    bad_check = person(3)[:-1] + ("1" if person(3)[-1] != "1" else "2")
    rows = [
        {"姓名": "测甲", "县(区)": "张北县", "身份证号": good, "救助证号": "TK 001"},
        {"姓名": "测乙", "县(区)": "张北县", "身份证号": bad_check},
        {"姓名": "测丙", "县(区)": "张北县", "身份证号": 130722194001010040.0},
        {"姓名": "测丁", "县(区)": "张北县", "身份证号": ""},
        {"姓名": "测戊", "县(区)": "张北县", "身份证号": "1307221940"},
        {"姓名": "测己", "县(区)": "张北县", "身份证号": old[:6] + old[8:17]},  # 15 digits
        {"姓名": "测庚", "县(区)": "张北县", "身份证号": make_id("20991301", "130722", "001")},
    ]
    book = list_book(tmp_path / "名册.xlsx", rows)
    result = import_list(ledger_of(tmp_path), book, "tekun", as_of=DAY)
    found = [(f.row, f.column, f.code) for f in result.read.findings]
    assert found == [
        (4, "身份证号", "ID_BAD_CHECKSUM"),
        (5, "身份证号", "PRECISION_LOST"),
        (6, "身份证号", "MISSING_FIELD"),
        (7, "身份证号", "ID_INVALID_FORMAT"),
        (8, "身份证号", "ID_OLD_FORMAT"),  # a warning: upgraded and stored
        (9, "身份证号", "ID_BAD_BIRTHDATE"),
    ]
    assert (result.read.rows, result.read.skipped) == (7, 5)
    assert result.has_problems
    stored = people_rows(tmp_path)
    assert [(r[1], r[2]) for r in stored] == [(3, good), (8, old)]
    roster = load_reference(connect_ledger(tmp_path / "ws"))
    assert roster.roster[good][0].detail == {"certificate": "TK001"}


def test_cli_exit_codes_and_masked_output(tmp_path: Path) -> None:
    ids = [person(n) for n in range(1, 4)]
    rows = [
        {"姓名": f"测{c}", "县(区)": "张北县", "身份证号": i}
        for c, i in zip("甲乙丙", ids, strict=True)
    ]
    clean = list_book(tmp_path / "clean.xlsx", rows)
    done = cli(tmp_path, "lists", "import", str(clean), "--kind", "tekun", "--as-of", "2025-10-01")
    assert done.exit_code == 0, done.output
    assert "存入 3 人" in done.output and "张北县" in done.output
    shown = cli(tmp_path, "lists")
    assert shown.exit_code == 0 and "特困人员名册" in shown.output and "在用" in shown.output
    for text in (done.output, shown.output):
        assert not any(i in text or i[:14] in text for i in ids)  # no ID, not even in part
        assert not any(name in text for name in ("测甲", "测乙", "测丙"))

    rows[1]["身份证号"] = ids[1][:-1] + ("1" if ids[1][-1] != "1" else "2")
    dirty = list_book(tmp_path / "dirty.xlsx", rows)
    skipped = cli(tmp_path, "lists", "import", str(dirty), "--kind", "tekun")
    assert skipped.exit_code == 1 and "ID_BAD_CHECKSUM" in skipped.output
    assert "跳过 1 行" in skipped.output

    wrong = cli(tmp_path, "lists", "import", str(clean), "--kind", "roster")
    assert wrong.exit_code == 2 and "tekun" in wrong.output


def test_json_is_the_librarys_result(tmp_path: Path) -> None:
    book = list_book(
        tmp_path / "a.xlsx", [{"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)}]
    )
    done = cli(tmp_path, "lists", "import", str(book), "--kind", "tekun", "--json")
    document = json.loads(done.stdout)
    assert document["stored"] == 1 and document["list"]["sha256"] == document["sha256"]
    assert document["counties"] == [{"code": "130722", "name": "张北县"}]
    shown = json.loads(cli(tmp_path, "lists", "--json").stdout)
    assert shown == {"lists": [list_json(s) for s in list_overview(ledger_of(tmp_path))]}
    assert shown["lists"][0] == document["list"]


def test_the_same_file_again_changes_nothing(tmp_path: Path) -> None:
    book = list_book(
        tmp_path / "a.xlsx", [{"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)}]
    )
    first = import_list(ledger_of(tmp_path), book, "tekun", as_of=DAY)
    again = import_list(ledger_of(tmp_path), book, "tekun", as_of=date(2025, 11, 1))
    assert again.unchanged and again.stored == first.stored and not again.replaced
    assert len(list_overview(ledger_of(tmp_path))) == 1
    said = cli(tmp_path, "lists", "import", str(book), "--kind", "tekun")
    assert said.exit_code == 0 and "台账未改变" in said.output
    # the same file as another kind is another list
    other = import_list(ledger_of(tmp_path), book, "institution", as_of=DAY)
    assert not other.unchanged and len(list_overview(ledger_of(tmp_path))) == 2
    # the same file covering other counties (--county) is a new load that replaces it
    more = import_list(ledger_of(tmp_path), book, "tekun", as_of=DAY, named=named("张北", "康保"))
    assert not more.unchanged and [s.id for s in more.replaced] == [first.stored.id]


def named(*names: str) -> list[Any]:
    from zjk_charity.counties import named_counties

    return named_counties(names)


def test_a_roster_without_a_county_column_needs_county(tmp_path: Path) -> None:
    """A roster decides NOT_IN_ROSTER for every county it covers: never guessed from IDs."""
    book = list_book(tmp_path / "a.xlsx", [["测甲", person(1)]], ["姓名", "身份证号"])
    with pytest.raises(UserError, match="--county"):
        import_list(ledger_of(tmp_path), book, "tekun", as_of=DAY)
    said = cli(tmp_path, "lists", "import", str(book), "--kind", "tekun")
    assert said.exit_code == 2 and "--county" in said.output
    assert list_overview(ledger_of(tmp_path)) == []


def test_a_list_that_shares_some_counties_narrows_the_older_one(tmp_path: Path) -> None:
    """The city's roster covered 张北 and 康保; 张北 sends a newer roster of its own: the
    city's roster keeps 康保 and loses its 张北 people."""
    ledger = ledger_of(tmp_path)
    city = [
        {"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)},
        {"姓名": "测乙", "县(区)": "康保县", "身份证号": person(2, "130723")},
    ]
    old = import_list(ledger, list_book(tmp_path / "全市.xlsx", city), "tekun", as_of=DAY)
    new_rows = [{"姓名": "测丙", "县(区)": "张北县", "身份证号": person(3)}]
    new = import_list(ledger, list_book(tmp_path / "张北.xlsx", new_rows), "tekun", as_of=DAY)
    assert old.stored and not new.replaced and [s.id for s in new.narrowed] == [old.stored.id]
    after = {s.name: s for s in list_overview(ledger)}
    assert (after["全市.xlsx"].counties, after["全市.xlsx"].rows) == (("130723",), 1)
    assert after["全市.xlsx"].in_force and after["张北.xlsx"].counties == ("130722",)
    with ledger.read() as conn:
        assert conn is not None
        roster = load_reference(conn).roster
    assert set(roster) == {person(2, "130723"), person(3)}  # 测甲 (张北, old) is gone
    said = cli(tmp_path, "lists", "import", str(tmp_path / "全市.xlsx"), "--kind", "tekun")
    assert "张北县" in said.output  # loading the city's again takes 张北 back


def test_a_list_replaces_the_lists_of_its_kind_whose_counties_it_covers(tmp_path: Path) -> None:
    ledger = ledger_of(tmp_path)
    zhangbei = list_book(
        tmp_path / "张北.xlsx", [{"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)}]
    )
    shangyi = list_book(
        tmp_path / "尚义.xlsx", [{"姓名": "测乙", "县(区)": "尚义县", "身份证号": person(2)}]
    )
    a = import_list(ledger, zhangbei, "tekun", as_of=DAY).stored
    b = import_list(ledger, shangyi, "tekun", as_of=DAY).stored
    deaths = import_list(ledger, zhangbei, "institution", as_of=DAY).stored  # another kind
    both = list_book(
        tmp_path / "两县.xlsx",
        [
            {"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)},
            {"姓名": "测乙", "县(区)": "尚义", "身份证号": person(2)},
            {"姓名": "测丙", "县(区)": "康保县", "身份证号": person(3)},
        ],
    )
    result = import_list(ledger, both, "tekun", as_of=date(2025, 10, 15))
    assert a and b and deaths and result.stored
    assert [s.id for s in result.replaced] == [a.id, b.id]
    state = {s.name + s.kind: (s.in_force, s.replaced_by) for s in list_overview(ledger)}
    assert state == {
        "张北.xlsxtekun": (False, result.stored.id),
        "尚义.xlsxtekun": (False, result.stored.id),
        "张北.xlsxinstitution": (True, None),
        "两县.xlsxtekun": (True, None),
    }
    # the replaced lists' people are gone from the ledger (minimum personal data)
    assert {r[0] for r in people_rows(tmp_path)} == {deaths.id, result.stored.id}
    # a later list for one county does not replace a list covering more
    kangbao = list_book(
        tmp_path / "康保.xlsx", [{"姓名": "测丙", "县(区)": "康保县", "身份证号": person(3)}]
    )
    assert import_list(ledger, kangbao, "tekun", as_of=DAY).replaced == []
    shown = cli(tmp_path, "lists")
    assert "已被" in shown.output and "人员信息已删除" in shown.output


def test_counties_come_from_the_ids_when_no_column_names_them(tmp_path: Path) -> None:
    rows = [
        {"姓名": "测甲", "身份证号": person(1, "130729")},  # 万全县, retired: today 万全区
        {"姓名": "测乙", "身份证号": person(2, "130708")},
        {"姓名": "测丙", "身份证号": person(3, "110101")},  # Beijing: no county of ours
    ]
    book = list_book(tmp_path / "a.xlsx", rows, ["姓名", "身份证号"])
    read = read_list(book, "institution", DAY)
    assert (read.counties, read.counties_from) == (["130708"], "ids")
    # one county: every person is in it (the list says nothing else)
    assert {p.county_code for p in read.people} == {"130708"}
    again = read_list(book, "institution", DAY, [])
    assert again.counties == read.counties


def test_county_option_overrides(tmp_path: Path) -> None:
    book = list_book(
        tmp_path / "a.xlsx",
        [{"姓名": "测甲", "身份证号": person(1, "130725")}],
        ["姓名", "身份证号"],
    )
    done = cli(tmp_path, "lists", "import", str(book), "--kind", "tekun", "--county", "张北")
    assert done.exit_code == 0, done.output
    assert list_overview(ledger_of(tmp_path))[0].counties == ("130722",)
    assert people_rows(tmp_path)[0][4] == "130722"
    bad = cli(tmp_path, "lists", "import", str(book), "--kind", "tekun", "--county", "北京")
    assert bad.exit_code == 2 and "北京" in bad.output


@pytest.mark.parametrize(
    ("kind", "headers", "cells", "detail"),
    [
        (
            "institution",
            ["姓名", "身份证号", "机构名称"],
            ["测甲", None, "张北县中心敬老院"],
            {"institution": "张北县中心敬老院"},
        ),
        (
            "institution",
            ["姓名", "身份证号", "供养机构"],
            ["测甲", None, "某福利院"],
            {"institution": "某福利院"},
        ),
        (
            "deaths",
            ["姓名", "身份证号", "死亡时间"],
            ["测甲", None, "2025年3月5日"],
            {"death_date": "2025-03-05"},
        ),
        (
            "deaths",
            ["死者姓名", "公民身份号码", "火化日期"],
            ["测甲", None, date(2025, 3, 5)],
            {"death_date": "2025-03-05"},
        ),
        (
            "relatives",
            ["姓名", "身份证号", "与工作人员关系", "工作人员姓名"],
            ["测甲", None, "兄弟", "王某"],
            {"relation": "兄弟", "staff": "王某"},
        ),
        (
            "relatives",
            ["姓名", "身份证号", "关系", "工作人员"],
            ["测甲", None, "配偶", "李某"],
            {"relation": "配偶", "staff": "李某"},
        ),
        (
            "tekun",
            ["姓名", "身份证号码", "县区", "救助证号"],
            ["测甲", None, "张北", "TK-1"],
            {"certificate": "TK-1"},
        ),
    ],
)
def test_column_names_of_real_forms(
    tmp_path: Path, kind: str, headers: list[str], cells: list[Any], detail: dict[str, str]
) -> None:
    number = person(1)
    row = [number if c is None else c for c in cells]
    book = list_book(tmp_path / "a.xlsx", [row], headers)
    read = read_list(book, kind, DAY)
    assert [(p.id_number, p.name, p.detail) for p in read.people] == [(number, "测甲", detail)]


def test_a_bad_death_date_is_a_warning_and_the_person_is_kept(tmp_path: Path) -> None:
    """An unreadable date keeps the death (the fact that matters); no date at all is no
    death record: that row is not stored."""
    rows = [["测甲", person(1), "2025年13月1日"], ["测乙", person(2), ""]]
    book = list_book(tmp_path / "a.xlsx", rows, ["姓名", "身份证号", "死亡日期"])
    result = import_list(ledger_of(tmp_path), book, "deaths", as_of=DAY)
    assert [(f.row, f.column, f.code) for f in result.read.findings] == [
        (3, "死亡日期", "DATE_INVALID"),
        (4, "死亡日期", "MISSING_FIELD"),
    ]
    assert [p.detail for p in result.read.people] == [{"death_date": "2025年13月1日"}]
    assert result.has_problems  # a row was left out: exit 1


def test_a_list_without_death_dates_is_no_deaths_list(tmp_path: Path) -> None:
    """A roster loaded with --kind deaths by mistake would have aid pay withdraw everyone
    on it: the 死亡日期 column is required, and the file is refused (exit 2)."""
    roster = list_book(
        tmp_path / "名册.xlsx", [{"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)}]
    )
    said = cli(tmp_path, "lists", "import", str(roster), "--kind", "deaths")
    assert said.exit_code == 2 and "死亡日期" in said.output and "--kind" in said.output
    assert list_overview(ledger_of(tmp_path)) == []


def test_a_deaths_list_replacing_one_with_other_people_says_so(tmp_path: Path) -> None:
    headers = ["姓名", "县(区)", "身份证号", "死亡日期"]
    october = list_book(
        tmp_path / "10月.xlsx", [["测甲", "张北县", person(1), "2025-10-03"]], headers
    )
    november = list_book(
        tmp_path / "11月.xlsx", [["测乙", "张北县", person(2), "2025-11-03"]], headers
    )
    cli(tmp_path, "lists", "import", str(october), "--kind", "deaths")
    said = cli(tmp_path, "lists", "import", str(november), "--kind", "deaths")
    assert said.exit_code == 0 and "1 人不在新名单中" in said.output and "合并" in said.output


def test_a_gbk_csv_list(tmp_path: Path) -> None:
    path = tmp_path / "殡葬.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "身份证号", "火化日期"])
        writer.writerow(["测甲", person(1), "2025/3/5"])
    read = read_list(path, "deaths", DAY)
    assert [(p.name, p.detail) for p in read.people] == [("测甲", {"death_date": "2025-03-05"})]


def test_a_sheet_without_ids_is_column_missing_and_a_file_without_any_is_refused(
    tmp_path: Path,
) -> None:
    import openpyxl

    book = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "名册"
    first.append(["姓名", "县(区)", "身份证号"])
    first.append(["测甲", "张北县", person(1)])
    second = wb.create_sheet("补充")
    second.append(["姓名", "县(区)", "救助证号"])
    second.append(["测乙", "张北县", "TK2"])
    wb.save(book)
    result = import_list(ledger_of(tmp_path), book, "tekun", as_of=DAY)
    assert [(f.sheet, f.row, f.column, f.code) for f in result.read.findings] == [
        ("补充", 1, "身份证号", "COLUMN_MISSING")
    ]
    assert result.has_problems and len(result.read.people) == 1

    none = list_book(tmp_path / "none.xlsx", [["测乙", "张北县"]], ["姓名", "县(区)"])
    with pytest.raises(UserError) as refused:
        read_list(none, "tekun", DAY)
    assert "身份证号" in refused.value.message("zh") and "张北镇" in refused.value.message("zh")
    done = cli(tmp_path, "lists", "import", str(none), "--kind", "tekun")
    assert done.exit_code == 2 and "Traceback" not in done.output


def test_a_failed_import_leaves_the_ledger_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = ledger_of(tmp_path)
    old = list_book(
        tmp_path / "old.xlsx", [{"姓名": "测甲", "县(区)": "张北县", "身份证号": person(1)}]
    )
    import_list(ledger, old, "tekun", as_of=DAY)
    before = people_rows(tmp_path), list_overview(ledger)
    new = list_book(
        tmp_path / "new.xlsx", [{"姓名": "测乙", "县(区)": "张北县", "身份证号": person(2)}]
    )

    def broken(*args: Any, **kw: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(lists_store, "all_lists", broken)  # after the list is written
    with pytest.raises(OSError):
        import_list(ledger, new, "tekun", as_of=DAY)
    monkeypatch.undo()
    assert (people_rows(tmp_path), list_overview(ledger)) == before


def test_purge_lists_and_the_years_reviews(tmp_path: Path) -> None:
    number = person(1)
    book = list_book(
        tmp_path / "a.xlsx", [{"姓名": "测删除", "县(区)": "张北县", "身份证号": number}]
    )
    import_list(ledger_of(tmp_path), book, "relatives", as_of=DAY)
    conn = connect_ledger(tmp_path / "ws")
    with conn:
        run = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
        for year in (2024, 2025):
            conn.execute(
                "INSERT INTO warning_reviews (year, id_number, code, note, operator, at, run_id) "
                "VALUES (?, ?, 'STAFF_RELATIVE', '评议通过', '测员', '2025-10-10', ?)",
                (year, number, run),
            )
    conn.close()

    year = cli(tmp_path, "purge", "--year", "2025", "--yes")
    assert year.exit_code == 0, year.output
    assert "警告的复核记录：1 行" in year.output and "加 --lists" in year.output
    conn = connect_ledger(tmp_path / "ws")
    assert [r[0] for r in conn.execute("SELECT year FROM warning_reviews")] == [2024]
    assert conn.execute("SELECT count(*) FROM ref_people").fetchone()[0] == 1  # kept
    conn.close()

    asked = cli(tmp_path, "purge", "--lists")
    assert "参照名单中的人员：1 行" in asked.output and "参照名单记录：1 行" in asked.output
    gone = cli(tmp_path, "purge", "--lists", "--yes")
    assert gone.exit_code == 0, gone.output
    conn = connect_ledger(tmp_path / "ws")
    assert conn.execute("SELECT count(*) FROM ref_people").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM ref_lists").fetchone()[0] == 0
    conn.close()
    if not backends.postgres():  # the SQLite file itself: no free page keeps the name
        raw = (tmp_path / "ws" / "zjk-charity.db").read_bytes()
        assert "测删除".encode() not in raw  # the only place the name was: gone from the file
    assert cli(tmp_path, "lists").output.startswith("尚未导入")
