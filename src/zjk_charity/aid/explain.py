"""``aid explain``: why one person was or was not funded, de-identified.

Reads the latest stored allocation of the year; shows the person's own rows (their
outcome, rank and reason) and, for their county, who stands just above and just below
the cut, with masked names and IDs only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import (
    Allocation,
    Entry,
    by_rank,
    class_name,
    load_allocation,
    money,
)
from zjk_charity.aid.ranking import REASON_EN, REASON_ZH, Reason
from zjk_charity.errors import UserError
from zjk_charity.ids import check_id, mask_id, mask_name
from zjk_charity.ledger import Ledger


def describe(e: Entry, a: Allocation, lang: str = "zh") -> str:
    """One sentence on what was decided for this row, and why (Chinese, or English with
    ``lang="en"``; the ``--json`` document always holds the Chinese one)."""
    if lang == "en":
        return _describe_en(e, a)
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
    }[reason]
    return f"未入选：{REASON_ZH[reason]}{detail}"


OTHER_CLASS_EN = "other applicants"


def class_text(name: str, lang: str) -> str:
    """A priority class's name for ``lang``: the settings name the classes (in Chinese),
    only the built-in last class 其他申请人 has an English name."""
    return OTHER_CLASS_EN if lang == "en" and name == class_name([], 0) else name


def _describe_en(e: Entry, a: Allocation) -> str:
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
    }[reason]
    return f"not funded: {REASON_EN[reason]}{detail}"


def _household_detail(e: Entry, a: Allocation) -> str:
    if e.better_seq is None:
        return ""
    other = a.entries[e.better_seq]
    return f"（同户 {mask_name(other.name)} 排名更前，每户只资助 1 人）"


def _household_detail_en(e: Entry, a: Allocation) -> str:
    if e.better_seq is None:
        return ""
    other = a.entries[e.better_seq]
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


@dataclass
class Explanation:
    matches: list[Entry]
    allocation: Allocation
    neighbours: dict[int, dict[str, Any]]  # seq → {last_funded, first_waiting}

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
    return Explanation(matches, a, neighbours)


def _neighbours(e: Entry, a: Allocation) -> dict[str, Any]:
    """Who stands just above and just below the cut in this person's county."""
    same = [x for x in a.entries if x.county_code == e.county_code]
    funded = sorted((x for x in same if x.status == "funded"), key=by_rank)
    waiting = sorted((x for x in same if x.status == "waitlist"), key=by_rank)
    return {
        "last_funded": public(funded[-1], a) if funded else None,
        "first_waiting": public(waiting[0], a) if waiting else None,
    }
