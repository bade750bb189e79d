"""``aid accept``: the recorded review of a warning (integrity.md).

A warning does not block allocation; an operator who has looked into one (a relative of
a staff member approved by the villagers' meeting, a shared phone that is the village
office's) records it, with their name and the time:

1. The code must be a known finding code and a **warning**: an error cannot be accepted,
   it must be fixed in the workbook and validated again.
2. The note must say what was checked (not blank).
3. The ID must be a valid resident ID, and the campaign must have that warning on that
   ID (as ``aid validate`` stored it).
4. Accepting again adds a review: every review is kept, the latest counts.

The operator is the one of ``aid withdraw`` (``[signers] handler``, else the login name).
Nothing here shows a full ID: people are masked as everywhere (``ids.mask_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.errors import UserError
from zjk_charity.findings import CODES, Severity
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.integrity import reviews_store as store
from zjk_charity.integrity.reviews_store import Review, StoredFinding
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection

NOT_REVIEWED = "未复核"
NOT_REVIEWED_EN = "not reviewed"

# Codes a review may name: every warning, in the order of findings.CODES.
WARNING_CODES: tuple[str, ...] = tuple(
    c for c, s in CODES.items() if s.severity is Severity.WARNING
)


# --------------------------------------------------------------------- the checks


def check_code(code: str) -> str:
    """The code as recorded (upper case); a UserError for an unknown code or an error."""
    chosen = code.strip().upper()
    spec = CODES.get(chosen)
    if spec is None:
        raise UserError(
            f"问题代码“{code}”不存在；可以复核的警告代码有：{'、'.join(WARNING_CODES)}",
            f"no finding code '{code}'; warnings that can be reviewed: {', '.join(WARNING_CODES)}",
        )
    if spec.severity is Severity.ERROR:
        raise UserError(
            f"{chosen} 是错误，不能复核接受：错误必须改正（改正申请表或名单后重新运行 "
            "zjk-charity aid validate）；只有警告可以用 aid accept 记录复核意见",
            f"{chosen} is an error and cannot be accepted: fix it (correct the workbook or "
            "the list and run zjk-charity aid validate again); only warnings can be reviewed",
        )
    return chosen


def check_note(note: str) -> str:
    text = " ".join(note.split())
    if not text:
        raise UserError(
            "请用 --note 写明复核意见（核实了什么、结论是什么），不能为空",
            "say what was checked and concluded with --note; it cannot be blank",
        )
    return text


def _no_such_warning(
    year: int, number: str, code: str, name: str | None, found: list[StoredFinding]
) -> UserError:
    masked = mask_id(number)
    if name is None:
        return UserError(
            f"{year} 年的申请人中没有身份证号为 {masked} 的人；请核对号码或年度（--year）",
            f"no applicant with ID {masked} in {year}; check the ID or the year (--year)",
        )
    person = f"{mask_name(name)}（{masked}）"
    warnings = sorted({f.code for f in found if f.severity == Severity.WARNING.value})
    has_zh = f"；此人的警告有：{'、'.join(warnings)}" if warnings else "；此人没有任何警告"
    has_en = f"; their warnings: {', '.join(warnings)}" if warnings else "; they have no warning"
    return UserError(
        f"{person}在 {year} 年没有 {code} 警告，无需复核{has_zh}",
        f"{mask_name(name)} ({masked}) has no {code} warning in {year}{has_en}",
    )


# ----------------------------------------------------------------------- aid accept


@dataclass
class AcceptResult:
    """One recorded review, and how many reviews of the same warning came before it."""

    review: Review
    name: str
    findings: list[StoredFinding]  # the person's findings of the reviewed code
    earlier: int

    def as_json(self) -> dict[str, Any]:
        r = self.review
        return {
            "campaign": campaign_name(r.year),
            "id": mask_id(r.id_number),
            "name": mask_name(self.name),
            "code": r.code,
            "note": r.note,
            "operator": r.operator,
            "at": r.at,
            "earlier_reviews": self.earlier,
            "rows": [
                {"file": f.file, "sheet": f.sheet, "row": f.row, "column": f.column}
                for f in self.findings
            ],
        }


def accept(
    ledger: Ledger,
    year: int,
    id_text: str,
    code: str,
    note: str,
    *,
    operator: str,
    arguments: dict[str, Any] | None = None,
    at: str | None = None,
) -> AcceptResult:
    """Record a review of the warning ``code`` on the person ``id_text`` of ``year``.

    Refused (UserError, nothing recorded) for an unknown code, an error code, a blank
    note, an invalid ID, or an ID without that warning in the campaign.
    """
    from zjk_charity.aid.changes import default_operator, now_text, valid_id

    chosen = check_code(code)
    text = check_note(note)
    number = valid_id(id_text, date(year, 12, 31))
    with ledger.run("aid accept", arguments or {"year": year, "code": chosen}) as run:
        name, found = _warning_rows(run.conn, year, number, chosen)
        earlier = sum(1 for r in store.reviews(run.conn, year, number) if r.code == chosen)
        review = Review(
            year, number, chosen, text, operator or default_operator(), at or now_text(), run.id
        )
        review = replace(review, id=store.record(run.conn, review))
        result = AcceptResult(review, name, found, earlier)
        run.result = result.as_json()
    return result


def _warning_rows(
    conn: Connection, year: int, number: str, code: str
) -> tuple[str, list[StoredFinding]]:
    """The person's name and their stored findings of ``code``; UserError when none."""
    found = store.person_findings(conn, year, number)
    mine = [f for f in found if f.code == code]
    if not mine:
        raise _no_such_warning(year, number, code, store.applicant_name(conn, year, number), found)
    return mine[0].name, mine


# ------------------------------------------------------------ what readers show


def latest_reviews(items: Iterable[Review]) -> dict[tuple[str, str], tuple[Review, int]]:
    """(ID, code) -> the latest review and how many there are in all."""
    latest: dict[tuple[str, str], tuple[Review, int]] = {}
    for r in sorted(items, key=lambda r: r.id):
        key = (r.id_number, r.code)
        count = latest[key][1] + 1 if key in latest else 1
        latest[key] = (r, count)
    return latest


def review_line(review: Review | None, lang: str = "zh") -> str:
    """A review as one line: note, operator, time; 未复核 when there is none."""
    if review is None:
        return NOT_REVIEWED_EN if lang == "en" else NOT_REVIEWED
    when = moment(review.at)
    if lang == "en":
        return f"reviewed: {review.note} ({review.operator}, {when})"
    return f"已复核：{review.note}（{review.operator}，{when}）"


def moment(at: str) -> str:
    """An ISO time as the page shows it: 2025-11-03 14:05."""
    return at[:16].replace("T", " ")


def review_json(review: Review | None, count: int = 0) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "note": review.note,
        "operator": review.operator,
        "at": review.at,
        "reviews": count,
    }
