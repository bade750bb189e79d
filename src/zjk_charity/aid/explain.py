"""``aid explain``: why one person was or was not funded, de-identified.

Reads the latest stored allocation of the year; shows the person's own rows (their
outcome, rank and reason), each row's findings (those ``aid validate`` stored, and the
list errors ``aid allocate`` added when it re-checked the lists in force), every
warning's review (``aid accept``) or 未复核, and, for their county, who stands just above
and just below the cut, with masked names and IDs only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import (
    Allocation,
    Entry,
    by_rank,
    class_name,
    load_allocation,
    money,
)
from zjk_charity.aid.changes import who, who_en
from zjk_charity.aid.changes_store import Change
from zjk_charity.aid.ranking import REASON_EN, REASON_ZH, Reason
from zjk_charity.errors import UserError
from zjk_charity.findings import CODES, render_message
from zjk_charity.ids import check_id, mask_id, mask_name
from zjk_charity.integrity import reviews_store
from zjk_charity.integrity.reference import LIST_ERRORS
from zjk_charity.integrity.reviews import latest_reviews, review_json, review_line
from zjk_charity.integrity.reviews_store import Review, StoredFinding
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection


def describe(e: Entry, a: Allocation, lang: str = "zh") -> str:
    """One sentence on what was decided for this row, and why (Chinese, or English with
    ``lang="en"``; the ``--json`` document always holds the Chinese one)."""
    if lang == "en":
        return _describe_en(e, a)
    if e.status == "withdrawn" or a.change(e.seq, "backfilled") is not None:
        return change_story(e, a)[0]
    if e.status == "funded":
        return (
            f"已入选：{e.county}第 {e.county_rank} 名（全市第 {e.rank} 名，"
            f"{class_name(a.classes, e.priority)}），资助 {money(e.amount or Decimal(0))} 元"
        )
    if e.status == "waitlist":
        return (
            f"候补：{e.county}候补第 {e.county_position} 位（全市候补第 {e.position} 位）；"
            f"{REASON_ZH[Reason.QUOTA]}，{e.county}名额 {a.quotas.get(e.county_code or '', 0)} 个"
        )
    reason = Reason(e.reason) if e.reason else Reason.ERROR
    detail = {
        Reason.ERROR: f"（{e.errors}）" if e.errors else "",
        Reason.REPEAT: "，且未填写特殊情况说明",
        Reason.HOUSEHOLD: _household_detail(e, a),
        Reason.QUOTA: "",
        Reason.WITHDRAWN: "",
    }[reason]
    return f"未入选：{REASON_ZH[reason]}{detail}"


OTHER_CLASS_EN = "other applicants"


def class_text(name: str, lang: str) -> str:
    """A priority class's name for ``lang``: the settings name the classes (in Chinese),
    only the built-in last class 其他申请人 has an English name."""
    return OTHER_CLASS_EN if lang == "en" and name == class_name([], 0) else name


def _describe_en(e: Entry, a: Allocation) -> str:
    if e.status == "withdrawn" or a.change(e.seq, "backfilled") is not None:
        return change_story(e, a, "en")[0]
    if e.status == "funded":
        return (
            f"funded: rank {e.county_rank} in {e.county} ({e.rank} campaign-wide, "
            f"{class_text(class_name(a.classes, e.priority), 'en')}), "
            f"{money(e.amount or Decimal(0))} yuan"
        )
    if e.status == "waitlist":
        return (
            f"waitlisted: position {e.county_position} on {e.county}'s waitlist "
            f"({e.position} campaign-wide); {REASON_EN[Reason.QUOTA]}: {e.county} has "
            f"{a.quotas.get(e.county_code or '', 0)} places"
        )
    reason = Reason(e.reason) if e.reason else Reason.ERROR
    detail = {
        Reason.ERROR: f" ({e.errors})" if e.errors else "",
        Reason.REPEAT: ", and no exception (特殊情况说明) is recorded",
        Reason.HOUSEHOLD: _household_detail_en(e, a),
        Reason.QUOTA: "",
        Reason.WITHDRAWN: "",
    }[reason]
    return f"not funded: {REASON_EN[reason]}{detail}"


# ------------------------------------------------- a withdrawn or backfilled person


def _day(at: str) -> str:
    return at[:10]


def _other(a: Allocation, seq: int | None) -> Entry | None:
    return a.entry(seq) if seq is not None else None


def _supplement_round(a: Allocation, run_id: int) -> int:
    """Which 补充公示 (1, 2, …) the run ``run_id`` was, in the order they were posted."""
    runs = sorted({c.notice_run_id for c in a.changes if c.notice_run_id is not None})
    return runs.index(run_id) + 1 if run_id in runs else 0


def _backfill_lines(e: Entry, a: Allocation, c: Change, lang: str) -> list[str]:
    """How ``e`` came onto the list: whose place, when, which rank made them next, and
    the 补充公示 that posted them."""
    from zjk_charity.aid.changes import REASONS_EN
    from zjk_charity.aid.notice import Notice

    gone = _other(a, c.related_seq)
    left = a.change(gone.seq, "withdrawn") if gone else None
    why = (left.reason or "") if left else ""
    same = gone is not None and gone.county_code == e.county_code
    en = lang == "en"
    if en:
        whose = (
            f"{who_en(gone)} of {gone.county} ({REASONS_EN.get(why, why)})"
            if gone
            else "a withdrawn person"
        )
        next_by = (
            f"first still waiting in {e.county} (county waitlist position "
            f"{e.county_position}, rank {e.rank} campaign-wide)"
            if same
            else f"nobody was left waiting in {gone.county if gone else 'that county'}: "
            f"the best campaign-wide rank waiting ({e.rank}, {e.county})"
        )
        lines = [
            f"funded by backfill (递补) on {_day(c.at)}: took the place of {whose}; "
            f"{next_by}; {money(a.per_person)} yuan"
        ]
    else:
        whose = (
            f"{gone.county} {mask_name(gone.name)}（{mask_id(gone.id_number or '')}，{why}）"
            if gone
            else "已撤销者"
        )
        next_by = (
            f"为本县当时第一名候补（县内候补第 {e.county_position} 位，全市排名第 {e.rank} 名）"
            if same
            else f"{gone.county if gone else '原县'}已无候补，按全市排名递补"
            f"（全市排名第 {e.rank} 名，{e.county}）"
        )
        lines = [
            f"已入选（递补）：{_day(c.at)} 递补{whose}的名额；{next_by}，"
            f"资助 {money(a.per_person)} 元"
        ]
    if c.notice_run_id is not None and c.notice_from is not None:
        period = Notice(c.notice_from, c.notice_days or 1).period_line(lang)
        n = _supplement_round(a, c.notice_run_id)
        lines.append(
            f"posted in supplement notice (补充公示) no. {n}, {period}"
            if en
            else f"已在第 {n} 批补充公示中公示，{period}"
        )
    elif e.status == "funded":
        lines.append(
            "not yet posted: zjk-charity aid notice --supplement writes the 补充公示"
            if en
            else "尚未补充公示：运行 zjk-charity aid notice --supplement 写出补充公示"
        )
    return lines


def _withdrawal_lines(e: Entry, a: Allocation, c: Change, lang: str) -> list[str]:
    """When and why ``e`` left the list, who recorded it, and who took the place."""
    from zjk_charity.aid.changes import REASONS_EN

    taker = _other(a, c.related_seq)
    reason = c.reason or ""
    if lang == "en":
        note = f" ({c.note})" if c.note else ""
        place = (
            f"the place went to {who_en(taker)} of {taker.county}"
            if taker
            else f"the place was left empty: {money(a.per_person)} yuan unspent"
        )
        return [
            f"withdrawn on {_day(c.at)}: {REASONS_EN.get(reason, reason)}{note}, recorded by "
            f"{c.operator}; was rank {e.county_rank} in {e.county} ({e.rank} campaign-wide); "
            f"{place}"
        ]
    note = f"（{c.note}）" if c.note else ""
    place = (
        f"名额由{taker.county} {who(taker)}递补"
        if taker
        else f"名额未递补，{money(a.per_person)} 元未使用"
    )
    return [
        f"已撤销：{_day(c.at)} 因“{reason}”{note}从资助名单撤销，经办人 {c.operator}；"
        f"原为{e.county}第 {e.county_rank} 名（全市第 {e.rank} 名）；{place}"
    ]


def change_story(e: Entry, a: Allocation, lang: str = "zh") -> list[str]:
    """The story of a person the list changed for, newest first: a withdrawal (when,
    why, note, operator, who took the place), and how they came on by 递补 (whose place,
    when, which rank made them next, the 补充公示). Empty for anyone else."""
    lines: list[str] = []
    gone = a.change(e.seq, "withdrawn")
    came = a.change(e.seq, "backfilled")
    if gone is not None:
        lines += _withdrawal_lines(e, a, gone, lang)
    if came is not None:
        lines += _backfill_lines(e, a, came, lang)
    return lines


def change_json(e: Entry, a: Allocation) -> dict[str, Any]:
    """The person's changes for ``--json`` (masked people only)."""
    found: dict[str, Any] = {}
    gone = a.change(e.seq, "withdrawn")
    if gone is not None:
        taker = _other(a, gone.related_seq)
        found["withdrawn"] = {
            "at": gone.at,
            "reason": gone.reason,
            "note": gone.note,
            "operator": gone.operator,
            "backfilled_by": public(taker, a) if taker else None,
        }
    came = a.change(e.seq, "backfilled")
    if came is not None:
        whose = _other(a, came.related_seq)
        found["backfilled"] = {
            "at": came.at,
            "place_of": public(whose, a) if whose else None,
            "from": "county" if whose and whose.county_code == e.county_code else "city",
            "notice": None
            if came.notice_run_id is None
            else {
                "supplement": _supplement_round(a, came.notice_run_id),
                "from": came.notice_from.isoformat() if came.notice_from else None,
                "days": came.notice_days,
            },
        }
    return found


def _household_detail(e: Entry, a: Allocation) -> str:
    if e.better_seq is None:
        return ""
    other = a.entry(e.better_seq)
    return f"（同户 {mask_name(other.name)} 排名更前，每户只资助 1 人）"


def _household_detail_en(e: Entry, a: Allocation) -> str:
    if e.better_seq is None:
        return ""
    other = a.entry(e.better_seq)
    return f" ({mask_name(other.name)} of the same household ranks higher; one per household)"


def public(e: Entry, a: Allocation) -> dict[str, Any]:
    """A de-identified line about someone else: masked name and ID, class and age."""
    return {
        "name": mask_name(e.name),
        "id": mask_id(e.id_number or ""),
        "class": class_name(a.classes, e.priority),
        "age": e.age(a.as_of),
        "county_rank": e.county_rank,
    }


# Parameters naming another person (or the applicant by name): explain is told to the
# applicant, so names are masked like every other person it mentions (张*三), and the
# other ID loses the digits that differ (with the applicant's own ID they would give it
# away). The workbook and aid validate keep them in full for the clerk.
_NAMES = ("other_name", "holder", "name", "roster_name")


def _deidentified(params: dict[str, Any]) -> dict[str, Any]:
    shown = dict(params)
    for key in _NAMES:
        if isinstance(shown.get(key), str):
            shown[key] = "、".join(mask_name(n) for n in shown[key].split("、"))
    for key, cut in (("other_id", "，"), ("other_id_en", ", ")):
        if isinstance(shown.get(key), str):
            shown[key] = shown[key].split(cut)[0]
    return shown


@dataclass
class FindingLine:
    """One finding on one of the person's rows, and for a warning its latest review."""

    code: str
    severity: str
    column: str | None
    params: dict[str, Any]
    # validate: stored by aid validate; allocate: added by the re-check at aid allocate
    source: Literal["validate", "allocate"] = "validate"
    review: Review | None = None
    reviews: int = 0  # how many reviews the warning has (the latest counts)

    def message(self, lang: str = "zh") -> str:
        if self.params.get("_recheck") == "gone":
            return (
                f"{self.code}: found when allocating, by a list replaced since"
                if lang == "en"
                else f"{self.code}：分配时按当时在用的名单复核发现（该名单现已更换）"
            )
        return render_message(self.code, _deidentified(self.params), lang)

    def review_text(self, lang: str = "zh") -> str:
        return review_line(self.review, lang)

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "column": self.column,
            "message": self.message(),
            "source": self.source,
        }
        if self.severity == "warning":
            found["review"] = review_json(self.review, self.reviews)
        return found


@dataclass
class Explanation:
    matches: list[Entry]
    allocation: Allocation
    neighbours: dict[int, dict[str, Any]]  # seq → {last_funded, first_waiting}
    findings: dict[int, list[FindingLine]] = field(default_factory=dict)  # seq → its findings

    def as_json(self) -> dict[str, Any]:
        a = self.allocation
        return {
            "campaign": campaign_name(a.year),
            "allocation": a.id,
            "people": [
                {
                    "id": mask_id(e.id_number or ""),
                    "name": mask_name(e.name),
                    "county": e.county,
                    "file": Path(e.file).name,
                    "sheet": e.sheet,
                    "row": e.row,
                    "status": e.status,
                    "reason": e.reason,
                    "rank": e.rank,
                    "county_rank": e.county_rank,
                    "waitlist_position": e.position,
                    "county_waitlist_position": e.county_position,
                    "class": class_name(a.classes, e.priority),
                    "explanation": describe(e, a),
                    "story": change_story(e, a),
                    **change_json(e, a),
                    "findings": [f.as_json() for f in self.findings.get(e.seq, [])],
                    **self.neighbours.get(e.seq, {}),
                }
                for e in self.matches
            ],
        }


def explain(ledger: Ledger, year: int, id_text: str) -> Explanation:
    """Why one person (by ID) was or was not funded in the latest allocation."""
    a = load_allocation(ledger, year)
    checked = check_id(id_text, a.as_of)
    number = checked.number
    matches = [e for e in a.entries if e.id_number == number]
    if not matches:
        raise UserError(
            f"{year} 年的分配中没有身份证号为 {mask_id(number)} 的申请人；请核对号码或年度",
            f"no applicant with ID {mask_id(number)} in the {year} allocation",
        )
    neighbours = {e.seq: _neighbours(e, a) for e in matches if e.county_code}
    with ledger.read() as conn:
        assert conn is not None  # load_allocation found a ledger
        findings = _findings(conn, year, number, matches)
    return Explanation(matches, a, neighbours, findings)


def _findings(
    conn: Connection, year: int, number: str, matches: list[Entry]
) -> dict[int, list[FindingLine]]:
    """Each row's findings: the stored ones in their order, then the list errors the
    allocation's re-check added (worded from the lists in force, when they still say so)."""
    stored = reviews_store.person_findings(conn, year, number)
    latest = latest_reviews(reviews_store.reviews(conn, year, number))
    found: dict[int, list[FindingLine]] = {}
    for e in matches:
        own = [f for f in stored if f.where == (e.file, e.sheet, e.row)]
        lines = [_line(f.code, f, latest) for f in own]
        added = [
            c for c in e.errors.split(",") if c in LIST_ERRORS and c not in {f.code for f in own}
        ]
        lines += _rechecked(conn, e, added)
        found[e.seq] = lines
    return found


def _line(
    code: str, f: StoredFinding, latest: dict[tuple[str, str], tuple[Review, int]]
) -> FindingLine:
    review, count = latest.get((f.id_number, code), (None, 0))
    return FindingLine(code, f.severity, f.column, f.params, "validate", review, count)


def _rechecked(conn: Connection, e: Entry, codes: list[str]) -> list[FindingLine]:
    """The re-check's codes on ``e`` as findings (aid allocate keeps only the codes)."""
    if not codes:
        return []
    from zjk_charity.integrity.recheck import REFUSING_KINDS
    from zjk_charity.integrity.reference import load_reference

    now = load_reference(conn, REFUSING_KINDS).findings(e.id_number, e.name, e.county_code)
    said = {code: (column, params) for code, column, params in now}
    lines = []
    for code in codes:
        column, params = said.get(code, (None, {"_recheck": "gone"}))
        severity = CODES[code].severity.value if code in CODES else "error"
        lines.append(FindingLine(code, severity, column, params, "allocate"))
    return lines


def _neighbours(e: Entry, a: Allocation) -> dict[str, Any]:
    """Who stands just above and just below the cut in this person's county."""
    same = [x for x in a.entries if x.county_code == e.county_code]
    funded = sorted((x for x in same if x.status == "funded"), key=by_rank)
    waiting = sorted((x for x in same if x.status == "waitlist"), key=by_rank)
    return {
        "last_funded": public(funded[-1], a) if funded else None,
        "first_waiting": public(waiting[0], a) if waiting else None,
    }
