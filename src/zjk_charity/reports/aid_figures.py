"""The 福彩暖冬 report's figures, read from the ledger.

Everything comes from one allocation (the latest of the year, which after ``aid
finalize`` is the finalized one) and the validated applications it was made from. A
report is refused when files were validated again after that allocation, since its
figures would then mix two states of the campaign.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import Allocation, campaign_inputs, load_allocation, money
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.reports import store
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


def _applications(conn: Connection, year: int) -> dict[str, Any]:
    counts = store.application_counts(conn, year)
    return {
        "rows": counts.rows,
        "eligible": counts.eligible,
        "with_errors": counts.with_errors,
        "with_warnings": counts.with_warnings,
        "errors_by_code": store.finding_counts(conn, year, "error"),
        "warnings_by_code": store.finding_counts(conn, year, "warning"),
    }


def _counties(conn: Connection, a: Allocation) -> list[dict[str, Any]]:
    eligible = store.eligible_by_county(conn, a.year)
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


def _history(conn: Connection, a: Allocation, finalized: bool) -> dict[str, Any]:
    years = [{"year": h.year, "people": h.people} for h in store.history_before(conn, a.year)]
    years.append({"year": a.year, "people": len(a.funded)})
    return {
        "by_year": years,
        "people_to_date": sum(y["people"] for y in years),
        "this_round_finalized": finalized,
    }


def _runs(conn: Connection, a: Allocation) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The runs the report covers: history imports, the validations, allocation, finalize."""
    ids = {a.run_id}
    ids.update(store.validation_runs(conn, a.year))
    ids.update(store.history_runs(conn, a.year))
    final = store.finalized_run(conn, a.id)
    if final is not None:
        ids.add(final)
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
        finalized = store.finalized_run(conn, a.id) is not None
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
