"""The 福彩暖冬 report's 诚信核查 (integrity) section, read from the ledger (integrity.md).

Three parts, every figure from the ledger:

- the reference lists the campaign was checked against: kind, file, SHA-256, rows, date
  (those in force, and those replaced since the campaign's validation);
- the count of each integrity finding code: found by ``aid validate`` (stored findings),
  added by the re-check at ``aid allocate`` (codes on the allocation's rows that
  validation had not stored), and, for DECEASED, the people ``aid pay`` withdrew;
- every warning on a person funded today, with its latest review (``aid accept``) or
  未复核. People are de-identified as everywhere in the report: county, 张*三, masked ID.
  A finding's message is not shown: some name a 户名 or another applicant in full.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from zjk_charity.aid.allocation import Allocation
from zjk_charity.findings import CODES
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.integrity import reviews_store as store
from zjk_charity.integrity.reference import KIND_ZH, LIST_ERRORS
from zjk_charity.integrity.reviews import NOT_REVIEWED, latest_reviews, moment, review_json
from zjk_charity.ledger.db import Connection

# The integrity codes, in the order of integrity.md's table.
INTEGRITY_CODES = (
    "DECEASED",
    "IN_INSTITUTION",
    "NOT_IN_ROSTER",
    "ROSTER_NAME_MISMATCH",
    "STAFF_RELATIVE",
    "ACCOUNT_SHARED",
    "ACCOUNT_HOLDER_MISMATCH",
    "PHONE_SHARED",
    "POSSIBLE_REPEAT",
    "POSSIBLE_DUPLICATE",
)


def integrity_figures(conn: Connection, a: Allocation) -> dict[str, Any]:
    """The section's figures (JSON-ready), for allocation ``a`` as it stands today."""
    warnings = _funded_warnings(conn, a)
    reviewed = sum(1 for w in warnings if w["review"] is not None)
    return {
        "lists": [
            {
                "kind": used.kind,
                "kind_zh": KIND_ZH.get(used.kind, used.kind),
                "name": used.name,
                "sha256": used.sha256,
                "rows": used.rows,
                "as_of": used.as_of,
                "in_force": used.in_force,
            }
            for used in store.lists_used(conn, a.year)
        ],
        "codes": _codes(conn, a),
        "withdrawn_at_payment": _withdrawn_at_payment(conn, a),
        "warnings": warnings,
        "reviewed": reviewed,
        "not_reviewed": len(warnings) - reviewed,
    }


def integrity_runs(conn: Connection, a: Allocation) -> set[int]:
    """The runs behind the section: the lists' imports and the reviews (the manifest
    lists them with the SHA-256 of the files they read)."""
    runs = {used.run_id for used in store.lists_used(conn, a.year)}
    runs.update(r.run_id for r in store.reviews(conn, a.year))
    return runs


def _codes(conn: Connection, a: Allocation) -> list[dict[str, Any]]:
    stored = store.code_counts(conn, a.year, INTEGRITY_CODES)
    known = store.stored_places(conn, a.year, LIST_ERRORS)
    added: Counter[str] = Counter()
    for e in a.entries:
        if not e.errors:
            continue
        for code in e.errors.split(","):
            if code in LIST_ERRORS and (e.file, e.sheet, e.row, code, e.id_number) not in known:
                added[code] += 1
    return [
        {
            "code": code,
            "severity": CODES[code].severity.value,
            "validate": stored[code],
            "allocate": added.get(code, 0),
        }
        for code in INTEGRITY_CODES
    ]


def _withdrawn_at_payment(conn: Connection, a: Allocation) -> int:
    """Withdrawals (去世) made by ``aid pay`` when it found the person in a deaths list."""
    pay_runs = store.run_ids(conn, "aid pay")
    return sum(
        1
        for c in a.changes
        if c.kind == "withdrawn" and c.reason == "去世" and c.run_id in pay_runs
    )


def _funded_warnings(conn: Connection, a: Allocation) -> list[dict[str, Any]]:
    """One line per (funded person, warning code): by county, the integrity codes first
    (what an auditor asks about), then in the funded list's order."""
    funded = {e.id_number: e for e in a.funded if e.id_number}
    found = store.warnings_of(conn, a.year, funded)
    latest = latest_reviews(store.reviews(conn, a.year))
    codes: dict[str, list[str]] = {}
    for f in found:
        mine = codes.setdefault(f.id_number, [])
        if f.code not in mine:
            mine.append(f.code)
    people = list(funded.values())
    order = sorted(
        (e.county_code or "", code not in INTEGRITY_CODES, n, code)
        for n, e in enumerate(people)
        for code in codes.get(e.id_number or "", [])
    )
    lines = []
    for _, _, n, code in order:
        e = people[n]
        number = e.id_number or ""
        review, count = latest.get((number, code), (None, 0))
        lines.append(
            {
                "county": e.county or "",
                "name": mask_name(e.name),
                "id": mask_id(number),
                "code": code,
                "review": None
                if review is None
                else {**(review_json(review, count) or {}), "when": moment(review.at)},
                "review_text": NOT_REVIEWED
                if review is None
                else f"{review.note}（{review.operator}，{moment(review.at)}）",
            }
        )
    return lines
