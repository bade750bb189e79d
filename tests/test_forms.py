"""``aid forms``: one A4 申请审批表 per person, pre-filled, with nothing of it in the terminal."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import GOOD_ACCOUNT, good_row, ledger_exists, make_account, make_id, write_workbook
from zjk_charity.aid import forms
from zjk_charity.cli.main import app
from zjk_charity.config import Workspace
from zjk_charity.errors import UserError
from zjk_charity.pdf import PdfUnavailable, pdf_fonts

runner = CliRunner()


def _chinese_font() -> bool:
    try:
        with pdf_fonts():
            return True
    except PdfUnavailable:
        return False


pytestmark = pytest.mark.skipif(
    not _chinese_font() and not os.environ.get("ZJK_CHARITY_REQUIRE_PDF"),
    reason="no Chinese font on this machine",
)


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws)])


def pages(pdf: Path) -> list[str]:
    """Each page's text without spaces or line breaks (a long value wraps in its cell)."""
    return ["".join(p.extract_text().split()) for p in PdfReader(pdf).pages]


PEOPLE = [
    good_row(
        姓名="测甲",
        身份证号=make_id("19400101", seq="123"),
        银行账号=make_account("622202"),
        **{"乡镇(街道)": "张北镇", "村(社区)": "一村", "户号": "H001"},
    ),
    good_row(
        姓名="测乙",
        性别="女",
        身份证号=make_id("19450305", seq="124"),
        银行账号=make_account("621700"),
        联系电话="",
        生活自理能力="部分丧失生活自理能力",
        特殊情况说明="独居，冬季取暖困难",
        **{"乡镇(街道)": "", "村(社区)": "二村", "申请日期": ""},
    ),
    good_row(
        姓名="测丙",
        身份证号=make_id("19380920", seq="135"),
        银行账号=make_account("622848"),
        **{"乡镇(街道)": "公会镇", "村(社区)": "三村"},
    ),
]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "张北县.xlsx", PEOPLE)


def test_one_page_per_person_with_every_field(tmp_path: Path, book: Path) -> None:
    target = tmp_path / "forms.pdf"
    result = cli(tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(target))
    assert result.exit_code == 0, result.output
    text = pages(target)
    assert len(text) == len(PEOPLE)
    # Ordered by county, township, village: the blank township first, then 公会镇, 张北镇.
    first, second, third = text
    assert "测乙" in first and "测丙" in second and "测甲" in third
    assert "2025年“福彩暖冬”活动申请审批表" in third
    for value in (
        PEOPLE[0]["身份证号"],
        PEOPLE[0]["银行账号"],
        "1940年1月1日",
        "张北县",
        "张北镇",
        "一村",
        "H001",
        "农村特困人员",
        "分散供养",
        "完全丧失生活自理能力",
        "13800000000",
        "农村信用社",
        "2025年10月8日",
    ):
        assert value in third, value
    assert "女" in first and "部分丧失生活自理能力" in first and "独居，冬季取暖困难" in first
    for box in (
        "申请人签字",
        "（手印）",
        "村（居）委会",
        "乡镇（街道）",
        "县级民政局",
        "市福彩中心",
    ):
        assert box in third, box
    assert third.count("签字：日期：年月日") == 5  # one signature and date line per box
    assert "编号：" in third and "填表日期：" in third and "（盖章）" in third
    assert "张北县.xlsx「张北镇」第4行" in third  # the source row, for the clerk


def test_nothing_identifying_reaches_the_terminal(tmp_path: Path, book: Path) -> None:
    bad = write_workbook(
        tmp_path / "b.xlsx", [good_row(姓名="错误甲", 身份证号="130722194001011230")]
    )
    for extra in ([], ["--json"]):
        result = cli(tmp_path / "ws", "aid", "forms", str(book), str(bad), "--year", "2025", *extra)
        output = result.output
        for person in PEOPLE:
            assert person["身份证号"] not in output and person["银行账号"] not in output
            assert person["姓名"] not in output
        assert "130722194001011230" not in output and "错误甲" not in output
        assert "错*甲" in output  # the skipped row, de-identified


def test_rows_with_errors_get_no_form_and_exit_1(tmp_path: Path) -> None:
    rows = [
        good_row(姓名="测甲", 身份证号=make_id(seq="123")),
        good_row(姓名="测乙", 身份证号="130722194001011230"),  # bad check character
        good_row(姓名="测丙", 身份证号=make_id(seq="145"), 人员类别="城市特困人员"),
        good_row(姓名="测丁", 身份证号=make_id(seq="123")),  # the same person again
        good_row(姓名="测戊", 身份证号=make_id(seq="157"), 联系电话="12"),  # a warning only
    ]
    book = write_workbook(tmp_path / "a.xlsx", rows)
    target = tmp_path / "forms.pdf"
    result = cli(
        tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(target), "--json"
    )
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["people"] == document["pages"] == 2 == len(PdfReader(target).pages)
    skipped = [
        (s["row"], s["person"], [p["code"] for p in s["problems"]]) for s in document["skipped"]
    ]
    assert skipped == [
        (5, "测*", ["ID_BAD_CHECKSUM"]),
        (6, "测*", ["NOT_RURAL"]),
        (7, "测*", ["DUPLICATE_PERSON"]),
    ]
    assert not ledger_exists(tmp_path / "ws")  # the ledger is not touched


def test_json_is_the_library_result(tmp_path: Path, book: Path) -> None:
    target = tmp_path / "forms.pdf"
    result = cli(
        tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(target), "--json"
    )
    document = json.loads(result.stdout)
    ws = Workspace.open(tmp_path / "ws")
    again = forms.write_forms(ws, 2025, files=[book], out=tmp_path / "again.pdf")
    expected = again.as_json()
    expected["files"] = [str(target)]
    assert document == expected


def test_out_folder_gets_one_file_per_county(tmp_path: Path) -> None:
    rows = [
        good_row(姓名="测甲", 身份证号=make_id(seq="123")),
        good_row(姓名="测乙", 身份证号=make_id(seq="135"), **{"县(区)": "康保县"}),
        good_row(姓名="测丙", 身份证号=make_id(seq="147")),
    ]
    book = write_workbook(tmp_path / "a.xlsx", rows)
    folder = tmp_path / "审批表"
    result = cli(tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(folder))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["申请审批表-2025-康保县.pdf", "申请审批表-2025-张北县.pdf"]
    assert len(PdfReader(folder / "申请审批表-2025-张北县.pdf").pages) == 2
    only = cli(
        tmp_path / "ws",
        "aid",
        "forms",
        str(book),
        "--county",
        "康保县",
        "--out",
        str(tmp_path / "k.pdf"),
    )
    assert only.exit_code == 0 and len(PdfReader(tmp_path / "k.pdf").pages) == 1
    # A county is named as in the workbooks (张北 = 张北县); a name that is none is exit 2.
    short = cli(
        tmp_path / "ws",
        "aid",
        "forms",
        str(book),
        "--county",
        "张北",
        "--out",
        str(tmp_path / "z.pdf"),
    )
    assert short.exit_code == 0 and len(PdfReader(tmp_path / "z.pdf").pages) == 2
    wrong = cli(
        tmp_path / "ws",
        "aid",
        "forms",
        str(book),
        "--county",
        "北京",
        "--out",
        str(tmp_path / "b.pdf"),
    )
    assert wrong.exit_code == 2 and "不是张家口市的县（区）" in wrong.output
    assert not (tmp_path / "b.pdf").exists()


def test_default_file_is_named_after_the_input(tmp_path: Path, book: Path) -> None:
    result = cli(tmp_path / "ws", "aid", "forms", str(book), "--year", "2025")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ws" / "out" / "申请审批表-张北县.pdf").is_file()


def _campaign(tmp_path: Path) -> Path:
    """Five validated applicants, three funded (budget 3,000, 1,000 each)."""
    ws = tmp_path / "ws"
    rows = [
        good_row(
            姓名=f"测{c}", 身份证号=make_id(f"19{40 + i}0101", seq="123"), 联系电话=f"1380000000{i}"
        )
        for i, c in enumerate("甲乙丙丁戊")
    ]
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    assert cli(ws, "aid", "validate", str(book), "--year", "2025").exit_code == 0
    allocated = cli(
        ws,
        "aid",
        "allocate",
        "--year",
        "2025",
        "--budget",
        "3000",
        "--per-person",
        "1000",
        "--no-workbook",
    )
    assert allocated.exit_code == 0, allocated.output
    return ws


def test_funded_prints_the_latest_allocation(tmp_path: Path) -> None:
    ws = _campaign(tmp_path)
    result = cli(ws, "aid", "forms", "--funded", "--year", "2025", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    target = ws / "out" / "申请审批表-2025.pdf"
    assert document["files"] == [str(target)] and document["people"] == 3
    text = pages(target)
    assert len(text) == 3
    # The oldest three are funded, with the phone and texts of their validated rows.
    assert ["测甲" in p or "测乙" in p or "测丙" in p for p in text] == [True] * 3
    assert any("13800000000" in p for p in text) and "完全丧失生活自理能力" in text[0]
    assert GOOD_ACCOUNT in "".join(text)


def test_help_names_the_choices() -> None:
    result = runner.invoke(app, ["aid", "forms", "--help"])
    assert result.exit_code == 0 and "--funded" in result.output and "--out" in result.output


def test_funded_without_an_allocation_exits_2(tmp_path: Path) -> None:
    result = cli(tmp_path / "ws", "aid", "forms", "--funded", "--year", "2025")
    assert result.exit_code == 2 and "aid allocate" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["aid", "forms"],  # neither files nor --funded
        ["aid", "forms", "{book}", "--funded"],  # both
        ["aid", "forms", "{missing}"],
        ["aid", "forms", "{nocols}"],
        ["aid", "forms", "{book}", "--out", "{tmp}/x.txt"],
        ["aid", "forms", "{book}", "--out", "{book}"],  # never over an input
    ],
)
def test_unusable_input_exits_2(tmp_path: Path, book: Path, args: list[str]) -> None:
    nocols = write_workbook(tmp_path / "nocols.xlsx", [["测甲", "x"]], headers=["姓名", "身份证号"])
    names = {"book": book, "missing": tmp_path / "nope.xlsx", "nocols": nocols, "tmp": tmp_path}
    result = cli(tmp_path / "ws", *(a.format(**names) for a in args), "--year", "2025")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and book.stat().st_size > 0


@pytest.mark.parametrize("name", ['#panic("x")', "]*$@<", "测#{1/0}", "*测*", "\\测", "<测>"])
def test_names_that_look_like_markup_are_printed_as_they_are(tmp_path: Path, name: str) -> None:
    book = write_workbook(tmp_path / "a.xlsx", [good_row(姓名=name)])
    target = tmp_path / "f.pdf"
    result = cli(tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert name.replace(" ", "") in pages(target)[0]


def test_a_character_no_font_has_is_reported_by_person_and_row(tmp_path: Path) -> None:
    absent = "\U00031350"  # CJK Extension H: in none of the fonts a machine has
    book = write_workbook(tmp_path / "a.xlsx", [good_row(姓名=f"李{absent}明")])
    target = tmp_path / "f.pdf"
    result = cli(tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert "a.xlsx「张北镇」第 4 行 李*明" in result.output and "U+31350" in result.output
    assert "李□明" in pages(target)[0]


def test_a_value_too_long_for_its_cell_is_cut_visibly_and_the_form_stays_one_page(
    tmp_path: Path,
) -> None:
    rows = [
        good_row(
            特殊情况说明="因病致贫，" * 200,
            开户银行="中国农业银行股份有限公司" * 10,
            **{"村(社区)": "村" * 60},
        )
    ]
    book = write_workbook(tmp_path / "a.xlsx", rows)
    target = tmp_path / "f.pdf"
    result = cli(
        tmp_path / "ws", "aid", "forms", str(book), "--year", "2025", "--out", str(target), "--json"
    )
    assert result.exit_code == 0, result.output
    cut = {n["field"] for n in json.loads(result.stdout)["cut"]}
    assert cut == {"特殊情况说明", "开户银行", "村（社区）"}
    (page,) = pages(target)
    assert page.count("下略，见申请表") == 3


def test_more_forms_than_a_run_may_hold_is_refused(
    tmp_path: Path, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forms, "MAX_FORMS", 2)
    with pytest.raises(UserError) as caught:
        forms.write_forms(Workspace.open(tmp_path / "ws"), 2025, files=[book])
    assert "--county" in caught.value.zh


def test_attachments_are_checked_as_validate_checks_them(tmp_path: Path) -> None:
    folder = tmp_path / "认证截图"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    rows = [
        good_row(姓名="测甲", 身份证号=make_id(seq="123"), 认证截图="a.png"),
        good_row(姓名="测乙", 身份证号=make_id(seq="135"), 认证截图="gone.png"),
    ]
    book = write_workbook(tmp_path / "a.xlsx", rows)
    ws = Workspace.open(tmp_path / "ws")
    plain = forms.write_forms(ws, 2025, files=[book], out=tmp_path / "1.pdf")
    assert plain.people == 2 and not plain.skipped
    checked = forms.write_forms(ws, 2025, files=[book], out=tmp_path / "2.pdf", attachments=folder)
    assert checked.people == 1
    assert [(s.row, [f.code for f in s.findings]) for s in checked.skipped] == [
        (5, ["CERTIFICATE_NOT_FOUND"])
    ]


def test_the_campaign_year_is_checked_against_the_application_dates(
    tmp_path: Path, book: Path
) -> None:
    # The year titles every form ("2030年“福彩暖冬”…"): the dates of 2025 are said at once.
    result = cli(tmp_path / "ws", "aid", "forms", str(book), "--year", "2030")
    assert result.exit_code == 0, result.output
    assert "申请日期大多在 2025 年" in result.output and "2030" in result.output
