"""The money of 微心愿 stays whole across match → pay → results → settle → refund (hypothesis).

Random wishes (资金 and 物资, categories, counties) and donations (cash and goods,
designated to a wish, restricted by category or county) go through a random sequence of
steps on a real ledger: donations arriving, ``wishes match`` runs, donors' decisions
(``donations settle`` to general, to a wish, or refund — refused ones included), and
payments (``wishes pay`` itself, now and then ``--retry``, then the bank's success,
failure or silence for every instruction still waiting). After every step:

- received = matched + balances + refunded, to the fen (``Accounts.totals``), and the
  balances are exactly the designated balances, goods aside and pool balances;
- no donation gives more than its amount (matched + refunded ≤ amount), no wish receives
  more than its amount;
- payout.md's invariant of the funded wishes (``Progress.status().balanced()``), with no
  wish paid twice and none that is paid, pending or on a 采购清单 in a new batch;
- earlier matches and settlements never change; a refused decision changes nothing.

Run it with several seeds: ``pytest tests/test_wishes_money_invariants.py
--hypothesis-seed=1`` (and 2, 3, …).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from stdnum import luhn

import backends
from conftest import connect_ledger
from test_wishes_support import empty_ledger, gift, wish
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store as payments_store
from zjk_charity.payments.importing import apply_files
from zjk_charity.payments.model import Instruction, Outcome, ResultRow
from zjk_charity.payments.profiles import BASIC_PROFILE
from zjk_charity.payments.results import ResultFile
from zjk_charity.payments.writer import write_batch
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.match_run import run_match
from zjk_charity.wishes.model import Donation, Source, Wish
from zjk_charity.wishes.payout import pay_wishes
from zjk_charity.wishes.progress import Progress
from zjk_charity.wishes.settle import settle

CATEGORIES = ("孤儿", "残疾儿童")
COUNTIES = ("130722", "130726")
START = date(2025, 4, 1)
SOURCE = Source("t.xlsx", "s", 3)
STANDARD = 30000

amounts = st.one_of(st.sampled_from([10000, 30000, 50000]), st.integers(1, 60000))
gifts = st.one_of(st.sampled_from([10000, 30000, 100000]), st.integers(1, 120000))
days = st.integers(0, 9).map(lambda n: START + timedelta(days=n))


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[list[Wish], list[Donation]]:
    wishes = [
        wish(
            f"W{i}",
            draw(amounts),
            draw(days),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.sampled_from(COUNTIES)),
        )._replace(
            kind=draw(st.sampled_from(["资金", "资金", "物资"])),
            guardian="测监护",
            # now and then no 收款账号: ``wishes pay`` lists the wish and pays nothing
            account=draw(st.sampled_from([card(i), card(i), card(i), ""])),
        )
        for i in range(1, draw(st.integers(1, 6)) + 1)
    ]
    ids = [w.wish_id for w in wishes]
    donations = [
        gift(
            f"D{i}",
            draw(gifts),
            draw(days),
            goods=draw(st.integers(0, 2)) == 0,
            to=draw(st.sampled_from(ids)) if draw(st.booleans()) else None,
            category=draw(st.none() | st.sampled_from(CATEGORIES)),
            county=draw(st.none() | st.sampled_from(COUNTIES)),
        )
        for i in range(1, draw(st.integers(1, 9)) + 1)
    ]
    return wishes, donations


Step = tuple[str, int, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["arrive", "match", "settle", "pay"]),
        st.integers(0, 20),
        st.integers(0, 20),
        st.integers(0, 20),
    ),
    min_size=1,
    max_size=20,
)
TARGETS = ("general", "wish", "refund")
BANK: tuple[Outcome, ...] = ("success", "failure", "pending")


@dataclass
class World:
    """The ledger, and what the test knows independently of it."""

    ledger: Ledger
    wishes: list[Wish]
    waiting: list[Donation]  # not arrived yet
    arrived: list[Donation]
    ws: Path  # the workspace of the ledger
    folder: Path  # where the bank files of ``wishes pay`` go
    steps: int = 0

    def accounts(self) -> Accounts:
        with self.ledger.read() as conn:
            return Accounts.load(conn)

    def progress(self) -> Progress:
        with self.ledger.read() as conn:
            return Progress.load(conn)

    def dump(self) -> list[list[tuple[object, ...]]]:
        with closing(connect_ledger(self.ws)) as conn:
            return [
                [tuple(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
                for table in (
                    "runs",
                    "wish_matches",
                    "donation_settlements",
                    "payment_instructions",
                )
            ]


# ---- the steps ---------------------------------------------------------------------------
def arrive(world: World, count: int) -> None:
    """The next donations reach the ledger (1 to 3 of them)."""
    batch, world.waiting = world.waiting[: 1 + count % 3], world.waiting[1 + count % 3 :]
    with world.ledger.run("test arrive", {}) as run:
        store.insert_donations(run.conn, run.id, [(d, SOURCE) for d in batch])
    world.arrived += batch


def match(world: World) -> None:
    run_match(world.ledger, standard=STANDARD)


def decide(world: World, donation: int, target: int, wish_index: int) -> None:
    """A donor's decision on any donation: what the rules refuse must change nothing."""
    if not world.arrived:
        return
    before_accounts, before = world.accounts(), world.dump()
    # mostly what waits for a decision; now and then any donation (to be refused)
    waits = before_accounts.designated_balances() + before_accounts.goods_aside()
    pick = waits if waits and donation % 4 else world.arrived
    d = pick[donation % len(pick)]
    to = TARGETS[target % 3]
    if to == "wish":
        open_wishes = before_accounts.open_wishes()
        pick_wish = open_wishes if open_wishes and wish_index % 4 else world.wishes
        to = f"wish:{pick_wish[wish_index % len(pick_wish)].wish_id}"
    try:
        result = settle(world.ledger, d.donation_id, to, "捐赠人同意", operator="测")
    except UserError:
        assert world.dump() == before, "a refused decision changed the ledger"
        event("settle: refused")
        return
    event(f"settle: {result.decision.target} ({result.waiting})")
    balance = before_accounts.balance(before_accounts.donation_by_id[d.donation_id])
    assert result.before == balance > 0
    if result.match is None:
        assert result.amount == balance  # general and refund: the whole balance
    else:
        target_wish = before_accounts.wish_by_id[result.match.wish_id]
        assert result.amount == min(balance, before_accounts.short(target_wish))
        assert result.match.basis.value == "designated"


def pay(world: World, retry: int, outcome: int) -> None:
    """``wishes pay`` (the real rule; ``--retry`` now and then), then the bank answers
    every bank instruction still waiting: success, failure or still pending, by turns
    from ``outcome``. A wish paid, pending or on a 采购清单 is never in a new batch."""
    before = _instructions(world)
    settled = {i.payee for i in before if i.state in ("paid", "pending", "purchasing")}
    world.steps += 1
    pay_wishes(
        world.ledger,
        2025,
        profile=BASIC_PROFILE.name,
        write=lambda code, lines, folder: write_batch(BASIC_PROFILE, code, lines, folder),
        folder=world.folder / f"pay{world.steps}",
        memo="2025年微心愿",
        retry=retry % 4 == 0,
    )
    new = [i for i in _instructions(world) if i.id > max((i.id for i in before), default=0)]
    event(f"pay: {len(new)} new instructions")
    assert not {i.payee for i in new} & settled, "a wish was paid twice"
    assert len({i.payee for i in new}) == len(new), "a wish twice in one batch"
    rows = [
        ResultRow(
            "r.xlsx",
            "回盘",
            n + 2,
            i.account,
            i.name,
            i.amount,
            BANK[(outcome + n) % 3],
            "账户已销户" if BANK[(outcome + n) % 3] == "failure" else "",
            line=i.line,
            batch=i.batch,
        )
        for n, i in enumerate(x for x in _instructions(world) if x.state == "pending")
    ]
    if rows:
        digest = hashlib.sha256(f"results {world.steps}".encode()).hexdigest()
        result = ResultFile(world.folder / "r.xlsx", "r.xlsx", digest, rows)
        with world.ledger.run("wishes payments import", {}) as run:
            done = apply_files(run.conn, run.id, "wishes", None, [result], withdrawn={})
        assert not done.has_errors, [f.code for f in done.findings]


def _instructions(world: World) -> list[Instruction]:
    with world.ledger.read() as conn:
        return [] if conn is None else payments_store.instructions(conn, "wishes", None)


def card(n: int) -> str:
    body = f"621700{n:012d}"
    return body + luhn.calc_check_digit(body)


# ---- the invariants ----------------------------------------------------------------------
def _fen(text: str) -> int:
    whole, part = text.split(".")
    return int(whole) * 100 + int(part)


def check(world: World, earlier: Accounts) -> Accounts:
    """Every invariant of the module's list; returns the accounts for the next step."""
    accounts = world.accounts()
    t = accounts.totals()
    received, matched = _fen(t["donations_total"]), _fen(t["matched"])
    balance, refunded = _fen(t["balance"]), _fen(t["refunded"])
    assert received == matched + balance + refunded
    assert received == sum(d.amount for d in world.arrived)
    parts = (
        sum(accounts.balance(d) for d in accounts.designated_balances())
        + sum(accounts.balance(d) for d in accounts.goods_aside())
        + sum(p.amount for p in accounts.pool_balances())
    )
    assert parts == balance
    given = Counter[str]()
    for r in accounts.matches:
        assert r.match.amount > 0
        given[r.match.donation_id] += r.match.amount
    for d in accounts.donations:
        assert given[d.donation_id] + accounts.refunded.get(d.donation_id, 0) <= d.amount
        assert accounts.balance(d) >= 0
    for w in accounts.wishes:
        assert accounts.raised.get(w.wish_id, 0) <= w.amount
    # nothing earlier is ever changed
    assert accounts.matches[: len(earlier.matches)] == earlier.matches
    assert accounts.settlements[: len(earlier.settlements)] == earlier.settlements
    for s in accounts.settlements[len(earlier.settlements) :]:
        assert s.amount > 0
        if s.target == "wish":
            made = [r.match for r in accounts.matches if r.run_id == s.run_id]
            assert [(m.donation_id, m.wish_id, m.amount) for m in made] == [
                (s.donation_id, s.wish_id, s.amount)
            ]
    # payout.md: every funded fen in exactly one state, nobody paid twice
    progress = world.progress()
    status = progress.status()
    assert status.balanced() and status.double_paid.count == 0
    paid = Counter(i.payee for i in progress.instructions if i.state == "paid")
    assert all(n == 1 for n in paid.values())
    assert all(progress.payouts[w].funded for w in paid)
    return accounts


@settings(
    # ~20 steps of several commands per example; each opens a connection on a server.
    max_examples=25 if backends.postgres() else 100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(campaigns(), steps)
def test_money_stays_whole_across_every_step(
    tmp_path: Path, campaign: tuple[list[Wish], list[Donation]], plan: Sequence[Step]
) -> None:
    wishes, donations = campaign
    ws = tmp_path / "ws"
    ledger = empty_ledger(ws)  # one workspace for every example, emptied for each
    with tempfile.TemporaryDirectory() as folder:
        with ledger.run("test seed", {}) as run:
            store.insert_wishes(run.conn, run.id, [(w, SOURCE) for w in wishes])
        world = World(ledger, wishes, list(donations), [], ws, Path(folder))
        accounts = check(world, Accounts())
        arrive(world, len(donations) // 2)  # a first batch, matched once, then the plan
        match(world)
        accounts = check(world, accounts)
        for name, a, b, c in plan:
            if name == "arrive":
                arrive(world, a)
            elif name == "match":
                match(world)
            elif name == "settle":
                decide(world, a, b, c)
            else:
                pay(world, a, b)
            accounts = check(world, accounts)
        event(f"stages: {sorted(set(p.stage.value for p in world.progress().payouts.values()))}")
        event(f"refunded: {bool(accounts.refunded)}")


def test_a_released_balance_funds_a_wish_at_the_next_run(tmp_path: Path) -> None:
    """The example the property relies on, by hand: 500 designated to W1 (which needs
    100), released (general), funds W2 (300) at the next run; the rest (100) pools."""
    wishes = [wish("W1", 10000), wish("W2", 30000, START + timedelta(days=1))]
    with tempfile.TemporaryDirectory() as folder:
        ledger = empty_ledger(tmp_path / "ws")
        with ledger.run("test seed", {}) as run:
            store.insert_wishes(run.conn, run.id, [(w, SOURCE) for w in wishes])
            store.insert_donations(run.conn, run.id, [(gift("D1", 50000, to="W1"), SOURCE)])
        assert [(m.wish_id, m.amount) for m in run_match(ledger, standard=STANDARD).new] == [
            ("W1", 10000)
        ]
        assert run_match(ledger, standard=STANDARD).new == []  # the balance waits
        settle(ledger, "D1", "general", "同意", operator="测")
        new = run_match(ledger, standard=STANDARD).new
        assert [(m.wish_id, m.amount, m.basis.value) for m in new] == [("W2", 30000, "general")]
        world = World(
            ledger, wishes, [], [gift("D1", 50000, to="W1")], tmp_path / "ws", Path(folder)
        )
        accounts = check(world, Accounts())
        assert [p.amount for p in accounts.pool_balances()] == [10000]
