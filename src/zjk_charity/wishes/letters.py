"""``wishes letters``: a letter to every donor — what they gave, what it did, what is left.

One letter per donor (donors as the receipts group them: every anonymous gift is one
donor, 匿名, whose letter is addressed to 匿名爱心人士 for the platform to publish). A
letter says:

- **what they gave**: each gift's 编号, 到账日期, cash or goods, amount, and what it was
  given for (a wish, a category or county, or no restriction);
- **what it did**: each wish their money reached (their gifts' matches summed per wish),
  the child de-identified (张*、张*三), age on the 登记日期, 困境类别, county, the wish and
  how it is fulfilled (资金 / 物资, as ``wishes payments status`` says: a 资金 wish that
  received donated goods is printed 资金心愿，以物资实现), the donor's part of its money,
  and its stage from :class:`~zjk_charity.wishes.progress.Progress` (待认领 / 已认领 /
  已支付 / 已采购 / 已送达 with the delivery date);
- **what is left and what was decided**: each settlement (转为通用, 转给心愿 W…, 已退还)
  with its date and a sentence made from the facts (never the settlement's note: staff
  write it freely and it may hold a phone number or a guardian's name, and the anonymous
  letter is published), a designated balance or undesignated goods still waiting
  (待与您商定), and cash still waiting in the pool for a wish its restrictions allow;
- **a reconciliation to the fen**: given = used for wishes + waiting + refunded. These
  are the ledger's own figures: summed over all letters they are ``Accounts.totals()``'s
  donations_total, matched, balance and refunded.

The letters go into one PDF (``微心愿捐赠人感谢信-2025.pdf``), each starting on a new A4
page, so the whole run is printed, signed and sealed as one stack; the anonymous letter
is also written alone (``…-匿名爱心人士.pdf``), the file the platform publishes. A
letter's first page holds the letter and the signature; when its tables do not fit
there, the template moves them, whole, to a 附表 on the pages after it (header repeated),
never cutting or shrinking them (``templates/wishes-letter.typ``).

A run is recorded in the ledger (``wishes letters``) with its totals and files, so the
report's provenance shows when the letters were written and from what.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.config import Signers, make_folder
from zjk_charity.dates import chinese_date
from zjk_charity.errors import UserError
from zjk_charity.ids import age_on, mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.pdf.engine import strings
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import Fen, yuan, yuan_grouped
from zjk_charity.wishes.columns import ANONYMOUS, CASH, GOODS_KIND
from zjk_charity.wishes.model import Donation, Wish
from zjk_charity.wishes.progress import Progress, Stage
from zjk_charity.wishes.store import Settlement

TEMPLATE = "wishes-letter.typ"
ORGANISATION = "张家口市慈善总会"
ANONYMOUS_TO = "匿名爱心人士"  # whom the letter of every anonymous gift is addressed to
# What a settlement decided, as the donor reads it (``wish``: followed by the wish's 编号).
DECIDED = {"general": "转为通用", "wish": "转给心愿", "refund": "已退还"}
WAITS = "待与您商定"


def file_name(year: int, donor: str | None = None) -> str:
    """``微心愿捐赠人感谢信-2025.pdf``, or one donor's ``…-2025-匿名爱心人士.pdf``."""
    return f"微心愿捐赠人感谢信-{year}{f'-{donor}' if donor else ''}.pdf"


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class Gift:
    """One donation as its donor's letter shows it (fen)."""

    donation_id: str
    received: date
    kind: str  # 资金 | 物资
    goods: str
    amount: Fen
    designation: str  # what it was given for, as the donor wrote it
    used: Fen  # matched to wishes
    refunded: Fen
    waiting: Fen  # the balance: designated, goods aside, or in the pool

    def as_json(self) -> dict[str, Any]:
        return {
            "donation": self.donation_id,
            "received": self.received.isoformat(),
            "kind": self.kind,
            "goods": self.goods,
            "amount": yuan(self.amount),
            "designation": self.designation,
            "used": yuan(self.used),
            "refunded": yuan(self.refunded),
            "waiting": yuan(self.waiting),
        }


@dataclass(frozen=True)
class Reached:
    """One wish a donor's money reached: the child de-identified, the donor's share."""

    wish_id: str
    child: str  # 张*, 张*三
    age: int  # on the 登记日期
    category: str
    county: str
    kind: str  # 资金 | 物资, as registered
    content: str
    amount: Fen  # the wish's amount
    share: Fen  # what this donor's gifts gave it
    stage: Stage
    delivered: date | None
    in_kind: bool = False  # fulfilled in kind (Progress): a 物资 wish, or goods given to it

    @property
    def fulfilled_as(self) -> str:
        """How the wish is fulfilled, as ``wishes payments status`` names it: 资金 | 物资."""
        return GOODS_KIND if self.in_kind else CASH

    @property
    def kind_text(self) -> str:
        """资金, 物资, or 资金心愿，以物资实现 when the registered kind differs."""
        if self.fulfilled_as == self.kind:
            return self.kind
        return f"{self.kind}心愿，以{self.fulfilled_as}实现"

    def as_json(self) -> dict[str, Any]:
        return {
            "wish": self.wish_id,
            "child": self.child,
            "age": self.age,
            "category": self.category,
            "county": self.county,
            "kind": self.fulfilled_as,
            "registered_kind": self.kind,
            "content": self.content,
            "amount": yuan(self.amount),
            "share": yuan(self.share),
            "stage": self.stage.value,
            "delivered": self.delivered.isoformat() if self.delivered else None,
        }


@dataclass(frozen=True)
class Decision:
    """What became of a designated balance or goods set aside: a settlement
    (``general`` / ``wish`` / ``refund``), or ``waiting`` (待与您商定).

    It carries facts only, never the settlement's note (free text; see the module)."""

    donation_id: str
    target: str  # general | wish | refund | waiting
    amount: Fen
    wish_id: str | None = None
    day: date | None = None  # when it was decided
    goods: str = ""  # a gift of goods: what they are
    child: str = ""  # ``wish``: the child of the wish it went to, de-identified

    @property
    def text(self) -> str:
        if self.target == "wish":
            return f"{DECIDED['wish']} {self.wish_id}"
        if self.target == "waiting":
            return WAITS
        return DECIDED[self.target]

    @property
    def explanation(self) -> str:
        """What was decided, in a sentence to the donor (the date is its own column)."""
        if self.target == "general":
            return "经您同意，转为非定向资金，按规则用于其他心愿"
        if self.target == "wish":
            return f"经您同意，转给孩子 {self.child} 的心愿" if self.child else "经您同意"
        if self.target == "refund":
            return "按您的意见，物资已退还您" if self.goods else "按您的意见，已退还您"
        kind = f"未定向物资（{self.goods}）" if self.goods and not self.wish_id else "定向余额"
        return f"{kind}，总会将与您联系商定用途"

    def as_json(self) -> dict[str, Any]:
        return {
            "donation": self.donation_id,
            "decision": self.target,
            "text": self.text,
            "explanation": self.explanation,
            "wish": self.wish_id,
            "child": self.child or None,
            "amount": yuan(self.amount),
            "date": self.day.isoformat() if self.day else None,
        }


@dataclass
class Letter:
    """One donor's letter: the gifts, the wishes reached, the decisions, the pool."""

    donor: str  # as stored: 匿名 for every anonymous gift
    gifts: list[Gift] = field(default_factory=list)
    reached: list[Reached] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    pool: Fen = 0  # cash of these gifts waiting for a wish its restrictions allow

    @property
    def anonymous(self) -> bool:
        return self.donor == ANONYMOUS

    @property
    def to(self) -> str:
        """Whom the letter is addressed to."""
        return ANONYMOUS_TO if self.anonymous else self.donor

    @property
    def given(self) -> Fen:
        return sum(g.amount for g in self.gifts)

    @property
    def used(self) -> Fen:
        return sum(g.used for g in self.gifts)

    @property
    def refunded(self) -> Fen:
        return sum(g.refunded for g in self.gifts)

    @property
    def waiting(self) -> Fen:
        return sum(g.waiting for g in self.gifts)

    @property
    def undecided(self) -> Fen:
        """Designated balances and goods aside still waiting for the donor's word."""
        return sum(d.amount for d in self.decisions if d.target == "waiting")

    def reconciles(self) -> bool:
        """given = used + waiting + refunded; used = the shares of the wishes reached;
        waiting = undecided + pool (to the fen)."""
        return (
            self.given == self.used + self.waiting + self.refunded
            and self.used == sum(r.share for r in self.reached)
            and self.waiting == self.undecided + self.pool
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "donor": self.donor,
            "to": self.to,
            "given": yuan(self.given),
            "used": yuan(self.used),
            "waiting": yuan(self.waiting),
            "undecided": yuan(self.undecided),
            "pool": yuan(self.pool),
            "refunded": yuan(self.refunded),
            "reconciled": self.reconciles(),
            "gifts": [g.as_json() for g in self.gifts],
            "wishes": [r.as_json() for r in self.reached],
            "decisions": [d.as_json() for d in self.decisions],
        }


# ------------------------------------------------------------------ from the ledger


def designation_text(donation: Donation) -> str:
    """What a gift was given for, as written when it arrived."""
    if donation.wish_id:
        return f"定向心愿 {donation.wish_id}"
    limits = [p for p in (donation.category, donation.county) if p]
    if limits:
        return "限定 " + "·".join(limits)
    return "未指定心愿（物资）" if not donation.is_cash else "不限定"


def build_letters(progress: Progress, originals: Iterable[Donation] | None = None) -> list[Letter]:
    """Every donor's letter from the read model (``originals``: the donations as imported,
    whose designation a ``--to general`` settlement took off in :class:`Accounts`;
    default ``Accounts.as_imported``).

    Named donors come in the order of their first gift, the anonymous letter last.
    """
    accounts = progress.accounts
    written = accounts.imported if originals is None else {d.donation_id: d for d in originals}
    shares: dict[str, dict[str, Fen]] = defaultdict(lambda: defaultdict(int))
    for record in accounts.matches:
        shares[record.match.donation_id][record.match.wish_id] += record.match.amount
    settled: dict[str, list[Settlement]] = defaultdict(list)
    for s in accounts.settlements:
        settled[s.donation_id].append(s)

    wishes = accounts.wish_by_id if settled else {}
    letters: dict[str, Letter] = {}
    reached: dict[str, dict[str, Fen]] = defaultdict(lambda: defaultdict(int))
    for d in accounts.donations:
        letter = letters.setdefault(d.donor, Letter(d.donor))
        letter.gifts.append(_gift(d, written.get(d.donation_id, d), accounts))
        for wish_id, fen in shares[d.donation_id].items():
            reached[d.donor][wish_id] += fen
        letter.decisions.extend(_decisions(d, settled[d.donation_id], accounts, wishes))
        if d.is_cash and not d.designated:
            letter.pool += accounts.balance(d)
    for donor, letter in letters.items():
        wanted = reached[donor]
        letter.reached = [
            _reached(progress, wish_id, wanted[wish_id])
            for wish_id in progress.payouts
            if wish_id in wanted
        ]
    named = [v for k, v in letters.items() if k != ANONYMOUS]
    return named + ([letters[ANONYMOUS]] if ANONYMOUS in letters else [])


def _gift(d: Donation, original: Donation, accounts: Accounts) -> Gift:
    return Gift(
        donation_id=d.donation_id,
        received=d.received,
        kind=d.kind,
        goods=d.goods,
        amount=d.amount,
        designation=designation_text(original),
        used=accounts.given.get(d.donation_id, 0),
        refunded=accounts.refunded.get(d.donation_id, 0),
        waiting=accounts.balance(d),
    )


def _decisions(
    d: Donation, settlements: list[Settlement], accounts: Accounts, wishes: dict[str, Wish]
) -> list[Decision]:
    """The donor's decisions on this gift, then what of it still waits for one (facts
    only: a settlement's note is never read here)."""
    goods = "" if d.is_cash else d.goods
    decided = [
        Decision(
            s.donation_id,
            s.target,
            s.amount,
            s.wish_id,
            date.fromisoformat(s.at[:10]) if s.at else None,
            goods=goods,
            child=mask_name(wishes[s.wish_id].child_name) if s.wish_id in wishes else "",
        )
        for s in settlements
    ]
    left = accounts.balance(d)
    if left > 0 and (d.designated or d.set_aside):
        decided.append(Decision(d.donation_id, "waiting", left, d.wish_id, goods=goods))
    return decided


def _reached(progress: Progress, wish_id: str, share: Fen) -> Reached:
    payout = progress.payouts[wish_id]
    w = payout.wish
    return Reached(
        wish_id=w.wish_id,
        child=mask_name(w.child_name),
        age=age_on(w.birth_date, w.registered),
        category=w.category,
        county=w.county,
        kind=w.kind,
        content=w.content,
        amount=w.amount,
        share=share,
        stage=payout.stage,
        delivered=payout.delivery.delivered_on if payout.delivery else None,
        in_kind=payout.in_kind,
    )


def load_letters(conn: Connection | None) -> list[Letter]:
    """Every donor's letter as the ledger stands (none without a ledger)."""
    if conn is None:
        return []
    return build_letters(Progress.load(conn))


# ------------------------------------------------------------------ the PDF


@dataclass(frozen=True)
class GlyphNote:
    """A character no font has, printed as □ in a donor's letter (write it in by hand)."""

    donor: str
    char: str

    def as_json(self) -> dict[str, str]:
        return {"donor": self.donor, "char": self.char, "codepoint": f"U+{ord(self.char):04X}"}


@dataclass
class LettersResult:
    """What ``wishes letters`` wrote, and every letter's figures."""

    year: int
    day: date
    letters: list[Letter]
    files: list[Path] = field(default_factory=list)
    pages: int = 0
    font: str = ""
    run_id: int = 0
    missing_glyphs: list[GlyphNote] = field(default_factory=list)

    def totals(self) -> dict[str, str]:
        """The letters' figures summed: equal to ``Accounts.totals()`` (donations_total,
        matched, balance, refunded) by construction, and tested so."""
        return {
            "given": yuan(sum(x.given for x in self.letters)),
            "used": yuan(sum(x.used for x in self.letters)),
            "waiting": yuan(sum(x.waiting for x in self.letters)),
            "refunded": yuan(sum(x.refunded for x in self.letters)),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "date": self.day.isoformat(),
            "files": [str(f) for f in self.files],
            "pages": self.pages,
            "font": self.font,
            "letters": len(self.letters),
            **self.totals(),
            "donors": [x.as_json() for x in self.letters],
            "missing_glyphs": [n.as_json() for n in self.missing_glyphs],
        }


def _money(fen: Fen) -> str:
    return yuan_grouped(fen)


def _gift_row(g: Gift) -> list[str]:
    kind = f"物资（{g.goods}）" if g.kind != "资金" and g.goods else g.kind
    return [
        g.donation_id,
        g.received.isoformat(),
        kind,
        _money(g.amount),
        g.designation,
        _money(g.used),
    ]


def _stage_text(r: Reached) -> str:
    if r.delivered is not None:
        return f"{r.stage.value}\n{r.delivered.isoformat()}"
    return r.stage.value


def _wish_row(r: Reached) -> list[str]:
    return [
        r.wish_id,
        r.child,
        f"{r.age}岁",
        r.category,
        r.county,
        f"{r.content}（{r.kind_text}）",
        _money(r.share) if r.share == r.amount else f"{_money(r.share)}\n共 {_money(r.amount)}",
        _stage_text(r),
    ]


def _decision_row(d: Decision) -> list[str]:
    return [
        d.donation_id,
        _money(d.amount),
        d.text,
        d.explanation,
        d.day.isoformat() if d.day else "",
    ]


def _summary(x: Letter) -> str:
    who = "全部匿名捐赠共" if x.anonymous else "您共捐赠"
    text = f"{who} {len(x.gifts)} 笔，合计 {_money(x.given)} 元"
    if not x.reached:
        return text + "。"
    text += f"，已用于 {len(x.reached)} 个孩子的心愿，共 {_money(x.used)} 元"
    delivered = sum(1 for r in x.reached if r.stage is Stage.DELIVERED)
    if delivered:
        text += f"；其中 {delivered} 个心愿已送到孩子手中"
    return text + "。"


def _reconcile(x: Letter) -> str:
    waiting = []
    if x.undecided:
        waiting.append(f"待与您商定 {_money(x.undecided)} 元")
    if x.pool:
        waiting.append(f"资金池中待用 {_money(x.pool)} 元")
    detail = f"（{'，'.join(waiting)}）" if waiting else ""
    return (
        f"核对：捐赠合计 {_money(x.given)} 元 = 已用于心愿 {_money(x.used)} 元"
        f" + 尚待使用 {_money(x.waiting)} 元{detail} + 已退还 {_money(x.refunded)} 元"
    )


def _pool_line(x: Letter) -> str:
    if not x.pool:
        return ""
    return (
        f"您的捐款中还有 {_money(x.pool)} 元在善款池中，正按公布的规则等待符合您限定条件的"
        "心愿；每个心愿筹满后才认领，用途将在下次反馈中告知您。"
    )


# A letter this small always fits its first page with every table on it (at most two lines
# a row, short texts), so the template need not measure it; see :func:`arrangements`.
SMALL_ROWS = 5
SHORT_TEXT = 16
# A table this long never fits beside the letter: it goes to a 附表 without measuring.
LONG_ROWS = 30
Arrangement = tuple[bool, bool]  # (gifts in a 附表, wishes in a 附表)
ARRANGEMENTS: tuple[Arrangement, ...] = ((False, False), (False, True), (True, False), (True, True))


def arrangements(x: Letter) -> list[Arrangement]:
    """Where a letter's tables may go, best first: the template measures only when more
    than one is left, because a measurement costs a second layout of the page held in
    memory (about 1 MB a letter). A small letter keeps its tables on the first page; a
    table of more than :data:`LONG_ROWS` rows always goes to a 附表."""
    texts = [r.content for r in x.reached] + [g.designation for g in x.gifts]
    texts += [g.goods for g in x.gifts] + [d.goods for d in x.decisions]
    rows = len(x.gifts) + len(x.reached) + len(x.decisions)
    if rows <= SMALL_ROWS and all(len(t) <= SHORT_TEXT for t in texts):
        return [ARRANGEMENTS[0]]
    return [
        (gifts, wishes)
        for gifts, wishes in ARRANGEMENTS
        if (gifts or len(x.gifts) <= LONG_ROWS) and (wishes or len(x.reached) <= LONG_ROWS)
    ]


def letter_page(x: Letter) -> dict[str, Any]:
    """One letter as the template's data: every value as printed text."""
    return {
        "to": x.to,
        "anonymous": x.anonymous,
        "summary": _summary(x),
        "gifts": [_gift_row(g) for g in x.gifts],
        "gift_total": ["合计", f"{len(x.gifts)} 笔", "", _money(x.given), "", _money(x.used)],
        "wishes": [_wish_row(r) for r in x.reached],
        "wish_total": _money(x.used),
        "decisions": [_decision_row(d) for d in x.decisions],
        "pool": _pool_line(x),
        "reconcile": _reconcile(x),
        "arrangements": [list(a) for a in arrangements(x)],
    }


def letters_data(
    letters: Sequence[Letter], year: int, day: date, signers: Signers | None
) -> dict[str, Any]:
    """The template's whole input: the letters, the signers, the date."""
    s = signers or Signers()
    return {
        "title": f"{year}年困境儿童“微心愿”活动捐赠使用情况反馈",
        "organisation": ORGANISATION,
        "letters": [letter_page(x) for x in letters],
        "signers": {"handler": s.handler, "reviewer": s.reviewer, "head": s.head},
        "date": chinese_date(day),
    }


def write_letters(
    ledger: Ledger,
    year: int,
    folder: Path,
    *,
    day: date | None = None,
    signers: Signers | None = None,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
    arguments: dict[str, Any] | None = None,
) -> LettersResult:
    """Write every donor's letter (one PDF, and the anonymous letter alone) into
    ``folder``, in one ledger run (``wishes letters``): the files appear together, and
    the run is recorded, or neither. UserError when the ledger holds no donations, and
    :class:`~zjk_charity.pdf.PdfUnavailable` without a Chinese font. ``templates``: the
    folders the template is looked up in (default: the packaged one)."""
    with ledger.read() as conn:
        if conn is None or not store.load_donations(conn):
            raise UserError(
                "台账中还没有捐赠，无法写感谢信；请先用 zjk-charity donations import 导入",
                "the ledger holds no donations yet: import them first (donations import)",
            )
    when = day or date.today()
    with ledger.run("wishes letters", arguments or {"year": year, "out": str(folder)}) as run:
        letters = load_letters(run.conn)
        result = LettersResult(year, when, letters, run_id=run.id)
        _render(result, folder, signers, pdf_font, templates)
        run.result = {
            **result.totals(),
            "letters": len(letters),
            "pages": result.pages,
            "files": [str(f) for f in result.files],
        }
    return result


def _render(
    result: LettersResult,
    folder: Path,
    signers: Signers | None,
    pdf_font: Path | None,
    templates: Sequence[Path] | None,
) -> None:
    from zjk_charity.pdf import pdf_fonts, render_pdf
    from zjk_charity.pdf.engine import page_count
    from zjk_charity.reports.render import packaged_templates
    from zjk_charity.workbook.writer import atomic_path

    folders = list(templates) if templates is not None else [packaged_templates()]
    make_folder(folder, "请换一个 --out 位置", "choose another --out")
    jobs = [(folder / file_name(result.year), result.letters)]
    jobs += [(folder / file_name(result.year, x.to), [x]) for x in result.letters if x.anonymous]
    missing: set[str] = set()
    with pdf_fonts(pdf_font) as fonts, ExitStack() as stack:
        for n, (target, letters) in enumerate(jobs):
            temp = stack.enter_context(atomic_path(target))
            data = letters_data(letters, result.year, result.day, signers)
            rendered = render_pdf(TEMPLATE, data, temp, fonts, folders, tags=False)
            if n == 0:
                result.pages = page_count(temp) or 0
                result.font = rendered.fonts[0].family
            result.files.append(target)
            missing |= rendered.missing
    result.missing_glyphs = _glyph_notes(result.letters, missing)


def _glyph_notes(letters: Iterable[Letter], missing: set[str]) -> list[GlyphNote]:
    notes: list[GlyphNote] = []
    for x in letters:
        texts = "".join(strings(letter_page(x)))
        notes.extend(GlyphNote(x.to, c) for c in sorted(missing) if c in texts)
    return notes
