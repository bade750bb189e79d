"""``donations settle``: what a donor decided for money that waits for them (payout.md).

Two kinds of money wait for a person's decision, never for the matching rule:

- a **designated balance** (定向余额): what is left of a gift designated to a wish once
  that wish is covered;
- **goods aside** (未定向物资): goods not designated to a wish.

The donor decides, and ``donations settle ID --to … --note …`` records it:

- ``general``: the designated balance becomes undesignated money. One settlement of the
  whole balance; from then on ``Accounts.load`` reads the donation without its
  designation (nor its 定向类别 / 定向县区), so the next ``wishes match`` may use it for
  any wish by the rule. Refused for goods: goods are never matched automatically, so
  "general" would only move them from one waiting list to another.
- ``wish:W…``: the balance (cash or goods) goes to wish W: a match (basis
  ``designated``, the donor named the wish) of min(balance, W's remaining need), and a
  settlement of that amount. Any rest still waits for a decision.
- ``refund``: the whole balance goes back to the donor (money out: ``Accounts.refunded``,
  received = matched + balances + refunded).

Refused (UserError, the ledger unchanged): an unknown donation; a donation with nothing
waiting (all matched or refunded, undesignated cash — the rule uses it —, or a gift whose
wish still needs money, which the next ``wishes match`` gives it first); an empty note;
an unknown wish or one that needs nothing more; ``general`` for goods. Earlier matches
are never changed: a settlement only adds a match and a settlement row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.text import squash
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import Fen, yuan, yuan_grouped
from zjk_charity.wishes.model import Basis, Donation, Match, Wish

Target = Literal["general", "wish", "refund"]
Waiting = Literal["designated", "goods"]
TARGETS: tuple[Target, ...] = ("general", "wish", "refund")
WAITING_ZH: dict[Waiting, str] = {"designated": "定向余额", "goods": "未定向物资"}
WAITING_EN: dict[Waiting, str] = {"designated": "designated balance", "goods": "goods aside"}


@dataclass(frozen=True)
class Decision:
    """What ``--to`` says: general, refund, or a wish (``wish:W0001``)."""

    target: Target
    wish_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> Decision:
        """``general``, ``refund`` or ``wish:W…`` (NFKC, spaces and case of the word
        ignored: ``wish：W0001`` typed with a full-width colon is read too)."""
        value = squash(text)
        word, colon, wish_id = value.partition(":")
        word = word.lower()
        if not colon and word == "general":
            return cls("general")
        if not colon and word == "refund":
            return cls("refund")
        if colon and word == "wish" and wish_id:
            return cls("wish", wish_id)
        raise UserError(
            f"--to “{text}” 无法识别；可填 general（转为非定向资金）、wish:心愿编号（转给另一个心愿，"
            "如 wish:W0002）或 refund（退还捐赠人）",
            f"--to '{text}' is not understood; use general, wish:W… (e.g. wish:W0002) or refund",
        )


@dataclass(frozen=True)
class SettleResult:
    """One recorded decision: what waited, what was decided, what still waits."""

    run_id: int
    settlement_id: int
    donation: Donation
    waiting: Waiting  # what kind of money waited
    decision: Decision
    before: Fen  # the balance that waited
    amount: Fen  # what was decided now (the whole balance, or what the wish took)
    note: str
    operator: str
    at: str
    match: Match | None  # wish: the match made
    wish_short: Fen | None  # wish: what that wish still needs after it
    accounts: Accounts  # the accounts after the decision

    @property
    def left(self) -> Fen:
        """What of the balance still waits for a decision (only after ``wish``)."""
        return self.before - self.amount if self.decision.target == "wish" else 0

    def as_json(self) -> dict[str, Any]:
        """``--json``: the decision, its amounts, what still waits, and the totals after."""
        return {
            "donation": self.donation.donation_id,
            "donor": self.donation.donor,
            "kind": self.donation.kind,
            "waiting": self.waiting,
            "to": self.decision.target,
            "wish": self.decision.wish_id,
            "balance": yuan(self.before),
            "amount": yuan(self.amount),
            "still_waiting": yuan(self.left),
            "wish_short": None if self.wish_short is None else yuan(self.wish_short),
            "note": self.note,
            "operator": self.operator,
            "at": self.at,
            "match": None
            if self.match is None
            else {
                "donation": self.match.donation_id,
                "wish": self.match.wish_id,
                "amount": yuan(self.match.amount),
                "basis": self.match.basis.value,
            },
            "totals": self.accounts.totals(),
        }


def settle(
    ledger: Ledger,
    donation_id: str,
    to: str,
    note: str,
    *,
    operator: str,
    now: datetime | None = None,
    arguments: dict[str, Any] | None = None,
) -> SettleResult:
    """Record the donor's decision for what waits of ``donation_id`` (see the module).

    One transaction (``Ledger.run("donations settle")``): a refusal raises UserError and
    leaves the ledger as it was. ``now`` (default: the computer's clock) is the time
    recorded with ``operator``.
    """
    decision = Decision.parse(to)
    # As typed (only the ends trimmed): NFKC would turn the Chinese comma "，" into ","
    # and change the words the donor's agreement was written down in.
    said = note.strip()
    if not said:
        raise UserError(
            "请用 --note 写明捐赠人的意见（如何时、以何种方式同意），说明不能为空",
            "--note must say what the donor agreed (when, how); it cannot be empty",
        )
    key = squash(donation_id)
    if not ledger.exists:
        raise _unknown_donation(key)
    at = (now or datetime.now()).astimezone().isoformat(timespec="seconds")
    with ledger.run(
        "donations settle",
        arguments or {"donation": key, "to": to, "note": said},
    ) as run:
        accounts = Accounts.load(run.conn)
        donation = accounts.donation_by_id.get(key)
        if donation is None:
            raise _unknown_donation(key)
        waiting = _what_waits(accounts, donation)
        before = accounts.balance(donation)
        match, wish = _decide(accounts, donation, waiting, decision, before)
        amount = match.amount if match is not None else before
        if match is not None:
            store.insert_matches(run.conn, run.id, [match])
        settlement_id = store.insert_settlement(
            run.conn,
            run.id,
            donation_id=key,
            target=decision.target,
            wish_id=decision.wish_id,
            amount=amount,
            note=said,
            operator=operator,
            at=at,
        )
        after = Accounts.load(run.conn)
        result = SettleResult(
            run.id,
            settlement_id,
            donation,
            waiting,
            decision,
            before,
            amount,
            said,
            operator,
            at,
            match,
            after.short(wish) if wish is not None else None,
            after,
        )
        run.result = {
            k: v for k, v in result.as_json().items() if k not in ("note", "totals", "donor")
        }
    return result


def _unknown_donation(key: str) -> UserError:
    return UserError(
        f"捐赠编号“{key}”在台账中不存在；请核对编号（zjk-charity wishes status 列出待决定的余额）",
        f"donation '{key}' is not in the ledger; check the number (zjk-charity wishes "
        "status lists what waits for a decision)",
    )


def _what_waits(accounts: Accounts, donation: Donation) -> Waiting:
    """The kind of money of ``donation`` that waits for the donor, or a UserError."""
    key, balance = donation.donation_id, accounts.balance(donation)
    if balance <= 0:
        raise UserError(
            f"捐赠 {key} 已全部匹配或退还，没有待决定的余额",
            f"donation {key} is wholly matched or refunded: nothing waits for a decision",
        )
    if donation.designated:
        wish = accounts.wish_by_id.get(donation.wish_id or "")
        short = accounts.short(wish) if wish is not None else 0
        if short > 0:
            raise UserError(
                f"捐赠 {key} 定向的心愿 {donation.wish_id} 尚缺 {yuan_grouped(short)} 元："
                "请先运行 zjk-charity wishes match，定向捐赠先用于它所定向的心愿，余下的才待捐赠人决定",
                f"donation {key} is designated to {donation.wish_id}, which still needs "
                f"{yuan_grouped(short)} yuan: run zjk-charity wishes match first (a gift goes to "
                "its wish before anything of it waits for a decision)",
            )
        return "designated"
    if donation.set_aside:
        return "goods"
    raise UserError(
        f"捐赠 {key} 是非定向资金（余额 {yuan_grouped(balance)} 元），由 wishes match 按规则匹配，"
        "不需要捐赠人决定；只有定向余额和未定向物资可以用 donations settle 处理",
        f"donation {key} is undesignated cash ({yuan_grouped(balance)} yuan left): wishes "
        "match uses it by the rule. Only designated balances and goods aside are settled",
    )


def _decide(
    accounts: Accounts, donation: Donation, waiting: Waiting, decision: Decision, balance: Fen
) -> tuple[Match | None, Wish | None]:
    """The match a ``wish:`` decision makes (None for general and refund), checked."""
    if decision.target == "general":
        if waiting == "goods" or not donation.is_cash:
            raise UserError(
                f"捐赠 {donation.donation_id} 是物资（{donation.goods or '未写名称'}），不能转为非定向资金："
                "物资不参与自动匹配；请用 --to wish:心愿编号 指定心愿，或 --to refund 退还捐赠人",
                f"donation {donation.donation_id} is goods, which are never matched "
                "automatically: use --to wish:W… or --to refund",
            )
        return None, None
    if decision.target == "refund":
        return None, None
    wish_id = decision.wish_id or ""
    wish = accounts.wish_by_id.get(wish_id)
    if wish is None:
        raise UserError(
            f"心愿编号“{wish_id}”在台账中不存在；请核对编号",
            f"wish '{wish_id}' is not in the ledger; check the number",
        )
    short = accounts.short(wish)
    if short <= 0:
        raise UserError(
            f"心愿 {wish_id} 已筹满，不再需要捐赠；请选择尚缺资金的心愿（见 zjk-charity wishes status）",
            f"wish {wish_id} is fully funded and needs nothing more; choose an open wish "
            "(see zjk-charity wishes status)",
        )
    waiting_for_it = _designated_to(accounts, wish_id, donation.donation_id)
    if waiting_for_it:
        raise UserError(
            f"心愿 {wish_id} 另有定向给它、尚未匹配的捐赠（{'、'.join(waiting_for_it)}）："
            "请先运行 zjk-charity wishes match，定向捐赠先用于它所定向的心愿，再决定是否还需转入",
            f"wish {wish_id} has gifts designated to it not matched yet "
            f"({', '.join(waiting_for_it)}): run zjk-charity wishes match first, so they go "
            "to their wish before another gift is moved to it",
        )
    amount = min(balance, short)
    return Match(donation.donation_id, wish_id, amount, Basis.DESIGNATED), wish


def _designated_to(accounts: Accounts, wish_id: str, other_than: str) -> list[str]:
    """Gifts designated to ``wish_id`` that still have money the rule would give it
    (step 1 of the matching rule comes first: a decision must not take their place)."""
    return [
        d.donation_id
        for d in accounts.donations
        if d.wish_id == wish_id and d.donation_id != other_than and accounts.balance(d) > 0
    ]
