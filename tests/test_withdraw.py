"""`aid withdraw` and 递补: who takes a freed place, what is refused, and what explain says."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import backends
from backends import ledger_rows
from conftest import ledger_at, write_workbook
from test_allocation import _people as people  # older people rank first
from zjk_charity.aid.allocation import Allocation, Entry, load_allocation
from zjk_charity.aid.changes import REASONS, default_operator, next_in_line, vacate, withdraw
from zjk_charity.aid.ranking import Person, allocate
from zjk_charity.cli.main import app
from zjk_charity.config import PriorityClass
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.payments.model import BatchLine, Payee
from zjk_charity.payments.store import instructions, next_code, record_batch, set_state

runner = CliRunner()
YEAR = 2025


def cli(ws: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-w", str(ws), "--year", str(YEAR)])


@dataclass
class Listed:
    """A workspace with an allocation of 6 places: 张北县 funds its ranks 1-4 and waits
    5, 6; 康保县 funds 7, 8 and waits 9, 10; one 康保县 person is excluded (household)."""

    ws: Path
    funded: list[str]  # IDs by city rank
    waiting: list[str]
    excluded: str

    @property
    def ledger(self) -> Ledger:
        return ledger_at(self.ws)


def make_listed(root: Path) -> Listed:
    ws = root / "ws"
    ws.mkdir()  # for its settings file: a ledger on PostgreSQL puts nothing in the folder
    kangbao = people(4, "康保县", "130723", 50)
    same_household = people(1, "康保县", "130723", 60)[0] | {"户号": "H50"}
    a = write_workbook(root / "张北县.xlsx", people(6, "张北县", "130722", 0))
    b = write_workbook(root / "康保县.xlsx", [*kangbao, same_household])
    checked = cli(ws, "aid", "validate", str(a), str(b), "--no-workbook")
    assert checked.exit_code == 0, checked.output
    made = cli(ws, "aid", "allocate", "--budget", "6000", "--per-person", "1000", "--no-workbook",
               "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    listed = Listed(
        ws,
        [r["id"] for r in sorted(doc["recipients"], key=lambda r: r["rank"])],
        doc["waitlist"],
        doc["excluded"][0]["id"],
    )
    assert [r["county"] for r in sorted(doc["recipients"], key=lambda r: r["rank"])] == [
        *["张北县"] * 4,
        *["康保县"] * 2,
    ]
    return listed


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Listed:
    return make_listed(tmp_path_factory.mktemp("listed"))


def fresh_copy(prepared: Listed, tmp_path: Path) -> Listed:
    shutil.copytree(prepared.ws, tmp_path / "ws")
    return Listed(tmp_path / "ws", prepared.funded, prepared.waiting, prepared.excluded)


def fresh_listed(request: pytest.FixtureRequest, tmp_path: Path) -> Listed:
    """A fresh copy of the module's ``prepared`` workspace in ``tmp_path``; on PostgreSQL,
    whose ledger is no folder to copy, a workspace made afresh there."""
    if backends.postgres():
        return make_listed(tmp_path)
    return fresh_copy(request.getfixturevalue("prepared"), tmp_path)


@pytest.fixture
def listed(request: pytest.FixtureRequest, tmp_path: Path) -> Listed:
    """A fresh copy of the prepared workspace for each test."""
    return fresh_listed(request, tmp_path)


def by_id(a: Allocation, number: str) -> Entry:
    (e,) = [e for e in a.entries if e.id_number == number]
    return e


def pay(listed: Listed, numbers: list[str], method: str = "bank") -> None:
    """Record a batch paying ``numbers`` (pending, or cash_pending for a cash sheet)."""
    a = load_allocation(listed.ledger, YEAR)
    lines = []
    for n, number in enumerate(numbers, start=1):
        e = by_id(a, number)
        payee = Payee(number, e.county or "", e.name, e.account, e.bank, a.per_person)
        lines.append(BatchLine(n, payee, "暖冬"))
    with listed.ledger.run("aid pay", {}) as run:
        code = next_code(run.conn, "aid", YEAR, method)  # type: ignore[arg-type]
        record_batch(
            run.conn, run.id, code=code, purpose="aid", year=YEAR, method=method, lines=lines
        )  # type: ignore[arg-type]


def set_paid(listed: Listed, number: str) -> None:
    with listed.ledger.run("aid payments import", {}) as run:
        (i,) = [i for i in instructions(run.conn, "aid", YEAR) if i.payee == number]
        set_state(run.conn, run.id, [(i.id, "paid", None)])


# ------------------------------------------------------------------------ backfill order


def test_the_place_goes_to_the_same_countys_first_waiting(listed: Listed) -> None:
    first = listed.funded[0]  # 张北县, rank 1
    done = withdraw(listed.ledger, YEAR, first, "去世", note="10月30日去世", operator="王经办")
    assert done.withdrawal.backfilled is not None
    assert done.withdrawal.backfilled.id_number == listed.waiting[0]  # 张北县's rank 5
    assert done.withdrawal.scope == "county"
    a = load_allocation(listed.ledger, YEAR)
    gone, came = by_id(a, first), by_id(a, listed.waiting[0])
    assert (gone.status, gone.amount, gone.reason) == ("withdrawn", None, "WITHDRAWN")
    assert (came.status, came.amount) == ("funded", Decimal("1000"))
    assert len(a.funded) == 6 and a.amount == Decimal("6000") and a.unspent == 0
    assert [e.id_number for e in a.first_funded] == listed.funded  # as the 公示 posted it
    assert came.backfilled and not gone.backfilled
    change = a.change(gone.seq, "withdrawn")
    assert change is not None
    assert (change.reason, change.note, change.operator) == ("去世", "10月30日去世", "王经办")
    assert change.related_seq == came.seq
    back = a.change(came.seq, "backfilled")
    assert back is not None and back.related_seq == gone.seq


def test_an_empty_county_waitlist_sends_the_place_to_the_best_city_wide_rank(
    listed: Listed,
) -> None:
    takers = [
        withdraw(listed.ledger, YEAR, number, "放弃").withdrawal.backfilled
        for number in listed.funded[:4]  # 张北县's four; it has two waiting
    ]
    assert [t.id_number if t else None for t in takers] == listed.waiting  # 5, 6, then 9, 10
    assert [t.county if t else None for t in takers] == ["张北县", "张北县", "康保县", "康保县"]
    a = load_allocation(listed.ledger, YEAR)
    assert by_id(a, listed.excluded).status == "excluded"
    # Nobody waits any more: the next place stays empty, the excluded person is skipped.
    last = withdraw(listed.ledger, YEAR, listed.funded[4], "去世")
    assert last.withdrawal.backfilled is None
    a = load_allocation(listed.ledger, YEAR)
    assert by_id(a, listed.excluded).status == "excluded"
    assert len(a.funded) == 5 and a.unspent == Decimal("1000")


def test_no_backfill_leaves_the_place_empty_and_its_money_unspent(listed: Listed) -> None:
    done = withdraw(listed.ledger, YEAR, listed.funded[1], "无法联系", backfill=False)
    assert done.withdrawal.backfilled is None
    assert done.as_json()["unspent"] == "1000.00"
    a = load_allocation(listed.ledger, YEAR)
    assert [e.id_number for e in a.waitlist] == listed.waiting
    assert a.change(by_id(a, listed.funded[1]).seq, "withdrawn").related_seq is None  # type: ignore[union-attr]
    # The next withdrawal with backfill takes the county's first waiting person still.
    again = withdraw(listed.ledger, YEAR, listed.funded[2], "放弃")
    assert again.withdrawal.backfilled.id_number == listed.waiting[0]  # type: ignore[union-attr]


def test_a_backfilled_person_withdrawn_again_frees_the_place_for_the_next(listed: Listed) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    second = withdraw(listed.ledger, YEAR, listed.waiting[0], "放弃")
    assert second.withdrawal.backfilled.id_number == listed.waiting[1]  # type: ignore[union-attr]
    a = load_allocation(listed.ledger, YEAR)
    assert by_id(a, listed.waiting[0]).status == "withdrawn"
    assert len(a.funded) == 6


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("number", "reason", "note", "says"),
    [
        ("110101194001010012", "去世", "", "没有身份证号为 110101********0012"),
        ("110101194001010017", "去世", "", "身份证号 110101********0017 有误"),  # check digit
        ("waitlisted", "去世", "", "是候补"),
        ("excluded", "去世", "", "未入选（同户已入选）"),
        ("funded", "死了", "", "只能是：去世、放弃、复审未通过、无法联系、其他"),
        ("funded", "其他", "", "请用 --note 写明"),
    ],
)
def test_refusals_name_the_reason_and_change_nothing(
    listed: Listed, number: str, reason: str, note: str, says: str
) -> None:
    target = {
        "waitlisted": listed.waiting[0],
        "excluded": listed.excluded,
        "funded": listed.funded[0],
    }.get(number, number)
    before = ledger_rows(listed.ws)
    args = ["aid", "withdraw", target, "--reason", reason, *(["--note", note] if note else [])]
    result = cli(listed.ws, *args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert target not in result.output  # never the full ID
    assert ledger_rows(listed.ws) == before


def test_withdrawing_twice_is_refused_with_the_first_withdrawal_named(listed: Listed) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    before = ledger_rows(listed.ws)
    with pytest.raises(UserError, match="从资助名单撤销（去世），不能再次撤销"):
        withdraw(listed.ledger, YEAR, listed.funded[0], "放弃")
    assert ledger_rows(listed.ws) == before


@pytest.mark.parametrize("state", ["paid", "pending"])
def test_paid_or_pending_people_cannot_be_withdrawn(listed: Listed, state: str) -> None:
    number = listed.funded[0]
    pay(listed, [number, listed.funded[1]])
    if state == "paid":
        set_paid(listed, number)
    before = ledger_rows(listed.ws)
    result = cli(listed.ws, "aid", "withdraw", number, "--reason", "去世")
    assert result.exit_code == 2
    expected = "已付款成功" if state == "paid" else "正在等待银行回盘"
    assert expected in result.output and "P2025-001" in result.output
    assert ledger_rows(listed.ws) == before


def test_a_failed_payment_does_not_stop_a_withdrawal(listed: Listed) -> None:
    number = listed.funded[0]
    pay(listed, [number])
    with listed.ledger.run("aid payments import", {}) as run:
        (i,) = instructions(run.conn, "aid", YEAR)
        set_state(run.conn, run.id, [(i.id, "failed", "账户已销户")])
    assert withdraw(listed.ledger, YEAR, number, "去世").withdrawal.backfilled is not None


def test_an_unconfirmed_cash_payment_is_cancelled_with_the_withdrawal(listed: Listed) -> None:
    number = listed.funded[0]
    pay(listed, [number, listed.funded[1]], method="cash")
    done = withdraw(listed.ledger, YEAR, number, "去世")
    assert len(done.withdrawal.cancelled) == 1
    with listed.ledger.read() as conn:
        assert conn is not None
        states = {i.payee: (i.state, i.reason) for i in instructions(conn, "aid", YEAR)}
    assert states[number] == ("cancelled", "撤销：去世")
    assert states[listed.funded[1]] == ("cash_pending", "")


def test_withdrawal_is_refused_after_finalize(listed: Listed) -> None:
    assert cli(listed.ws, "aid", "finalize", "--allow-unpaid").exit_code == 0
    before = ledger_rows(listed.ws)
    result = cli(listed.ws, "aid", "withdraw", listed.funded[0], "--reason", "去世")
    assert result.exit_code == 2 and "已定稿" in result.output
    assert ledger_rows(listed.ws) == before


def test_allocate_is_refused_once_the_list_changed_or_was_paid(listed: Listed) -> None:
    again = ("aid", "allocate", "--budget", "6000", "--per-person", "1000", "--no-workbook")
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    result = cli(listed.ws, *again)
    assert result.exit_code == 2
    assert "aid withdraw" in result.output and "aid export" in result.output


def test_allocate_is_refused_once_a_batch_was_made(listed: Listed) -> None:
    pay(listed, [listed.funded[0]])
    before = ledger_rows(listed.ws)
    result = cli(listed.ws, "aid", "allocate", "--budget", "6000", "--no-workbook")
    assert result.exit_code == 2 and "银行代发批次" in result.output
    assert ledger_rows(listed.ws) == before


# ---------------------------------------------------------------------------- the CLI


def test_cli_withdraw_json_is_the_library_result_and_masks_ids(listed: Listed) -> None:
    result = cli(listed.ws, "aid", "withdraw", listed.funded[4], "--reason", "复审未通过",
                 "--note", "户籍已迁出", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["withdrawn"]["reason"] == "复审未通过" and doc["withdrawn"]["note"] == "户籍已迁出"
    assert doc["withdrawn"]["operator"] == default_operator()
    assert doc["backfilled"]["from"] == "county" and doc["backfilled"]["county"] == "康保县"
    assert doc["backfilled"]["id"].endswith(listed.waiting[2][-4:])
    assert (doc["funded"], doc["amount"], doc["unspent"]) == (6, "6000.00", "0.00")
    for number in [*listed.funded, *listed.waiting]:
        assert number not in result.stdout


def test_cli_operator_is_the_settings_handler(listed: Listed) -> None:
    (listed.ws / "zjk-charity.toml").write_text(
        f'campaign_year = {YEAR}\n[signers]\nhandler = "李经办"\n', encoding="utf-8"
    )
    result = cli(listed.ws, "aid", "withdraw", listed.funded[0], "--reason", "去世")
    assert result.exit_code == 0, result.output
    assert "经办人 李经办" in result.output and "递补" in result.output
    assert listed.funded[0] not in result.output


def test_default_operator_falls_back_to_the_login_name() -> None:
    assert default_operator("  张三 ") == "张三"
    assert default_operator("") not in ("", "张三")


# ------------------------------------------------------------------------ aid explain


def test_explain_tells_the_withdrawn_and_the_backfilled_persons_story(listed: Listed) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世", note="病故", operator="王经办",
             at="2025-11-02T09:00:00+08:00")  # fmt: skip
    gone = cli(listed.ws, "aid", "explain", listed.funded[0]).output
    assert "已撤销：2025-11-02 因“去世”（病故）从资助名单撤销，经办人 王经办" in gone
    assert "原为张北县第 1 名" in gone and "名额由张北县" in gone
    came = cli(listed.ws, "aid", "explain", listed.waiting[0]).output
    assert "已入选（递补）：2025-11-02 递补张北县" in came
    assert "为本县当时第一名候补（县内候补第 1 位，全市排名第 5 名）" in came
    assert "尚未补充公示" in came
    for number in [listed.funded[0], listed.waiting[0]]:
        assert number not in gone and number not in came
    en = cli(listed.ws, "aid", "explain", listed.waiting[0], "--lang", "en").output
    assert "funded by backfill (递补) on 2025-11-02" in en and "first still waiting" in en
    doc = json.loads(cli(listed.ws, "aid", "explain", listed.funded[0], "--json").stdout)
    (person,) = doc["people"]
    assert person["status"] == "withdrawn"
    assert person["withdrawn"]["reason"] == "去世" and person["withdrawn"]["operator"] == "王经办"
    assert person["withdrawn"]["backfilled_by"]["id"].endswith(listed.waiting[0][-4:])


def test_explain_names_the_city_wide_rank_that_made_someone_next(listed: Listed) -> None:
    for number in listed.funded[:3]:
        withdraw(listed.ledger, YEAR, number, "放弃")
    doc = json.loads(cli(listed.ws, "aid", "explain", listed.waiting[2], "--json").stdout)
    (person,) = doc["people"]
    assert person["backfilled"]["from"] == "city"
    assert "张北县已无候补，按全市排名递补（全市排名第 9 名，康保县）" in person["explanation"]


# ---------------------------------------------- the lists every consumer reads: today's


def test_the_allocation_workbook_lists_a_withdrawn_person_under_未入选(
    listed: Listed, tmp_path: Path
) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    out = tmp_path / "a.xlsx"
    assert cli(listed.ws, "aid", "export", "--out", str(out)).exit_code == 0
    book = openpyxl.load_workbook(out)
    not_funded = {r[2]: r for r in book["未入选"].iter_rows(min_row=3, values_only=True)}
    assert not_funded[listed.funded[0]][6] == "已撤销"
    assert "因“去世”从资助名单撤销" in not_funded[listed.funded[0]][7]
    funded = {r[6] for r in book["资助名单"].iter_rows(min_row=3, values_only=True)}
    assert listed.waiting[0] in funded and listed.funded[0] not in funded
    shown = cli(listed.ws, "aid", "export", "--out", str(tmp_path / "b.xlsx"))
    assert "资助 6 人" in shown.output


# ----------------------------------------------------------------- properties (the rule)

CLASSES = [PriorityClass(name="失能", care_levels=["失能", "半失能"], min_age=60)]


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[Allocation, list[tuple[int, bool]]]:
    """A random campaign allocated by the published rule, and withdrawals to make."""
    n = draw(st.integers(1, 25))
    persons = []
    for key in range(n):
        persons.append(
            Person(
                key,
                draw(st.sampled_from(["130722", "130723", "130724"])),
                f"ID{key:04d}",
                date(1930 + draw(st.integers(0, 40)), 1, 1),
                care_level=draw(st.sampled_from(["失能", "自理"])),
                household=draw(st.sampled_from(["", "", "H1", "H2"])),
                has_error=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    seats = draw(st.integers(0, n))
    outcome = allocate(persons, seats=seats, classes=CLASSES, as_of=date(2025, 10, 20))
    entries = []
    for p, placed in zip(persons, outcome.placed, strict=True):
        e = Entry(p.key, "f.xlsx", "s", p.key + 2, p.county_code, p.county_code, "", "", "测",
                  p.id_number, p.birth_date, None, p.household, p.care_level, "", "", None, "",
                  "")  # fmt: skip
        e.status, e.rank, e.county_rank = placed.status, placed.rank, placed.county_rank
        e.county_position, e.position = placed.county_position, placed.position
        e.amount = Decimal(1000) if placed.status == "funded" else None
        entries.append(e)
    a = Allocation(YEAR, date(2025, 10, 20), Decimal(1000 * seats), Decimal(1000), CLASSES,
                   seats, None, entries, outcome.quotas)  # fmt: skip
    steps = draw(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=12))
    return a, steps


@settings(max_examples=300, deadline=None)
@given(campaigns())
def test_no_sequence_of_withdrawals_breaks_the_list(
    case: tuple[Allocation, list[tuple[int, bool]]],
) -> None:
    a, steps = case
    excluded = {e.seq for e in a.entries if e.status == "excluded"}
    withdrawn: set[int] = set()
    for pick, backfill in steps:
        funded = a.funded
        if not funded:
            break
        e = funded[pick % len(funded)]
        expected = next_in_line_by_hand(a, e) if backfill else None
        taker = vacate(a, e, backfill)
        withdrawn.add(e.seq)
        assert (taker.seq if taker else None) == expected
        funded_now = a.funded
        seqs = [x.seq for x in funded_now]
        assert len(funded_now) <= a.quota_total
        assert len(seqs) == len(set(seqs))  # nobody funded twice
        assert not set(seqs) & (excluded | withdrawn)
        assert a.amount == len(funded_now) * a.per_person
        assert all(x.amount == a.per_person for x in funded_now)


def next_in_line_by_hand(a: Allocation, freed: Entry) -> int | None:
    """The spec's words, independently: the same county's waitlist in county order, else
    the best city-wide rank; only waitlisted people, never the freed person."""
    waiting = [e for e in a.entries if e.status == "waitlist" and e.seq != freed.seq]
    county = sorted(
        (e for e in waiting if e.county_code == freed.county_code),
        key=lambda e: e.county_position or 0,
    )
    if county:
        return county[0].seq
    city = sorted(waiting, key=lambda e: e.position or 0)
    return city[0].seq if city else None


def test_next_in_line_is_none_when_nobody_waits() -> None:
    e = Entry(0, "f", "s", 2, "130722", "张北县", "", "", "测", "X", None, None, "", "自理", "",
              "", None, "", "", status="funded", rank=1, county_rank=1)  # fmt: skip
    a = Allocation(YEAR, date(2025, 10, 20), Decimal(1000), Decimal(1000), [], 1, None, [e])
    assert next_in_line(a, e) is None


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.integers(0, 20), st.booleans(), st.sampled_from(REASONS)), max_size=6))
def test_the_ledger_keeps_the_invariants_after_any_withdrawals(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[int, bool, str]],
) -> None:
    root = tmp_path_factory.mktemp("seq")
    prepared = fresh_listed(request, root)
    ledger = prepared.ledger
    gone: set[str] = set()
    for pick, backfill, reason in steps:
        funded = load_allocation(ledger, YEAR).funded
        if not funded:
            break
        number = funded[pick % len(funded)].id_number or ""
        withdraw(ledger, YEAR, number, reason, note="说明", backfill=backfill)
        gone.add(number)
        a = load_allocation(ledger, YEAR)
        ids = [e.id_number for e in a.funded]
        assert len(ids) <= a.quota_total and len(ids) == len(set(ids))
        assert prepared.excluded not in ids and not gone & set(ids)
        assert a.amount == len(ids) * a.per_person
        assert a.unspent == a.budget - a.amount
