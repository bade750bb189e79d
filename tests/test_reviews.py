"""Reviews of warnings (`aid accept`), the re-checks at allocate and pay, `aid explain`'s
findings with their reviews (integrity.md)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

import backends
from conftest import connect_ledger, ledger_at, make_id, write_workbook
from reflists import Listed, load_list
from test_allocation import _people as people  # older people rank first
from zjk_charity.aid.allocation import Allocation, Entry, load_allocation
from zjk_charity.aid.explain import explain
from zjk_charity.aid.payout import payments_status
from zjk_charity.cli.main import app
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_id
from zjk_charity.integrity.reviews import accept
from zjk_charity.ledger import Ledger

runner = CliRunner()
YEAR = 2025


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws), "--year", str(YEAR)])


@dataclass
class Campaign:
    """张北县 6 and 康保县 4 applicants, validated; 张北县's second-oldest (``relative``)
    is in the relatives register loaded before validation (a STAFF_RELATIVE warning)."""

    ws: Path
    zhangbei: list[str]  # IDs, oldest first (the county's rank order)
    kangbao: list[str]

    @property
    def ledger(self) -> Ledger:
        return ledger_at(self.ws)

    @property
    def relative(self) -> str:
        return self.zhangbei[1]


def make_campaign(root: Path) -> Campaign:
    ws = root / "ws"
    zb, kb = people(6, "张北县", "130722", 0), people(4, "康保县", "130723", 50)
    a = write_workbook(root / "张北县.xlsx", zb)
    b = write_workbook(root / "康保县.xlsx", kb)
    campaign = Campaign(ws, [r["身份证号"] for r in zb], [r["身份证号"] for r in kb])
    ws.mkdir()
    relative = Listed(
        campaign.relative, zb[1]["姓名"], detail={"relation": "儿子", "staff": "王某"}
    )
    load_list(ws, "relatives", [relative], name="近亲属备案.xlsx")
    checked = cli(ws, "aid", "validate", str(a), str(b), "--no-workbook")
    assert checked.exit_code == 0, checked.output
    return campaign


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    return make_campaign(tmp_path_factory.mktemp("reviews"))


@pytest.fixture
def campaign(request: pytest.FixtureRequest, tmp_path: Path) -> Campaign:
    """A fresh copy of the validated workspace for each test (on PostgreSQL, whose ledger
    is no folder to copy, a workspace made afresh)."""
    if backends.postgres():
        return make_campaign(tmp_path)
    prepared: Campaign = request.getfixturevalue("prepared")
    shutil.copytree(prepared.ws, tmp_path / "ws")
    return Campaign(tmp_path / "ws", prepared.zhangbei, prepared.kangbao)


def allocate(c: Campaign, *extra: str) -> dict[str, Any]:
    made = cli(c.ws, "aid", "allocate", "--budget", "6000", "--per-person", "1000", *extra)
    assert made.exit_code == 0, made.output
    return json.loads(made.stdout) if "--json" in extra else {"output": made.output}


def entry(a: Allocation, number: str) -> Entry:
    (e,) = [e for e in a.entries if e.id_number == number]
    return e


def reviews_in(ws: Path) -> list[tuple[Any, ...]]:
    conn = connect_ledger(ws)
    try:
        return conn.execute(
            "SELECT year, id_number, code, note, operator FROM warning_reviews ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def runs_in(ws: Path) -> int:
    conn = connect_ledger(ws)
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        conn.close()


# --------------------------------------------------------------------- aid accept


def test_accept_records_the_review_with_operator_and_time(campaign: Campaign) -> None:
    done = accept(
        campaign.ledger,
        YEAR,
        campaign.relative,
        "STAFF_RELATIVE",
        "  经村民代表会议评议，\n符合条件 ",
        operator="王经办",
        at="2025-11-03T14:05:00+08:00",
    )
    assert reviews_in(campaign.ws) == [
        (YEAR, campaign.relative, "STAFF_RELATIVE", "经村民代表会议评议， 符合条件", "王经办")
    ]
    doc = done.as_json()
    assert doc["id"] == campaign.relative[:6] + "********" + campaign.relative[-4:]
    assert campaign.relative not in json.dumps(doc, ensure_ascii=False)
    assert (doc["code"], doc["operator"], doc["at"], doc["earlier_reviews"]) == (
        "STAFF_RELATIVE",
        "王经办",
        "2025-11-03T14:05:00+08:00",
        0,
    )
    assert doc["rows"] == [
        {"file": "张北县.xlsx", "sheet": "张北镇", "row": 5, "column": "身份证号"}
    ]


def test_accepting_again_keeps_both_and_the_latest_counts(campaign: Campaign) -> None:
    first = accept(
        campaign.ledger, YEAR, campaign.relative, "staff_relative", "初核", operator="甲"
    )
    second = accept(
        campaign.ledger, YEAR, campaign.relative, "STAFF_RELATIVE", "复议通过", operator="乙"
    )
    assert (first.earlier, second.earlier) == (0, 1)
    assert [r[3] for r in reviews_in(campaign.ws)] == ["初核", "复议通过"]
    allocate(campaign, "--no-workbook")
    found = explain(campaign.ledger, YEAR, campaign.relative).as_json()["people"][0]["findings"]
    (staff,) = [f for f in found if f["code"] == "STAFF_RELATIVE"]
    assert staff["review"]["note"] == "复议通过" and staff["review"]["operator"] == "乙"
    assert staff["review"]["reviews"] == 2


@pytest.mark.parametrize(
    ("who", "code", "note", "says"),
    [
        ("relative", "NO_SUCH_CODE", "x", "问题代码“NO_SUCH_CODE”不存在"),
        ("relative", "DECEASED", "x", "DECEASED 是错误，不能复核接受"),
        ("relative", "ID_BAD_CHECKSUM", "x", "错误必须改正"),
        ("relative", "STAFF_RELATIVE", "  \n ", "请用 --note 写明复核意见"),
        ("other", "STAFF_RELATIVE", "x", "没有 STAFF_RELATIVE 警告"),
        ("stranger", "STAFF_RELATIVE", "x", "申请人中没有身份证号为"),
        ("bad", "STAFF_RELATIVE", "x", "校验位错误"),
    ],
)
def test_accept_refuses_with_a_clear_message(
    campaign: Campaign, who: str, code: str, note: str, says: str
) -> None:
    number = {
        "relative": campaign.relative,
        "other": campaign.zhangbei[0],
        "stranger": make_id("19450505", "130722", "999"),
        "bad": campaign.relative[:-1] + ("0" if campaign.relative[-1] != "0" else "1"),
    }[who]
    runs = runs_in(campaign.ws)
    with pytest.raises(UserError) as refused:
        accept(campaign.ledger, YEAR, number, code, note, operator="王经办")
    assert says in refused.value.zh
    assert number not in refused.value.zh and number not in refused.value.en
    assert reviews_in(campaign.ws) == [] and runs_in(campaign.ws) == runs
    # The CLI: exit 2 and the same message, never a traceback.
    shown = cli(campaign.ws, "aid", "accept", number, "--code", code, "--note", note)
    assert shown.exit_code == 2, shown.output
    assert says.replace(" ", "") in "".join(shown.output.split())
    assert "Traceback" not in shown.output and number not in shown.output


def test_a_warning_of_another_person_is_named_in_the_refusal(campaign: Campaign) -> None:
    with pytest.raises(UserError) as refused:
        accept(campaign.ledger, YEAR, campaign.zhangbei[0], "STAFF_RELATIVE", "x", operator="甲")
    assert "此人没有任何警告" in refused.value.zh


def test_cli_accept_json_is_the_library_result(campaign: Campaign) -> None:
    shown = cli(
        campaign.ws,
        "aid",
        "accept",
        campaign.relative,
        "--code",
        "STAFF_RELATIVE",
        "--note",
        "经村民代表会议评议，符合条件",
        "--json",
    )
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    (stored,) = reviews_in(campaign.ws)
    assert doc["note"] == stored[3] == "经村民代表会议评议，符合条件"
    assert doc["operator"] == stored[4] and doc["operator"]  # the login name: no handler set
    assert campaign.relative not in shown.stdout
    text = cli(
        campaign.ws,
        "aid",
        "accept",
        campaign.relative,
        "--code",
        "STAFF_RELATIVE",
        "--note",
        "再次核实",
    )
    assert text.exit_code == 0 and "已记录复核" in text.output and "以本次为准" in text.output
    assert campaign.relative not in text.output


def test_the_operator_is_the_settings_handler(campaign: Campaign) -> None:
    (campaign.ws / "zjk-charity.toml").write_text(
        '[signers]\nhandler = "李经办"\n', encoding="utf-8"
    )
    shown = cli(
        campaign.ws, "aid", "accept", campaign.relative, "--code", "STAFF_RELATIVE",
        "--note", "符合条件", "--json",
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["operator"] == "李经办"


# -------------------------------------------------------------- re-check at allocate


def test_allocate_refuses_people_the_lists_loaded_after_validation_mark(
    campaign: Campaign,
) -> None:
    dead, home = campaign.zhangbei[0], campaign.kangbao[0]
    off_roster = campaign.kangbao[1]
    load_list(campaign.ws, "deaths", [Listed(dead, detail={"death_date": "2025-10-30"})],
              name="殡葬记录.xlsx")  # fmt: skip
    load_list(campaign.ws, "institution", [Listed(home, detail={"institution": "康保县敬老院"})])
    roster = [Listed(n) for n in campaign.kangbao if n != off_roster]
    load_list(campaign.ws, "tekun", roster, name="康保县特困名册.xlsx")
    doc = allocate(campaign, "--no-workbook", "--json")
    excluded = {x["id"]: x["reason"] for x in doc["excluded"]}
    assert {dead: "ERROR", home: "ERROR", off_roster: "ERROR"}.items() <= excluded.items()
    funded = {r["id"] for r in doc["recipients"]}
    assert not {dead, home, off_roster} & funded and len(funded) == 6
    a = load_allocation(campaign.ledger, YEAR)
    assert entry(a, dead).errors == "DECEASED"
    assert entry(a, home).errors == "IN_INSTITUTION"
    assert entry(a, off_roster).errors == "NOT_IN_ROSTER"
    # explain names the list, like any other finding, and says it came from the re-check.
    person = explain(campaign.ledger, YEAR, dead).as_json()["people"][0]
    assert "DECEASED" in person["explanation"]
    (found,) = person["findings"]
    assert (found["code"], found["severity"], found["source"]) == ("DECEASED", "error", "allocate")
    assert "殡葬记录.xlsx" in found["message"] and "2025-10-30" in found["message"]


def test_allocate_says_what_the_recheck_refused(campaign: Campaign) -> None:
    load_list(campaign.ws, "deaths", [Listed(campaign.zhangbei[0])])
    shown = allocate(campaign, "--no-workbook")["output"]
    assert "按当前名单复核" in " ".join(shown.split()) and "DECEASED 1 人" in shown
    conn = connect_ledger(campaign.ws)
    result = json.loads(
        conn.execute("SELECT result FROM runs WHERE command = 'aid allocate'").fetchone()[0]
    )
    conn.close()
    assert result["rechecked"] == {"DECEASED": 1}


def test_the_not_funded_sheet_shows_the_recheck_code(campaign: Campaign) -> None:
    dead = campaign.zhangbei[0]
    load_list(campaign.ws, "deaths", [Listed(dead, detail={"death_date": "2025-10-30"})])
    out = campaign.ws / "alloc.xlsx"
    allocate(campaign, "--out", str(out))
    sheet = openpyxl.load_workbook(out)["未入选"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[2] == dead]
    assert len(rows) == 1 and "有错误" in str(rows[0][7]) and "DECEASED" in str(rows[0][7])


def test_a_code_validation_stored_is_not_added_twice(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    rows = people(3)
    dead = rows[0]["身份证号"]
    load_list(ws, "deaths", [Listed(dead, detail={"death_date": "2025-09-01"})])
    book = write_workbook(tmp_path / "a.xlsx", rows)
    assert cli(ws, "aid", "validate", str(book), "--no-workbook").exit_code == 1
    made = cli(ws, "aid", "allocate", "--budget", "2000", "--per-person", "1000", "--no-workbook")
    assert made.exit_code == 0 and "按当前名单复核" not in made.output
    a = load_allocation(ledger_at(ws), YEAR)
    assert entry(a, dead).errors == "DECEASED" and entry(a, dead).reason == "ERROR"
    (found,) = explain(ledger_at(ws), YEAR, dead).as_json()["people"][0]["findings"]
    assert found["source"] == "validate" and "2025-09-01" in found["message"]


def test_a_relatives_list_alone_refuses_nobody(campaign: Campaign) -> None:
    doc = allocate(campaign, "--no-workbook", "--json")
    assert campaign.relative in {r["id"] for r in doc["recipients"]}
    assert doc["excluded"] == []


# ------------------------------------------------------------------- re-check at pay


def test_pay_withdraws_the_newly_dead_and_pays_who_takes_the_place(campaign: Campaign) -> None:
    """validate → allocate → a deaths list → pay: the dead are not paid, their places go
    down the waitlist (a waitlisted person who died too is passed over the same way)."""
    doc = allocate(campaign, "--no-workbook", "--json")
    funded_zb = [r["id"] for r in sorted(doc["recipients"], key=lambda r: r["rank"])][:4]
    waiting_zb = [n for n in doc["waitlist"] if n in campaign.zhangbei]
    assert funded_zb == campaign.zhangbei[:4] and waiting_zb == campaign.zhangbei[4:]
    dead, dead_waiting = funded_zb[0], waiting_zb[0]
    load_list(
        campaign.ws,
        "deaths",
        [
            Listed(dead, detail={"death_date": "2025-11-02"}),
            Listed(dead_waiting, detail={"death_date": "2025-10-31"}),
        ],
        name="殡葬记录-11月.xlsx",
    )
    paid = cli(campaign.ws, "aid", "pay", "--json")
    assert paid.exit_code == 0, paid.output
    result = json.loads(paid.stdout)
    gone = [w["withdrawn"] for w in result["withdrawn"]]
    assert [w["reason"] for w in gone] == ["去世", "去世"]
    assert "殡葬记录-11月.xlsx" in gone[0]["note"] and "2025-11-02" in gone[0]["note"]
    assert "2025-10-31" in gone[1]["note"]
    assert result["withdrawn"][1]["backfilled"]["id"].endswith(waiting_zb[1][-4:])
    assert dead not in paid.stdout  # masked
    a = load_allocation(campaign.ledger, YEAR)
    assert entry(a, dead).status == "withdrawn" and entry(a, dead_waiting).status == "withdrawn"
    assert entry(a, waiting_zb[1]).status == "funded"
    assert a.change(entry(a, dead).seq, "withdrawn").reason == "去世"  # type: ignore[union-attr]
    # The batch pays today's list: the backfilled person, not the dead.
    assert result["count"] == 6 and result["not_posted"] == 1
    status = payments_status(campaign.ledger, YEAR).as_json()
    states = {p["id"]: p["state"] for p in status["people"]}
    assert states[waiting_zb[1]] == "pending" and dead not in states
    assert status["withdrawn"] == 2 and status["pending"]["count"] == 6


def test_pay_says_who_was_withdrawn(campaign: Campaign) -> None:
    allocate(campaign, "--no-workbook")
    load_list(
        campaign.ws, "deaths", [Listed(campaign.zhangbei[0], detail={"death_date": "2025-11-02"})]
    )
    shown = cli(campaign.ws, "aid", "pay")
    assert shown.exit_code == 0, shown.output
    flat = "".join(shown.output.split())
    assert "付款前按死亡名单复核：1人" in flat and "已撤销" in flat and "递补" in flat
    assert "尚未补充公示的递补人员" in flat
    assert campaign.zhangbei[0] not in shown.output


def test_pay_leaves_people_whose_payment_is_out(campaign: Campaign) -> None:
    allocate(campaign, "--no-workbook")
    assert cli(campaign.ws, "aid", "pay").exit_code == 0  # everyone pending
    load_list(campaign.ws, "deaths", [Listed(campaign.zhangbei[0])])
    again = cli(campaign.ws, "aid", "pay", "--json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["withdrawn"] == [] and doc["batch"] is None


def test_pay_without_deaths_lists_changes_nothing(campaign: Campaign) -> None:
    allocate(campaign, "--no-workbook")
    doc = json.loads(cli(campaign.ws, "aid", "pay", "--json").stdout)
    assert doc["withdrawn"] == [] and doc["count"] == 6


# ----------------------------------------------------------------------- aid explain


def test_explain_shows_each_warning_with_its_review_or_not_reviewed(campaign: Campaign) -> None:
    allocate(campaign, "--no-workbook")
    before = cli(campaign.ws, "aid", "explain", campaign.relative)
    assert before.exit_code == 0, before.output
    flat = "".join(before.output.split())
    assert "[警告]STAFF_RELATIVE" in flat and "近亲属备案" in flat and "未复核" in flat
    accept(campaign.ledger, YEAR, campaign.relative, "STAFF_RELATIVE", "经评议符合条件",
           operator="王经办", at="2025-11-03T14:05:00+08:00")  # fmt: skip
    after = cli(campaign.ws, "aid", "explain", campaign.relative)
    flat = "".join(after.output.split())
    assert "已复核：经评议符合条件（王经办，2025-11-0314:05）" in flat and "未复核" not in flat
    assert campaign.relative not in after.output
    english = cli(campaign.ws, "aid", "explain", campaign.relative, "--lang", "en")
    assert "reviewed: 经评议符合条件 (王经办, 2025-11-03 14:05)" in english.output
    doc = json.loads(cli(campaign.ws, "aid", "explain", campaign.relative, "--json").stdout)
    (staff,) = doc["people"][0]["findings"]
    assert staff["review"] == {
        "note": "经评议符合条件",
        "operator": "王经办",
        "at": "2025-11-03T14:05:00+08:00",
        "reviews": 1,
    }


def test_explain_json_has_no_review_for_errors(campaign: Campaign) -> None:
    load_list(campaign.ws, "deaths", [Listed(campaign.zhangbei[0])])
    allocate(campaign, "--no-workbook")
    doc = json.loads(cli(campaign.ws, "aid", "explain", campaign.zhangbei[0], "--json").stdout)
    (found,) = doc["people"][0]["findings"]
    assert "review" not in found and found["severity"] == "error"


def test_explain_says_when_the_list_behind_a_recheck_was_replaced(campaign: Campaign) -> None:
    dead = campaign.zhangbei[0]
    load_list(campaign.ws, "deaths", [Listed(dead, detail={"death_date": "2025-10-30"})])
    allocate(campaign, "--no-workbook")
    load_list(campaign.ws, "deaths", [], counties=["130722"])  # 张北县's list replaced
    (found,) = explain(campaign.ledger, YEAR, dead).as_json()["people"][0]["findings"]
    assert found["code"] == "DECEASED" and "该名单现已更换" in found["message"]


def test_a_failed_payment_to_someone_since_dead_is_not_retried(campaign: Campaign) -> None:
    from zjk_charity.payments.store import instructions, set_state

    allocate(campaign, "--no-workbook")
    assert cli(campaign.ws, "aid", "pay").exit_code == 0
    dead = campaign.zhangbei[0]
    with campaign.ledger.run("aid payments import", {}) as run:
        (sent,) = [i for i in instructions(run.conn, "aid", YEAR) if i.payee == dead]
        set_state(run.conn, run.id, [(sent.id, "failed", "账户已销户")])
    load_list(campaign.ws, "deaths", [Listed(dead, detail={"death_date": "2025-11-02"})])
    retry = json.loads(cli(campaign.ws, "aid", "pay", "--retry", "--json").stdout)
    (gone,) = retry["withdrawn"]
    assert gone["withdrawn"]["reason"] == "去世" and retry["batch"] is None
    taker = gone["backfilled"]["id"]
    after = json.loads(cli(campaign.ws, "aid", "pay", "--json").stdout)
    assert after["count"] == 1 and after["withdrawn"] == []
    states = payments_status(campaign.ledger, YEAR).as_json()
    assert dead not in {p["id"] for p in states["people"]}
    assert [p["state"] for p in states["people"] if mask_id(p["id"]) == taker] == ["pending"]
