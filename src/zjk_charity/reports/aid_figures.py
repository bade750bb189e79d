"""The 福彩暖冬 report's figures, read from the ledger.

Everything comes from one allocation (the latest of the year, which after ``aid
finalize`` is the finalized one) and the validated applications it was made from. A
report is refused when files were validated again after that allocation, since its
figures would then mix two states of the campaign.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import Allocation, campaign_inputs, load_allocation, money
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.reports.integrity_figures import integrity_figures, integrity_runs
from zjk_charity.reports.payment_figures import (
    change_figures,
    notice_periods,
    payment_figures,
    payment_runs,
)
from zjk_charity.reports.provenance import runs_and_inputs

AGE_BANDS = ("60岁以下", "60–69岁", "70–79岁", "80–89岁", "90岁及以上")
CARE_LEVELS = ("失能", "半失能", "自理")


def age_band(age: int) -> str:
    if age < 60:
        return AGE_BANDS[0]
    if age >= 90:
        return AGE_BANDS[4]
    return AGE_BANDS[(age - 60) // 10 + 1]


@dataclass
class AidReportData:
    """The figures (JSON-ready: money as strings) and where they came from."""

    year: int
    figures: dict[str, Any]
    runs: list[dict[str, Any]]
    inputs: list[dict[str, str]]
    parameters: dict[str, Any]


def _counts(conn: sqlite3.Connection, query: str, year: int) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.execute(query, (year,))}


def _applications(conn: sqlite3.Connection, year: int) -> dict[str, Any]:
    rows, eligible, errors, warnings = conn.execute(
        "SELECT count(*), coalesce(sum(has_error = 0), 0), coalesce(sum(has_error), 0), "
        "coalesce(sum(has_warning), 0) FROM applicants WHERE year = ?",
        (year,),
    ).fetchone()
    return {
        "rows": rows,
        "eligible": eligible,
        "with_errors": errors,
        "with_warnings": warnings,
        "errors_by_code": _counts(
            conn,
            "SELECT code, count(*) FROM aid_findings WHERE year = ? AND severity = 'error' "
            "GROUP BY code ORDER BY code",
            year,
        ),
        "warnings_by_code": _counts(
            conn,
            "SELECT code, count(*) FROM aid_findings WHERE year = ? AND severity = 'warning' "
            "GROUP BY code ORDER BY code",
            year,
        ),
    }


def _counties(conn: sqlite3.Connection, a: Allocation) -> list[dict[str, Any]]:
    eligible = _counts(
        conn,
        "SELECT county_code, count(*) FROM applicants WHERE year = ? AND has_error = 0 "
        "AND county_code IS NOT NULL GROUP BY county_code",
        a.year,
    )
    return [
        {
            "county": c.name,
            "code": c.code,
            "applicants": c.applicants,
            "eligible": eligible.get(c.code, 0),
            "candidates": c.candidates,
            "quota": c.quota,
            "funded": c.funded,
            "amount": money(c.amount),
            "waitlist": c.waitlist,
        }
        for c in a.counties()
    ]


def _funded_profile(a: Allocation) -> dict[str, dict[str, int]]:
    ages: Counter[str] = Counter()
    care: Counter[str] = Counter()
    for e in a.funded:
        age = e.age(a.as_of)
        ages[age_band(age if age is not None else 0)] += 1
        care[e.care_level] += 1
    return {
        "age_bands": {band: ages.get(band, 0) for band in AGE_BANDS},
        "care_levels": {level: care.get(level, 0) for level in CARE_LEVELS},
    }


def _history(conn: sqlite3.Connection, a: Allocation, finalized: bool) -> dict[str, Any]:
    years = [
        {"year": int(y), "people": int(n)}
        for y, n in conn.execute(
            "SELECT year, count(*) FROM history WHERE year < ? GROUP BY year ORDER BY year",
            (a.year,),
        )
    ]
    years.append({"year": a.year, "people": len(a.funded)})
    return {
        "by_year": years,
        "people_to_date": sum(y["people"] for y in years),
        "this_round_finalized": finalized,
    }


def _runs(
    conn: sqlite3.Connection, a: Allocation
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The runs the report covers: history imports, the validations, allocation, finalize."""
    ids = {a.run_id}
    ids.update(
        int(r[0]) for r in conn.execute("SELECT run_id FROM aid_files WHERE year = ?", (a.year,))
    )
    ids.update(
        int(r[0])
        for r in conn.execute("SELECT DISTINCT run_id FROM history WHERE year <= ?", (a.year,))
    )
    final = conn.execute(
        "SELECT finalized_run_id FROM allocations WHERE id = ?", (a.id,)
    ).fetchone()
    if final and final[0]:
        ids.add(int(final[0]))
    ids.update(payment_runs(conn, a))
    ids.update(integrity_runs(conn, a))
    return runs_and_inputs(conn, ids)


def aid_report_data(ledger: Ledger, year: int) -> AidReportData:
    """Every figure of the 福彩暖冬 report for ``year``."""
    a = load_allocation(ledger, year)
    with ledger.read() as conn:
        assert conn is not None  # load_allocation found a ledger
        if campaign_inputs(conn, year) != a.inputs:
            raise UserError(
                f"{year} 年分配之后又校验过申请表；请重新运行 zjk-charity aid allocate 后再出报告",
                "applications were validated again after the allocation; allocate again first",
            )
        final = conn.execute(
            "SELECT finalized_run_id FROM allocations WHERE id = ?", (a.id,)
        ).fetchone()
        finalized = bool(final and final[0])
        excluded = Counter(e.reason for e in a.entries if e.status == "excluded")
        figures: dict[str, Any] = {
            "campaign": campaign_name(year),
            "year": year,
            "allocation_id": a.id,
            "finalized": finalized,
            "applications": _applications(conn, year),
            "excluded": {r: excluded.get(r, 0) for r in ("ERROR", "REPEAT", "HOUSEHOLD")},
            "waitlist": len(a.waitlist),
            "budget": money(a.budget),
            "per_person": money(a.per_person),
            "quota_total": a.quota_total,
            "funded": len(a.funded),
            "amount": money(a.amount),
            "unspent": money(a.unspent),
            "counties": _counties(conn, a),
            **_funded_profile(a),
            "history": _history(conn, a, finalized),
        }
        figures["notices"] = notice_periods(a)
        figures["changes"] = change_figures(a)
        figures["payments"] = payment_figures(conn, a)
        figures["integrity"] = integrity_figures(conn, a)
        runs, inputs = _runs(conn, a)
    parameters = {
        "year": year,
        "as_of": a.as_of.isoformat(),
        "budget": money(a.budget),
        "per_person": money(a.per_person),
        "priority": [c.model_dump() for c in a.classes],
        "quotas": a.fixed,
    }
    return AidReportData(year, figures, runs, _merge(a.inputs, inputs), parameters)


def _merge(first: list[dict[str, str]], second: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for item in [*first, *second]:
        seen.setdefault((item["path"], item["sha256"]), item)
    return sorted(seen.values(), key=lambda i: (i["path"], i["sha256"]))
