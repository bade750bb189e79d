"""``aid allocate``, ``aid explain`` and ``aid finalize``: the rule of ``ranking`` on the ledger.

An allocation reads the campaign's validated applicants, applies the published rule and
stores the outcome with a snapshot of every applicant row, so the lists, the payments,
an explanation for one person and the finalized history all come from what was decided,
even if a workbook is validated again afterwards (``finalize`` then refuses until the
allocation is run again).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from pathlib import Path
from typing import Any

from zjk_charity import counties
from zjk_charity.aid import allocation_store, applicants_store, campaign_name, history_store
from zjk_charity.aid.allocation_store import CENT, Decided
from zjk_charity.aid.allocation_store import Entry as Entry
from zjk_charity.aid.allocation_store import entries_by_id as entries_by_id
from zjk_charity.aid.allocation_store import is_finalized as is_finalized
from zjk_charity.aid.applicants_store import campaign_inputs as campaign_inputs
from zjk_charity.aid.changes_store import Change, has_changes
from zjk_charity.aid.ranking import (
    Outcome,
    Person,
    Reason,
    allocate,
    quota_total,
)
from zjk_charity.campaign_year import YearWarning, check_years
from zjk_charity.collector import collector_paused
from zjk_charity.config import PriorityClass
from zjk_charity.errors import UserError
from zjk_charity.integrity.recheck import recheck_entries
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.text import squash
from zjk_charity.workbook.reader import Cell, ColumnSpec, cell_text, read_table


def money(value: Decimal) -> str:
    """Money in JSON: a string with two decimals."""
    return str(value.quantize(CENT))


@dataclass
class CountyLine:
    code: str
    name: str
    applicants: int = 0
    candidates: int = 0
    quota: int = 0
    funded: int = 0
    waitlist: int = 0
    amount: Decimal = Decimal(0)


@dataclass
class Allocation:
    """One allocation run: its parameters and every applicant row's outcome."""

    year: int
    as_of: date
    budget: Decimal
    per_person: Decimal
    classes: list[PriorityClass]
    quota_total: int
    fixed: dict[str, int] | None
    entries: list[Entry]
    quotas: dict[str, int] = field(default_factory=dict)  # effective quota per county code
    inputs: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    id: int = 0
    run_id: int = 0
    # The run's recorded arguments (``notice_from`` among them) and when it started:
    # what ``aid export`` needs to write the same files again.
    arguments: dict[str, Any] = field(default_factory=dict)
    created: datetime | None = None
    finalized: bool = False  # entered the history registry (aid finalize)
    # What happened to the list since (aid withdraw, 递补, aid review import), in order;
    # the entries already show it (aid/changes.py apply_changes): status "withdrawn", or
    # a waitlisted person "funded".
    changes: list[Change] = field(default_factory=list)
    # Rows refused by this run's re-check against the lists in force (integrity.md), by
    # code: only on the run that allocated (the codes themselves are in the entries).
    rechecked: dict[str, int] = field(default_factory=dict)
    _document: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _by_seq: dict[int, Entry] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def funded(self) -> list[Entry]:
        return sorted((e for e in self.entries if e.status == "funded"), key=_RANK)

    @property
    def first_funded(self) -> list[Entry]:
        """The funded list as the allocation decided it (and the 公示 posted it), before
        any withdrawal or 递补."""
        decided = (e for e in self.entries if e.status in ("funded", "withdrawn"))
        return sorted((e for e in decided if not e.backfilled), key=_RANK)

    @property
    def waitlist(self) -> list[Entry]:
        return sorted((e for e in self.entries if e.status == "waitlist"), key=_RANK)

    @property
    def not_funded(self) -> list[Entry]:
        return [e for e in self.entries if e.status != "funded"]

    @property
    def amount(self) -> Decimal:
        return sum((e.amount for e in self.entries if e.amount is not None), Decimal(0))

    @property
    def unspent(self) -> Decimal:
        return self.budget - self.amount

    def entry(self, seq: int) -> Entry:
        """The row of ``seq`` (a change names people by their seq)."""
        if self._by_seq is None:
            self._by_seq = {e.seq: e for e in self.entries}
        return self._by_seq[seq]

    def change(self, seq: int, kind: str) -> Change | None:
        """The person's recorded change of ``kind`` (withdrawn, backfilled), if any."""
        for c in self.changes:
            if c.seq == seq and c.kind == kind:
                return c
        return None

    def counties(self) -> list[CountyLine]:
        # Rows counted once per (code, name, status); a county keeps the name of its first row.
        tally = Counter((e.county_code, e.county, e.status) for e in self.entries)
        lines: dict[str, CountyLine] = {}
        for (code, name, status), n in tally.items():
            if code is None:
                continue
            line = lines.setdefault(code, CountyLine(code, name or ""))
            line.applicants += n
            if status == "funded":
                line.candidates += n
                line.funded += n
            elif status == "waitlist":
                line.candidates += n
                line.waitlist += n
            elif status == "withdrawn":  # a candidate when the list was decided
                line.candidates += n
        for e in self.entries:
            if e.amount is not None and e.county_code is not None:
                lines[e.county_code].amount += e.amount
        for code, line in lines.items():
            line.quota = self.quotas.get(code, 0)
        return [lines[c] for c in sorted(lines)]

    def as_json(self) -> dict[str, Any]:
        """The documented ``--json`` document (aid.md); identical input, identical bytes.

        Built once: the ledger row, the run record and the CLI share it.
        """
        if self._document is None:
            self._document = self._build_document()
        return self._document

    def _build_document(self) -> dict[str, Any]:
        funded = self.funded
        return {
            "campaign": campaign_name(self.year),
            "budget": money(self.budget),
            "per_person": money(self.per_person),
            "quota_total": self.quota_total,
            "funded": len(funded),
            "amount": money(self.amount),
            "unspent": money(self.unspent),
            "counties": [
                {
                    "county": c.name,
                    "code": c.code,
                    "candidates": c.candidates,
                    "quota": c.quota,
                    "funded": c.funded,
                }
                for c in self.counties()
            ],
            "recipients": [
                {
                    "id": e.id_number,
                    "name": e.name,
                    "county": e.county,
                    "rank": e.rank,
                    "amount": money(e.amount or Decimal(0)),
                }
                for e in funded
            ],
            "waitlist": [e.id_number for e in self.waitlist],
            "excluded": [
                {"id": e.id_number, "reason": e.reason}
                for e in self.entries
                if e.status == "excluded"
            ],
        }


def by_rank(e: Entry) -> int:
    return e.rank or 0


_RANK = attrgetter("rank")  # by_rank for funded and waitlisted rows, which always have one


# ---------------------------------------------------------------------------- loading


@dataclass
class Campaign:
    """The campaign's applicant rows in file order: snapshots, rule inputs, ledger ids."""

    entries: list[Entry]
    people: list[Person]  # people[i] is entries[i]; its key is the seq
    applicant_ids: list[int]  # the ``applicants`` row of each seq


Where = tuple[int, str, int]  # (file id, sheet, row) of an applicant row


def _flags(conn: Connection, year: int) -> tuple[dict[Where, str], set[Where], set[str]]:
    """The rows' error codes, the rows flagged REPEAT_RECIPIENT, and the IDs in history."""
    codes: dict[Where, list[str]] = {}
    flagged: set[Where] = set()
    for f in applicants_store.errors_and_repeats(conn, year):
        if f.severity == "error":
            codes.setdefault((f.file_id, f.sheet, f.row), []).append(f.code)
        if f.code == "REPEAT_RECIPIENT":
            flagged.add((f.file_id, f.sheet, f.row))
    # A kept row whose ID fails its check character matches no one exactly (integrity.md).
    earlier = history_store.checked_ids_before(conn, year)
    return {where: ",".join(found) for where, found in codes.items()}, flagged, earlier


def load_campaign(conn: Connection, year: int) -> Campaign:
    """Every applicant row of the campaign, in file order, as entries and as rule inputs."""
    errors, flagged, earlier = _flags(conn, year)
    rows = allocation_store.campaign_rows(conn, year)
    for e, p, where in zip(rows.entries, rows.people, rows.places, strict=True):
        if where in errors:
            e.errors = errors[where]
        if where in flagged or e.id_number in earlier:
            p.repeat = True
    return Campaign(rows.entries, rows.people, rows.applicant_ids)


_REASON_CODE: dict[Reason | None, str | None] = {None: None} | {r: r.value for r in Reason}


def _apply(outcome: Outcome, campaign: Campaign, per_person: Decimal) -> list[Decided]:
    """Put the decision on every entry; return it as the outcome rows of the snapshot."""
    decided: list[Decided] = []
    add = decided.append
    # outcome.placed is in the order of the people, which is the order of the entries.
    for e, placed, applicant in zip(
        campaign.entries, outcome.placed, campaign.applicant_ids, strict=True
    ):
        e.status = placed.status
        e.reason = _REASON_CODE[placed.reason]
        e.priority = placed.priority
        e.rank, e.county_rank = placed.rank, placed.county_rank
        e.position, e.county_position = placed.position, placed.county_position
        e.better_seq = placed.better
        if e.status == "funded":
            e.amount = per_person
        add(
            (
                e.seq,
                applicant,
                e.errors,
                e.status,
                e.reason,
                e.priority,
                e.rank,
                e.county_rank,
                e.position,
                e.county_position,
                e.better_seq,
            )
        )
    return decided


# ----------------------------------------------------------------------------- quotas

QUOTA_COLUMNS = (
    ColumnSpec("县(区)", True, ("县区", "所属县区", "县/区", "县区名称")),
    ColumnSpec("名额", True, ("分配名额", "名额数", "人数", "资助名额")),
)


def read_quotas(path: Path) -> dict[str, int]:
    """A quotas file (县(区), 名额) as county code → quota; any bad row stops the command."""
    table = read_table(path, QUOTA_COLUMNS, "县(区)")
    quotas: dict[str, int] = {}
    for sheet in table.sheets:
        if sheet.missing:
            missing = "、".join(sheet.missing)
            raise UserError(
                f"名额文件 {path.name}「{sheet.name}」缺少列：{missing}；需要“县(区)”和“名额”两列",
                f"quotas file {path.name} [{sheet.name}] lacks column(s) {missing}",
            )
        for row in sheet.rows:
            where = f"名额文件 {path.name}「{sheet.name}」第 {row.number} 行"
            where_en = f"quotas file {path.name} [{sheet.name}] row {row.number}"
            name = cell_text(sheet.get(row, "县(区)"))
            county = counties.find_county(name)
            if county is None:
                raise UserError(
                    f"{where}：“{name}”不是张家口市的县（区）；请改为如“张北县”的全称",
                    f"{where_en}: '{name}' is not a county of Zhangjiakou",
                )
            if county.code in quotas:
                raise UserError(
                    f"{where}：{county.name}出现了两次；每个县（区）只写一行",
                    f"{where_en}: {county.name} is listed twice",
                )
            quotas[county.code] = _quota_value(sheet.get(row, "名额"), where, where_en)
    if not quotas:
        raise UserError(f"名额文件 {path.name} 没有数据行", f"quotas file {path.name} is empty")
    return quotas


MAX_PLACES = 10_000_000  # more than Hebei's 特困 people: any larger count is a typing slip
MAX_AMOUNT = Decimal(10**12)  # yuan; also keeps every amount within Decimal's 28 digits


def _quota_value(raw: Cell, where: str, where_en: str) -> int:
    """A county's quota: a whole number from 0 to :data:`MAX_PLACES` (checked before it
    becomes an int, so "1e99999999" is refused at once instead of built digit by digit)."""
    text = squash(cell_text(raw)).removesuffix("人").removesuffix("个")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value > MAX_PLACES:
        value = Decimal(-1)
    if value < 0 or value != value.to_integral_value():
        raise UserError(
            f"{where}：名额“{cell_text(raw)}”不是非负整数",
            f"{where_en}: quota '{cell_text(raw)}' is not a whole number ≥ 0",
        )
    return int(value)


# ------------------------------------------------------------------------------- runs


@dataclass
class AllocationRequest:
    year: int
    as_of: date
    budget: Decimal
    per_person: Decimal
    classes: list[PriorityClass]
    quotas_file: Path | None = None


def _check_money(request: AllocationRequest) -> int:
    """The number of places, after refusing amounts no campaign has: not a number,
    infinite, not above 0, above :data:`MAX_AMOUNT`, finer than a fen, or more than
    :data:`MAX_PLACES` places."""
    if not (request.budget.is_finite() and request.per_person.is_finite()):
        raise UserError(
            "预算和每人标准必须是金额（元），如 810000 和 1000",
            "budget and amount per person must be amounts in yuan, such as 810000 and 1000",
        )
    if request.per_person <= 0 or request.budget <= 0:
        raise UserError(
            "预算和每人标准都必须大于 0", "budget and amount per person must be above 0"
        )
    if max(request.budget, request.per_person) > MAX_AMOUNT:
        raise UserError(
            f"金额超过 {MAX_AMOUNT:,} 元，请检查金额（单位：元）",
            f"an amount exceeds {MAX_AMOUNT:,} yuan; check the amounts",
        )
    if request.per_person != request.per_person.quantize(CENT) or (
        request.budget != request.budget.quantize(CENT)
    ):
        raise UserError("金额最多保留到分", "amounts are in yuan with at most two decimals")
    seats = quota_total(request.budget, request.per_person)
    if seats > MAX_PLACES:
        raise UserError(
            f"预算 ÷ 每人标准超过 {MAX_PLACES:,} 个名额，请检查金额（单位：元）",
            f"budget / amount per person exceeds {MAX_PLACES:,} places; check the amounts",
        )
    if seats == 0:
        raise UserError(
            f"预算 {money(request.budget)} 元不足一个名额（每人 {money(request.per_person)} 元）",
            "the budget does not cover a single place",
        )
    return seats


def _quota_notes(fixed: dict[str, int] | None, seats: int) -> list[str]:
    """The allocation's notes, from what the ledger keeps (so a loaded one has them too)."""
    if fixed is not None and sum(fixed.values()) < seats:
        return [f"名额文件合计 {sum(fixed.values())} 个，少于总名额 {seats} 个；其余名额未分配"]
    return []


def run_allocation(
    ledger: Ledger,
    request: AllocationRequest,
    arguments: dict[str, Any] | None = None,
    write: Callable[[Allocation], object] | None = None,
    warn_year: YearWarning | None = None,
) -> Allocation:
    """Allocate the campaign's places and record the allocation in the ledger.

    ``write`` makes the output files inside the ledger transaction: if writing fails,
    the allocation is not recorded either. ``warn_year`` is called before the
    transaction when most of the year's applicants have a 申请日期 in another year
    (:mod:`zjk_charity.campaign_year`).
    """
    seats = _check_money(request)
    fixed = read_quotas(request.quotas_file) if request.quotas_file else None
    if fixed is not None and sum(fixed.values()) > seats:
        raise UserError(
            f"名额文件合计 {sum(fixed.values())} 个，超过总名额 {seats} 个"
            f"（预算 {money(request.budget)} ÷ 每人 {money(request.per_person)}）；请核减",
            f"the quotas add up to {sum(fixed.values())}, more than the {seats} places",
        )
    notes = _quota_notes(fixed, seats)
    with ledger.read() as conn:
        if conn is None or not applicants_store.has_applicants(conn, request.year):
            raise _nothing_validated(request.year, _validated_years(conn))
        if warn_year is not None:
            years = applicants_store.apply_years(conn, request.year)
            check_years(years, request.year, "申请日期", warn_year)
    inputs = [request.quotas_file] if request.quotas_file else []
    with collector_paused(), ledger.run("aid allocate", arguments or {}, inputs) as run:
        if is_finalized(run.conn, request.year):
            raise UserError(
                f"{request.year} 年的分配已定稿（aid finalize），不能重新分配；"
                "需要名单或公示时用 zjk-charity aid export 从台账写出",
                f"the {request.year} allocation is finalized and cannot be redone; "
                "zjk-charity aid export writes its lists again",
            )
        _refuse_when_fixed(run.conn, request.year)
        result = _decide_and_store(run.conn, run.id, request, seats, fixed, notes)
        result.arguments = dict(arguments or {})
        result.created = allocation_store.run_started(run.conn, run.id)
        document = result.as_json()
        run.result = {
            k: v for k, v in document.items() if k not in ("recipients", "waitlist", "excluded")
        }
        run.result["allocation_id"] = result.id
        if result.rechecked:
            run.result["rechecked"] = result.rechecked
        if write is not None:
            write(result)
    return result


def _refuse_when_fixed(conn: Connection, year: int) -> None:
    """A list that was changed (withdrawals, 递补) or paid from is the list: allocating
    again would silently undo the changes and re-rank people already paid."""
    from zjk_charity.payments.store import batches

    head = allocation_store.latest_id(conn, year)
    changed = head is not None and has_changes(conn, head)
    if not changed and not batches(conn, "aid", year):
        return
    why_zh, why_en = (
        ("已有撤销或递补记录", "has withdrawals or backfills")
        if changed
        else ("已制作银行代发批次", "has payment batches")
    )
    raise UserError(
        f"{year} 年的资助名单{why_zh}，名单已确定，不能重新分配；"
        "要从名单中撤销某人用 zjk-charity aid withdraw，要重新写出名单用 zjk-charity aid export",
        f"the {year} funded list {why_en}: it is fixed and cannot be allocated again; "
        "use zjk-charity aid withdraw to take someone off, zjk-charity aid export to write it again",
    )


def _decide_and_store(
    conn: Connection,
    run_id: int,
    request: AllocationRequest,
    seats: int,
    fixed: dict[str, int] | None,
    notes: list[str],
) -> Allocation:
    """Apply the rule to the campaign and store the outcome; only the result outlives it."""
    campaign = load_campaign(conn, request.year)
    if not campaign.people:
        raise _nothing_validated(request.year)
    # The lists in force now refuse people validation let through (integrity.md).
    rechecked = recheck_entries(conn, campaign.entries, campaign.people)
    outcome = allocate(
        campaign.people, seats=seats, classes=request.classes, as_of=request.as_of, fixed=fixed
    )
    decided = _apply(outcome, campaign, request.per_person)
    result = Allocation(
        year=request.year,
        as_of=request.as_of,
        budget=request.budget,
        per_person=request.per_person,
        classes=list(request.classes),
        quota_total=seats,
        fixed=fixed,
        entries=campaign.entries,
        inputs=campaign_inputs(conn, request.year),
        notes=notes,
        quotas=outcome.quotas,
        run_id=run_id,
        rechecked=dict(sorted(rechecked.items())),
    )
    result.id = _store(conn, run_id, result, decided)
    return result


def _validated_years(conn: Connection | None) -> list[int]:
    if conn is None:
        return []
    return applicants_store.validated_years(conn)


def _nothing_validated(year: int, others: Sequence[int] = ()) -> UserError:
    """No applicants for ``year``; ``others`` are the years that have some, named as a hint."""
    if others:
        listed = "、".join(str(y) for y in others)
        return UserError(
            f"{year} 年还没有校验过的申请人；台账中有 {listed} 年的申请人。"
            f"如果要分配的是 {others[-1]} 年，请加 --year {others[-1]}"
            f"（或用 zjk-charity.toml 中的 campaign_year 设置活动年度）",
            f"no validated applicants for {year}; the ledger has applicants for {listed}: "
            f"add --year {others[-1]} (or set campaign_year in zjk-charity.toml)",
        )
    return UserError(
        f"{year} 年还没有校验过的申请人；请先运行 zjk-charity aid validate 县区申请表.xlsx",
        f"no validated applicants for {year}; run zjk-charity aid validate first",
    )


def _store(conn: Connection, run_id: int, a: Allocation, decided: list[Decided]) -> int:
    """The allocation and its snapshot; the ``--json`` document is built meanwhile."""
    new = allocation_store.NewAllocation(
        year=a.year,
        as_of=a.as_of,
        budget=a.budget,
        per_person=a.per_person,
        quota_total=a.quota_total,
        amount=a.amount,
        unspent=a.unspent,
        rule=[c.model_dump() for c in a.classes],
        fixed=a.fixed,
        inputs=a.inputs,
    )

    def document() -> tuple[int, str]:
        built = a.as_json()  # built once, kept by ``a``
        return built["funded"], json.dumps(built, ensure_ascii=False)

    return allocation_store.store(conn, run_id, new, decided, document)


def load_allocation(ledger: Ledger, year: int) -> Allocation:
    """The allocation of ``year`` (the finalized one, else the latest), as it was stored."""
    with ledger.read() as conn:
        if conn is None:
            raise _no_allocation(year, [])
        return read_allocation(conn, year)


def _no_allocation(year: int, years: list[int]) -> UserError:
    other_zh = (
        f"台账中有 {'、'.join(map(str, years))} 年的分配，请加 --year {years[-1]}；"
        if years
        else ""
    )
    other_en = f"the ledger has allocations of {', '.join(map(str, years))}; " if years else ""
    return UserError(
        f"{year} 年还没有分配结果；{other_zh or '请先运行 zjk-charity aid allocate'}",
        f"no allocation for {year} yet; {other_en or 'run zjk-charity aid allocate first'}",
    )


def latest_allocation_id(conn: Connection, year: int) -> int:
    """The id of the allocation :func:`read_allocation` would read (a UserError if none)."""
    found = allocation_store.latest_id(conn, year)
    if found is None:
        raise _no_allocation(year, allocation_store.allocated_years(conn))
    return found


def read_allocation(conn: Connection, year: int) -> Allocation:
    """:func:`load_allocation` on an open connection (a command's own transaction)."""
    head = allocation_store.latest(conn, year)
    if head is None:
        raise _no_allocation(year, allocation_store.allocated_years(conn))
    allocation = Allocation(
        year=year,
        as_of=head.as_of,
        budget=head.budget,
        per_person=head.per_person,
        classes=[PriorityClass.model_validate(c) for c in head.rule],
        quota_total=head.quota_total,
        fixed=head.fixed,
        entries=allocation_store.entries(conn, head.id),
        inputs=head.inputs,
        quotas=head.quotas,
        notes=_quota_notes(head.fixed, head.quota_total),
        id=head.id,
        run_id=head.run_id,
        arguments=head.arguments,
        created=head.created,
        finalized=head.finalized,
    )
    from zjk_charity.aid.changes import apply_changes  # (it builds on this module)

    apply_changes(conn, allocation)
    return allocation


def class_name(classes: list[PriorityClass], index: int | None) -> str:
    if index is None:
        return ""
    return classes[index].name if index < len(classes) else "其他申请人"


def reason_counts(a: Allocation) -> Counter[str]:
    return Counter(e.reason or e.status for e in a.entries if e.status != "funded")
