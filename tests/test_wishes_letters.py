"""``wishes letters``: every donor's letter, its figures equal to the ledger's to the fen.

The ledger states (payments, deliveries, settlements) are made through the stores
(``wish_states``), so these tests do not depend on the commands that write them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import wish_states as ws_
from conftest import ledger_exists
from test_reports import needs_pdf
from test_wishes_support import donation_row, gift, wish, wish_row
from zjk_charity.cli.main import app
from zjk_charity.ledger import Ledger
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import yuan
from zjk_charity.wishes.columns import ANONYMOUS
from zjk_charity.wishes.letters import (
    ANONYMOUS_TO,
    SHORT_TEXT,
    SMALL_ROWS,
    Decision,
    Gift,
    Letter,
    Reached,
    arrangements,
    build_letters,
    file_name,
    letters_data,
    load_letters,
    write_letters,
)
from zjk_charity.wishes.matching import match_wishes
from zjk_charity.wishes.model import Basis, Match
from zjk_charity.wishes.progress import Progress, Stage
from zjk_charity.wishes.store import MatchRecord, Settlement

runner = CliRunner()
DAY = date(2025, 11, 20)


@pytest.fixture(scope=ws_.shared_scope)
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    return ws_.every_stage(tmp_path_factory.mktemp("letters"))


def _letters(ledger: Ledger) -> dict[str, Letter]:
    with ledger.read() as conn:
        return {x.donor: x for x in load_letters(conn)}


def _accounts(ledger: Ledger) -> Accounts:
    with ledger.read() as conn:
        return Accounts.load(conn)


def test_each_donor_gets_one_letter_anonymous_last(ledger: Ledger) -> None:
    letters = _letters(ledger)
    assert list(letters) == ["测企业", "测个人", "匿名"]
    assert letters["匿名"].to == ANONYMOUS_TO and letters["测企业"].to == "测企业"
    assert [g.donation_id for g in letters["匿名"].gifts] == ["D0001", "D0004"]


def test_what_it_did_shows_each_wish_with_its_stage(ledger: Ledger) -> None:
    anonymous = _letters(ledger)["匿名"]
    rows = [(r.wish_id, r.child, r.share, r.stage, r.delivered) for r in anonymous.reached]
    assert rows == [
        ("W0001", "测*一", 30000, Stage.DELIVERED, date(2025, 11, 2)),
        ("W0002", "测*二", 10000, Stage.PURCHASED, None),
        ("W0003", "测*三", 30000, Stage.CLAIMED, None),  # its payment failed
        ("W0005", "测*五", 30000, Stage.CLAIMED, None),
        ("W0006", "测*六", 30000, Stage.CLAIMED, None),  # by the donor's decision
    ]
    first = anonymous.reached[0]
    assert (first.age, first.category, first.county) == (10, "孤儿", "张北县")
    assert _letters(ledger)["测个人"].reached[0].stage is Stage.PAID


def test_balances_and_decisions_are_the_settlements(ledger: Ledger) -> None:
    letters = _letters(ledger)
    decided = {
        donor: [(d.donation_id, d.text, d.amount, d.explanation, d.day) for d in x.decisions]
        for donor, x in letters.items()
    }
    day = date(2025, 11, 10)
    assert decided["匿名"] == [
        ("D0001", "转给心愿 W0006", 30000, "经您同意，转给孩子 测*六 的心愿", day),
        ("D0001", "待与您商定", 40000, "定向余额，总会将与您联系商定用途", None),
    ]
    assert decided["测个人"] == [("D0005", "已退还", 20000, "按您的意见，已退还您", day)]
    assert decided["测企业"] == [
        ("D0003", "待与您商定", 60000, "未定向物资（羽绒服），总会将与您联系商定用途", None),
        ("D0006", "转为通用", 50000, "经您同意，转为非定向资金，按规则用于其他心愿", day),
    ]
    # A gift let go keeps the designation it was given with; its money is pool money now.
    d6 = next(g for g in letters["测企业"].gifts if g.donation_id == "D0006")
    assert d6.designation == "定向心愿 W0001"
    assert letters["测企业"].pool == 50000
    assert letters["匿名"].pool == 18888


def test_every_letter_reconciles_and_all_sum_to_the_ledger(ledger: Ledger) -> None:
    letters = list(_letters(ledger).values())
    t = _accounts(ledger).totals()
    for x in letters:
        assert x.reconciles(), x.donor
        assert x.given == x.used + x.waiting + x.refunded
    assert yuan(sum(x.given for x in letters)) == t["donations_total"]
    assert yuan(sum(x.used for x in letters)) == t["matched"]
    assert yuan(sum(x.waiting for x in letters)) == t["balance"]
    assert yuan(sum(x.refunded for x in letters)) == t["refunded"] == "200.00"
    shares = sum(r.share for x in letters for r in x.reached)
    assert yuan(shares) == t["matched"]


# A settlement's note is free text: staff may write a phone number or a guardian's name in it.
PRIVATE_NOTE = "监护人测秘密电话13912345678，同意退回"


@needs_pdf
def test_no_letter_prints_a_settlements_note(tmp_path: Path) -> None:
    ledger = ws_.every_stage(tmp_path)
    ws_.settle(ledger, "D0001", "refund", note=PRIVATE_NOTE, at="2025-11-12T09:00:00+08:00")
    with ledger.read() as conn:
        assert conn is not None
        assert PRIVATE_NOTE in [s.note for s in store.load_settlements(conn)]
        letters = load_letters(conn)
    result = write_letters(ledger, 2025, tmp_path / "out", day=DAY)
    anonymous = next(x for x in letters if x.anonymous)
    assert ("D0001", "已退还", 40000, "按您的意见，已退还您") in [
        (d.donation_id, d.text, d.amount, d.explanation) for d in anonymous.decisions
    ]
    printed = [
        "".join(_pages(f)) for f in result.files
    ]  # the stack and the anonymous letter the platform publishes
    data = json.dumps(letters_data(letters, 2025, DAY, None), ensure_ascii=False)
    document = json.dumps(result.as_json(), ensure_ascii=False)
    assert "按您的意见，已退还您" in printed[1] and "2025-11-12" in printed[1]
    for text in (*printed, data, document):
        for secret in ("13912345678", "测秘密", "同意退回"):
            assert secret not in text
        for note in ("捐赠人同意转给", "捐赠人要求退回", "捐赠人同意用于其他心愿"):
            assert note not in text  # every_stage's notes: none printed either


def test_a_wish_fulfilled_in_kind_says_so(tmp_path: Path) -> None:
    """The kind the letter prints is how the wish is fulfilled, as payments status says."""
    ledger = ws_.in_kind(tmp_path)
    with ledger.read() as conn:
        letters = load_letters(conn)
    rows = {r.wish_id: (r.kind, r.fulfilled_as, r.kind_text) for x in letters for r in x.reached}
    assert rows == {
        "W0001": ("资金", "物资", "资金心愿，以物资实现"),  # the goods designated to it
        "W0002": ("物资", "物资", "物资"),
        "W0003": ("资金", "资金", "资金"),
    }
    page = letters_data(letters, 2025, DAY, None)["letters"]
    cells = [row[5] for x in page for row in x["wishes"]]
    assert "新学期的书包和文具（资金心愿，以物资实现）" in cells
    as_json = {w["wish"]: w["kind"] for x in letters for w in x.as_json()["wishes"]}
    assert as_json == {"W0001": "物资", "W0002": "物资", "W0003": "资金"}


# ---- the property: any campaign, any decisions -------------------------------------------
CATEGORIES = ("孤儿", "残疾儿童")
COUNTIES = ("130722", "130726")


@st.composite
def _ledger_state(draw: st.DrawFn) -> Progress:
    wishes = [
        wish(
            f"W{n:03d}",
            draw(st.sampled_from([100, 30000, 50000])),
            date(2025, 3, 1) + timedelta(days=n),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.sampled_from(COUNTIES)),
            child=f"C{n}",
        )
        for n in range(draw(st.integers(1, 8)))
    ]
    ids = [w.wish_id for w in wishes]
    donations = [
        gift(
            f"D{n:03d}",
            draw(st.integers(1, 90000)),
            date(2025, 4, 1) + timedelta(days=n),
            goods=draw(st.booleans()),
            to=draw(st.none() | st.sampled_from(ids)),
            category=draw(st.none() | st.sampled_from(CATEGORIES)),
            donor=draw(st.sampled_from(["匿名", "甲", "乙"])),
        )
        for n in range(draw(st.integers(1, 8)))
    ]
    accounts = Accounts(wishes, donations)
    matches = match_wishes(wishes, donations, {}, {})
    accounts.set_matches([MatchRecord(n, 1, m) for n, m in enumerate(matches)])
    settlements: list[Settlement] = []
    for d in accounts.designated_balances() + accounts.goods_aside():
        target = draw(st.sampled_from(["none", "refund", "wish"]))
        left = accounts.balance(d)
        open_wishes = accounts.open_wishes()
        if target == "refund":
            settlements.append(Settlement(0, d.donation_id, "refund", None, left, "", "", "", 2))
        elif target == "wish" and open_wishes:
            w = open_wishes[0]
            fen = min(left, accounts.short(w))
            settlements.append(Settlement(0, d.donation_id, "wish", w.wish_id, fen, "", "", "", 2))
            records = [
                *accounts.matches,
                MatchRecord(99, 2, Match(d.donation_id, w.wish_id, fen, Basis.DESIGNATED)),
            ]
            accounts.set_matches(records)
        accounts.set_settlements(settlements)
    return Progress.build(accounts, [], {})


@settings(max_examples=150, deadline=None)
@given(_ledger_state())
def test_letters_sum_to_the_accounts_for_any_campaign(progress: Progress) -> None:
    accounts = progress.accounts
    letters = build_letters(progress, accounts.donations)
    t = accounts.totals()
    assert all(x.reconciles() for x in letters)
    assert yuan(sum(x.given for x in letters)) == t["donations_total"]
    assert yuan(sum(x.used for x in letters)) == t["matched"]
    assert yuan(sum(x.waiting for x in letters)) == t["balance"]
    assert yuan(sum(x.refunded for x in letters)) == t["refunded"]
    assert len(letters) == len({d.donor for d in accounts.donations})
    assert sum(len(x.gifts) for x in letters) == len(accounts.donations)


# ---- the PDF --------------------------------------------------------------------------
def _pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return ["".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


def _long_donor(folder: Path) -> Ledger:
    """One donor whose money reached 60 wishes: more than one page holds."""
    wishes = [wish_row(n, 儿童姓名=f"测长{n}", 心愿内容="一套图书和一个书包") for n in range(1, 61)]
    gifts = [
        donation_row(1, 捐赠人="测大企业", 金额=18000),
        donation_row(2, 捐赠人="测小户", 金额=50, 到账日期="2025-05-01"),
    ]
    return ws_.campaign(folder, wishes, gifts)


@needs_pdf
def test_one_pdf_each_letter_on_its_own_page_long_ones_with_an_annex(tmp_path: Path) -> None:
    ledger = _long_donor(tmp_path)
    out = tmp_path / "out"
    result = write_letters(ledger, 2025, out, day=DAY)
    assert result.files == [out / file_name(2025)]  # no anonymous gift: no anonymous file
    pages = _pages(result.files[0])
    assert len(pages) == result.pages == 4
    # The long letter: page 1 is the letter, signed; its wishes follow whole as 附表.
    assert "尊敬的测大企业" in pages[0] and "负责人" in pages[0] and "2025年11月20日" in pages[0]
    assert "见本函后的附表" in pages[0]
    annex = [p for p in pages if "附表：善款帮助的心愿（60个）" in p]
    assert annex and pages.index(annex[0]) == 1
    assert "致测大企业的感谢信附表第1页" in pages[1] and "附表第2页" in pages[2]
    wish_rows = "".join(pages[1:-1])
    assert all(f"W{n:04d}" in wish_rows for n in range(1, 61))  # every wish, none cut
    # The next letter starts on a new page of its own, numbered from 1.
    assert pages[-1].count("尊敬的") == 1 and "尊敬的测小户" in pages[-1]
    assert "附表" not in pages[-1]
    # Children only de-identified.
    assert "测长" not in "".join(pages) and "测*1" in wish_rows


@needs_pdf
def test_anonymous_letter_is_also_written_alone(ledger: Ledger, tmp_path: Path) -> None:
    result = write_letters(ledger, 2025, tmp_path, day=DAY)
    alone = tmp_path / file_name(2025, ANONYMOUS_TO)
    assert result.files == [tmp_path / file_name(2025), alone]
    text = "".join(_pages(alone))
    assert text.count("尊敬的") == 1 and f"尊敬的{ANONYMOUS_TO}" in text
    assert "已送达2025-11-02" in text and "转给心愿W0006" in text
    assert "核对：捐赠合计1,888.88元=已用于心愿1,300.00元+尚待使用588.88元" in text
    everything = "".join(_pages(result.files[0]))
    assert everything.count("尊敬的") == 3
    assert "已退还200.00元" in everything
    with ledger.read() as conn:
        assert conn is not None
        (command, result_json) = conn.execute(
            "SELECT command, result FROM runs WHERE id = ?", (result.run_id,)
        ).fetchone()
    assert command == "wishes letters"
    assert json.loads(result_json)["given"] == _accounts(ledger).totals()["donations_total"]


def test_only_letters_between_small_and_long_are_measured() -> None:
    def letter(gifts: int, wishes: int, content: str = "书包") -> Letter:
        gift_ = Gift("D1", DAY, "资金", "", 100, "不限定", 100, 0, 0)
        reached = Reached(
            "W1", "测*", 9, "孤儿", "张北县", "资金", content, 100, 100, Stage.PAID, None
        )
        return Letter("甲", [gift_] * gifts, [reached] * wishes)

    assert arrangements(letter(2, 3)) == [(False, False)]  # small: nothing to measure
    assert len(arrangements(letter(2, 3, "一" * 17))) == 4  # a long text: measured
    assert len(arrangements(letter(3, 3))) == 4
    assert arrangements(letter(2, 31)) == [(False, True), (True, True)]
    assert arrangements(letter(31, 31)) == [(True, True)]


@needs_pdf
def test_the_largest_small_letter_fits_its_first_page(tmp_path: Path) -> None:
    """The worst a letter that is not measured can be: rows of two lines, the longest
    texts, the anonymous paragraph, a pool line and a long name; it still fits."""
    from zjk_charity.pdf import pdf_fonts, render_pdf
    from zjk_charity.pdf.engine import page_count
    from zjk_charity.reports.render import packaged_templates

    text = "一" * SHORT_TEXT
    gift_ = Gift("JZ202500001", DAY, "物资", "羽绒服和棉鞋", 50000, text, 30000, 0, 20000)
    reached = Reached(
        "XY20250001",
        "测**一",
        9,
        "事实无人抚养儿童",
        "塞北管理区",
        "资金",
        text,
        50000,
        15000,
        Stage.DELIVERED,
        DAY,
        in_kind=True,  # the longest kind: 资金心愿，以物资实现
    )
    # The longest 说明 a decision has: undesignated goods with the longest name.
    decision = Decision("JZ202500001", "waiting", 20000, None, DAY, goods=text)
    x = Letter(ANONYMOUS, [gift_, gift_], [reached, reached], [decision], pool=20000)
    assert len(x.gifts) + len(x.reached) + len(x.decisions) == SMALL_ROWS
    assert arrangements(x) == [(False, False)]
    target = tmp_path / "one.pdf"
    with pdf_fonts() as fonts:
        render_pdf(
            "wishes-letter.typ",
            letters_data([x], 2025, DAY, None),
            target,
            fonts,
            [packaged_templates()],
        )
    assert page_count(target) == 1


def _cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, ["wishes", "letters", *args, "-w", str(ws)])


@needs_pdf
def test_cli_json_is_the_library_result(tmp_path: Path) -> None:
    ledger = ws_.every_stage(tmp_path)
    ws = tmp_path / "ws"
    (ws / "zjk-charity.toml").write_text(
        'campaign_year = 2025\n[signers]\nhandler = "测经办"\n', encoding="utf-8"
    )
    result = _cli(ws, "--json", "--date", "2025-11-20")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    with ledger.read() as conn:
        expected = [x.as_json() for x in load_letters(conn)]
    assert document["donors"] == expected
    assert document["given"] == _accounts(ledger).totals()["donations_total"]
    assert document["date"] == "2025-11-20"
    assert [Path(f).name for f in document["files"]] == [
        file_name(2025),
        file_name(2025, ANONYMOUS_TO),
    ]
    assert all(Path(f).is_file() for f in document["files"])
    first = _pages(Path(document["files"][0]))[0]
    assert "经办人：测经办" in first and "复核人：" in first  # an unset one: a line to sign


def test_cli_refuses_an_empty_ledger(tmp_path: Path) -> None:
    result = _cli(tmp_path)
    assert result.exit_code == 2
    assert "donations import" in result.output
    assert not ledger_exists(tmp_path)
