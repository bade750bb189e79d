"""``aid allocate``, ``aid explain`` and ``aid finalize``: the rule of ``ranking`` on the ledger.

An allocation reads the campaign's validated applicants, applies the published rule and
stores the outcome with a snapshot of every applicant row, so the lists, the payments,
an explanation for one person and the finalized history all come from what was decided,
even if a workbook is validated again afterwards (``finalize`` then refuses until the
allocation is run again).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from zjk_charity import counties
from zjk_charity.aid import campaign_name
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
from zjk_charity.ids import age_on
from zjk_charity.integrity.recheck import recheck_entries
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import insert_rows
from zjk_charity.text import squash
from zjk_charity.workbook.reader import Cell, ColumnSpec, cell_text, read_table

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """Money in JSON: a string with two decimals."""
    return str(value.quantize(CENT))


@dataclass(slots=True)
class Entry:
    """A snapshot of one applicant row and what the allocation decided for it."""

    seq: int
    file: str
    sheet: str
    row: int
    county_code: str | None
    county: str | None
    township: str
    village: str
    name: str
    id_number: str | None
    birth_date: date | None
    sex: str | None
    household: str
    care_level: str
    bank: str
    account: str
    apply_date: date | None
    exception_note: str
    errors: str
    status: str = ""
    reason: str | None = None
    priority: int | None = None
    rank: int | None = None
    county_rank: int | None = None
    position: int | None = None
    county_position: int | None = None
    better_seq: int | None = None
    amount: Decimal | None = None
    backfilled: bool = False  # came onto the list by 递补 (aid/changes.py), even if withdrawn since

    def age(self, as_of: date) -> int | None:
        return age_on(self.birth_date, as_of) if self.birth_date else None


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


# An applicant row's fields as the snapshot keeps them, in the order of ``Entry`` and of
# ``allocation_people``: "" for a missing text, 自理 for a missing care level, NULL for a
# missing date (the validator stores dates as ISO text or NULL).
_PERSON = """a.sheet, a.row, a.county_code, a.county, coalesce(a.township, ''),
       coalesce(a.village, ''), coalesce(a.name, ''), a.id_number, nullif(a.birth_date, ''),
       a.sex, coalesce(a.household, ''), coalesce(nullif(a.care_level, ''), '自理'),
       coalesce(a.bank, ''), coalesce(a.account, ''), nullif(a.apply_date, ''),
       coalesce(a.exception_note, '')"""

# ``+a.year``: a scan of the table in storage order, sorted afterwards, is cheaper than
# 100,000 look-ups through the (year, ID) index; storage order is nearly file order.
_LOAD = f"""
SELECT a.file_id, a.sheet_index, a.id, a.has_error, {_PERSON}
FROM applicants a
WHERE +a.year = ?
"""
_FILE_ORDER = itemgetter(0, 1, 5, 2)  # file, sheet, row (and the ledger id: never needed)

# A row's error codes and its REPEAT_RECIPIENT warning, read once for the campaign
# rather than by two subqueries per applicant. In id order, as the codes were joined.
_FLAGS = """
SELECT x.file_id, x.sheet, x.row, x.code, x.severity
FROM aid_findings x JOIN aid_files f ON f.id = x.file_id
WHERE f.year = ? AND (x.severity = 'error' OR x.code = 'REPEAT_RECIPIENT')
ORDER BY x.id
"""


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass
class Campaign:
    """The campaign's applicant rows in file order: snapshots, rule inputs, ledger ids."""

    entries: list[Entry]
    people: list[Person]  # people[i] is entries[i]; its key is the seq
    applicant_ids: list[int]  # the ``applicants`` row of each seq


Where = tuple[int, str, int]  # (file id, sheet, row) of an applicant row


def _flags(conn: sqlite3.Connection, year: int) -> tuple[dict[Where, str], set[Where], set[str]]:
    """The rows' error codes, the rows flagged REPEAT_RECIPIENT, and the IDs in history."""
    codes: dict[Where, list[str]] = {}
    flagged: set[Where] = set()
    for file_id, sheet, row, code, severity in conn.execute(_FLAGS, (year,)):
        if severity == "error":
            codes.setdefault((file_id, sheet, row), []).append(code)
        if code == "REPEAT_RECIPIENT":
            flagged.add((file_id, sheet, row))
    # A kept row whose ID fails its check character matches no one exactly (integrity.md).
    query = "SELECT id_number FROM history WHERE year < ? AND id_checked = 1"
    earlier = {r[0] for r in conn.execute(query, (year,))}
    return {where: ",".join(found) for where, found in codes.items()}, flagged, earlier


def load_campaign(conn: sqlite3.Connection, year: int) -> Campaign:
    """Every applicant row of the campaign, in file order, as entries and as rule inputs."""
    files = dict(conn.execute("SELECT id, name FROM aid_files"))
    errors, flagged, earlier = _flags(conn, year)
    rows = conn.execute(_LOAD, (year,)).fetchall()
    rows.sort(key=_FILE_ORDER)
    campaign = Campaign([], [], [])
    add_entry, add_person = campaign.entries.append, campaign.people.append
    add_id = campaign.applicant_ids.append
    day = date.fromisoformat
    for seq, (
        file_id,
        _,
        applicant,
        has_error,
        sheet,
        row,
        code,
        county,
        township,
        village,
        name,
        number,
        birth,
        sex,
        household,
        care,
        bank,
        account,
        applied,
        note,
    ) in enumerate(rows):
        where = (file_id, sheet, row)
        born = day(birth) if birth else None
        applied_on = day(applied) if applied else None
        repeat = where in flagged or number in earlier
        add_entry(
            Entry(
                seq,
                files[file_id],
                sheet,
                row,
                code,
                county,
                township,
                village,
                name,
                number,
                born,
                sex,
                household,
                care,
                bank,
                account,
                applied_on,
                note,
                errors.get(where, ""),
            )
        )
        add_person(
            Person(
                seq, code, number, born, applied_on, care, household, bool(has_error), repeat, note
            )
        )
        add_id(applicant)
    return campaign


_REASON_CODE: dict[Reason | None, str | None] = {None: None} | {r: r.value for r in Reason}

# What ``allocation_people`` takes from Python for one row; the rest is copied in SQL.
# (seq, applicants.id, errors, status, reason, priority, rank, county rank, waitlist
# position, county waitlist position, better seq)
Decided = tuple[int, int, str, str, str | None, *tuple[int | None, ...]]
DECIDED_WIDTH = 11


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


def is_finalized(conn: sqlite3.Connection, year: int) -> bool:
    found = conn.execute(
        "SELECT 1 FROM allocations WHERE year = ? AND finalized_run_id IS NOT NULL", (year,)
    ).fetchone()
    return found is not None


def campaign_inputs(conn: sqlite3.Connection, year: int) -> list[dict[str, str]]:
    return [
        {"path": r[0], "sha256": r[1]}
        for r in conn.execute(
            "SELECT path, sha256 FROM aid_files WHERE year = ? ORDER BY id", (year,)
        )
    ]


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
        if (
            conn is None
            or not conn.execute(
                "SELECT 1 FROM applicants WHERE year = ? LIMIT 1", (request.year,)
            ).fetchone()
        ):
            raise _nothing_validated(request.year, _validated_years(conn))
        if warn_year is not None:
            check_years(_apply_years(conn, request.year), request.year, "申请日期", warn_year)
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
        result.created = _started(run.conn, run.id)
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


def _refuse_when_fixed(conn: sqlite3.Connection, year: int) -> None:
    """A list that was changed (withdrawals, 递补) or paid from is the list: allocating
    again would silently undo the changes and re-rank people already paid."""
    from zjk_charity.payments.store import batches

    head = _latest(conn, year)
    changed = head is not None and has_changes(conn, head["id"])
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
    conn: sqlite3.Connection,
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


def _validated_years(conn: sqlite3.Connection | None) -> list[int]:
    if conn is None:
        return []
    return [int(r[0]) for r in conn.execute("SELECT DISTINCT year FROM applicants ORDER BY year")]


def _apply_years(conn: sqlite3.Connection, year: int) -> dict[int, int]:
    """How many of the year's applicants have a 申请日期 in each year (ISO text in the ledger)."""
    query = (
        "SELECT substr(apply_date, 1, 4), count(*) FROM applicants "
        "WHERE year = ? AND apply_date IS NOT NULL AND apply_date != '' GROUP BY 1"
    )
    return {int(y): int(n) for y, n in conn.execute(query, (year,)) if str(y).isdigit()}


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


# The snapshot: the applicant's fields copied inside SQLite, the decision from Python
# (100,000 rows × 29 values through executemany took 2 s; this, under 1 s).
_OUTCOME = """
CREATE TEMP TABLE allocation_outcome (
    seq INTEGER PRIMARY KEY, applicant_id INTEGER NOT NULL, errors TEXT, status TEXT,
    reason TEXT, priority INTEGER, rank INTEGER, county_rank INTEGER, position INTEGER,
    county_position INTEGER, better_seq INTEGER
)
"""
_SNAPSHOT = f"""
INSERT INTO allocation_people
SELECT ?, o.seq, f.name, {_PERSON}, o.errors, o.status, o.reason, o.priority, o.rank,
       o.county_rank, o.position, o.county_position, o.better_seq,
       CASE WHEN o.status = 'funded' THEN ? END
FROM temp.allocation_outcome o
JOIN applicants a ON a.id = o.applicant_id
JOIN aid_files f ON f.id = a.file_id
ORDER BY o.seq
"""


def _store(conn: sqlite3.Connection, run_id: int, a: Allocation, decided: list[Decided]) -> int:
    """The allocation row, then the snapshot; the ``--json`` document is built meanwhile.

    The snapshot's ``INSERT … SELECT`` is SQLite's own work, done without the GIL: on a
    second thread it copies the 100,000 applicants' fields (0.2-0.3 s) while this thread
    builds and serialises the document (0.2 s), 0.1-0.15 s of about 3 s saved. (Storing
    the outcome rows on that thread too was slower: its Python half fights for the GIL.)
    Nothing else touches the connection until the copy has finished, and an error in it
    is raised here, so the run rolls back as before.
    """
    cursor = conn.execute(
        "INSERT INTO allocations (run_id, year, as_of, budget, per_person, quota_total, funded, "
        "amount, unspent, rule, quotas, inputs, document) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
        (
            run_id,
            a.year,
            a.as_of.isoformat(),
            money(a.budget),
            money(a.per_person),
            a.quota_total,
            0,  # funded and the document: set below, from the document
            money(a.amount),
            money(a.unspent),
            json.dumps([c.model_dump() for c in a.classes], ensure_ascii=False),
            json.dumps(a.fixed) if a.fixed is not None else None,
            json.dumps(a.inputs, ensure_ascii=False),
        ),
    )
    allocation_id = int(cursor.lastrowid or 0)
    conn.execute(_OUTCOME)
    insert_rows(conn, "temp.allocation_outcome", DECIDED_WIDTH, decided)
    snapshot = _Snapshot(conn, allocation_id, money(a.per_person))
    snapshot.start()
    try:
        document = json.dumps(a.as_json(), ensure_ascii=False)  # built once, kept by ``a``
    finally:
        snapshot.finish()
    conn.execute(
        "UPDATE allocations SET funded = ?, document = ? WHERE id = ?",
        (a.as_json()["funded"], document, allocation_id),
    )
    return allocation_id


class _Snapshot(threading.Thread):
    """Writes an allocation's ``allocation_people`` rows; ``finish`` re-raises its error."""

    def __init__(self, conn: sqlite3.Connection, allocation_id: int, amount: str) -> None:
        super().__init__(name="allocation-snapshot")
        self.conn, self.arguments = conn, (allocation_id, amount)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.conn.execute(_SNAPSHOT, self.arguments)
            self.conn.execute("DROP TABLE temp.allocation_outcome")
        except BaseException as exc:  # raised in the command's thread by finish()
            self.error = exc

    def finish(self) -> None:
        """Wait for the copy, even through Ctrl-C (then raised after it); raise its error.

        The rollback that follows an error must not meet the copy still running on the
        same connection.
        """
        interrupted: BaseException | None = None
        while self.is_alive():
            try:
                self.join()
            except KeyboardInterrupt as exc:
                interrupted = exc
        if interrupted is not None:
            raise interrupted
        if self.error is not None:
            raise self.error


# ------------------------------------------------------------------ reading it back


def _allocated_years(conn: sqlite3.Connection) -> list[int]:
    """The years that have an allocation, in order (for a message naming them)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM allocations ORDER BY year")]


def _latest(conn: sqlite3.Connection, year: int) -> sqlite3.Row | None:
    """The finalized allocation of ``year`` if there is one, else the latest (``aid
    allocate`` refuses after finalize, so the two are the same one in practice)."""
    found: sqlite3.Row | None = conn.execute(
        "SELECT a.*, r.arguments AS run_arguments, r.started_at AS run_started "
        "FROM allocations a LEFT JOIN runs r ON r.id = a.run_id WHERE a.year = ? "
        "ORDER BY a.finalized_run_id IS NULL, a.id DESC LIMIT 1",
        (year,),
    ).fetchone()
    return found


def _started(conn: sqlite3.Connection, run_id: int) -> datetime | None:
    found = conn.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _moment(found[0] if found else None)


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _arguments(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


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


def latest_allocation_id(conn: sqlite3.Connection, year: int) -> int:
    """The id of the allocation :func:`read_allocation` would read (a UserError if none)."""
    head = _latest(conn, year)
    if head is None:
        raise _no_allocation(year, _allocated_years(conn))
    return int(head["id"])


def entries_by_id(
    conn: sqlite3.Connection, allocation_id: int, ids: Collection[str]
) -> dict[str, Entry]:
    """The snapshot rows of the people with these IDs, as stored (changes not applied):
    for a command that needs a few people's villages or names, not the whole list."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT * FROM allocation_people WHERE allocation_id = ? ORDER BY seq", (allocation_id,)
    )
    return {r["id_number"]: _entry(r) for r in rows if r["id_number"] in wanted}


def read_allocation(conn: sqlite3.Connection, year: int) -> Allocation:
    """:func:`load_allocation` on an open connection (a command's own transaction)."""
    head = _latest(conn, year)
    if head is None:
        raise _no_allocation(year, _allocated_years(conn))
    rows = conn.execute(
        "SELECT * FROM allocation_people WHERE allocation_id = ? ORDER BY seq", (head["id"],)
    ).fetchall()
    entries = [_entry(r) for r in rows]
    allocation = Allocation(
        year=year,
        as_of=date.fromisoformat(head["as_of"]),
        budget=Decimal(head["budget"]),
        per_person=Decimal(head["per_person"]),
        classes=[PriorityClass.model_validate(c) for c in json.loads(head["rule"])],
        quota_total=head["quota_total"],
        fixed=json.loads(head["quotas"]) if head["quotas"] else None,
        entries=entries,
        inputs=json.loads(head["inputs"]),
        quotas={c["code"]: c["quota"] for c in json.loads(head["document"])["counties"]},
        notes=_quota_notes(
            json.loads(head["quotas"]) if head["quotas"] else None, head["quota_total"]
        ),
        id=head["id"],
        run_id=head["run_id"],
        arguments=_arguments(head["run_arguments"]),
        created=_moment(head["run_started"]),
        finalized=head["finalized_run_id"] is not None,
    )
    from zjk_charity.aid.changes import apply_changes  # (it builds on this module)

    apply_changes(conn, allocation)
    return allocation


def _entry(r: sqlite3.Row) -> Entry:
    return Entry(
        seq=r["seq"],
        file=r["file"],
        sheet=r["sheet"],
        row=r["row"],
        county_code=r["county_code"],
        county=r["county"],
        township=r["township"] or "",
        village=r["village"] or "",
        name=r["name"] or "",
        id_number=r["id_number"],
        birth_date=_day(r["birth_date"]),
        sex=r["sex"],
        household=r["household"] or "",
        care_level=r["care_level"] or "自理",
        bank=r["bank"] or "",
        account=r["account"] or "",
        apply_date=_day(r["apply_date"]),
        exception_note=r["exception_note"] or "",
        errors=r["errors"] or "",
        status=r["status"],
        reason=r["reason"],
        priority=r["priority"],
        rank=r["rank"],
        county_rank=r["county_rank"],
        position=r["position"],
        county_position=r["county_position"],
        better_seq=r["better_seq"],
        amount=Decimal(r["amount"]) if r["amount"] is not None else None,
    )


def class_name(classes: list[PriorityClass], index: int | None) -> str:
    if index is None:
        return ""
    return classes[index].name if index < len(classes) else "其他申请人"


def reason_counts(a: Allocation) -> Counter[str]:
    return Counter(e.reason or e.status for e in a.entries if e.status != "funded")
