"""``lists import`` and ``lists``: reading a reference list and storing it (integrity.md).

A list file is read like an application workbook (any format the reader takes, header
search, aliases seen on real forms). Per kind, only 身份证号 is required:

- tekun: 姓名, 县(区), 救助证号 — the platform's roster of 农村分散供养特困人员;
- institution: 姓名, 县(区), 机构 — people in 集中供养;
- deaths: 姓名, 县(区), 死亡日期 — deaths and cremation records;
- relatives: 姓名, 县(区), 关系, 工作人员 — 近亲属备案.

A row whose ID cannot be used (blank, stored as a number, wrong format, wrong check
character, impossible birth date) is not stored: it is a finding (MISSING_FIELD,
PRECISION_LOST, ID_*) with file, sheet, row and column. A 死亡日期 that cannot be read is
a DATE_INVALID warning; the person is stored (the death is the fact that matters) with
the date as typed.

The counties a list covers: those given with ``--county``; else those its rows' 县(区)
name; else those of its IDs (retired codes as today's county). Loading a list replaces
every list of the same kind in force whose counties are all among the new one's; the
replaced list's people are deleted (minimum personal data), its record stays. The same
file (same kind and SHA-256) loaded again while in force changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity import counties
from zjk_charity.aid import columns as col
from zjk_charity.aid.rules import stored_as_number
from zjk_charity.dates import parse_date
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding
from zjk_charity.ids import check_id
from zjk_charity.integrity import lists_store
from zjk_charity.integrity.lists_store import NewPerson, StoredList
from zjk_charity.integrity.reference import KIND_ZH, KINDS
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.text import nfkc, squash
from zjk_charity.workbook.reader import Cell, ColumnSpec, Row, Sheet, cell_text, read_table

DEATH_DATE = "死亡日期"
INSTITUTION = "机构"
CERTIFICATE = "救助证号"
RELATION = "关系"
STAFF = "工作人员"

_COMMON = (
    ColumnSpec(col.ID, True, ("身份证号码", "公民身份号码", "身份证", "证件号码", "证件号")),
    ColumnSpec(
        col.NAME,
        False,
        (
            "申请人姓名",
            "人员姓名",
            "特困人员姓名",
            "供养人员姓名",
            "死者姓名",
            "逝者姓名",
            "亲属姓名",
        ),
    ),
    ColumnSpec(
        col.COUNTY,
        False,
        ("县区", "所属县区", "县/区", "区县", "所属区县", "县(市、区)", "县(市区)", "户籍县区"),
    ),
)
# Per kind: the list's own columns, and the key of ``detail`` each is stored under.
_OWN: dict[str, tuple[tuple[ColumnSpec, str], ...]] = {
    "tekun": (
        (
            ColumnSpec(CERTIFICATE, False, ("救助证编号", "特困证号", "供养证号", "证书编号")),
            "certificate",
        ),
    ),
    "institution": (
        (
            ColumnSpec(
                INSTITUTION,
                False,
                ("机构名称", "供养机构", "供养机构名称", "集中供养机构", "入住机构", "所在机构"),
            ),
            "institution",
        ),
    ),
    "deaths": (
        (
            ColumnSpec(
                # Required: a death without its date is no death record, and without the
                # column a roster loaded as --kind deaths would withdraw everyone on it.
                DEATH_DATE,
                True,
                ("死亡时间", "火化日期", "火化时间", "去世日期", "殡葬日期"),
            ),
            "death_date",
        ),
    ),
    "relatives": (
        (ColumnSpec(RELATION, False, ("与工作人员关系", "亲属关系", "与干部关系")), "relation"),
        (
            ColumnSpec(
                STAFF, False, ("工作人员姓名", "干部姓名", "村干部姓名", "关联工作人员", "备案人")
            ),
            "staff",
        ),
    ),
}


def list_columns(kind: str) -> tuple[ColumnSpec, ...]:
    """The columns read from a list of ``kind`` (身份证号 required, the rest optional)."""
    return (*_COMMON, *(spec for spec, _key in _OWN[kind]))


def check_kind(kind: str) -> str:
    """``kind`` when it is one of KINDS; else a UserError naming the four."""
    if kind not in KINDS:
        said = "、".join(f"{k}（{KIND_ZH[k]}）" for k in KINDS)
        raise UserError(
            f"--kind “{kind}” 不对，应为：{said}",
            f"--kind '{kind}' must be one of: {', '.join(KINDS)}",
        )
    return kind


@dataclass
class SheetRead:
    name: str
    header_row: int
    rows: int  # person rows seen (blank and total rows left out)


@dataclass
class ListRead:
    """What a list file holds: its usable people, and what could not be used."""

    path: Path
    kind: str
    people: list[NewPerson]
    counties: list[str]  # county codes, sorted
    counties_from: str  # "option" | "column" | "ids" | "none"
    findings: list[Finding]
    sheets: list[SheetRead]
    skipped_sheets: list[str]
    rows: int  # person rows seen
    skipped: int  # person rows not stored (their ID is unusable)


@dataclass
class ListImport:
    """The outcome of ``lists import``."""

    read: ListRead
    sha256: str
    as_of: date
    stored: StoredList | None = None  # the list in force for this file (None: nothing stored)
    unchanged: bool = False  # the same file was already in force
    replaced: list[StoredList] = field(default_factory=list)
    narrowed: list[StoredList] = field(default_factory=list)  # as they were before
    dropped: int = 0  # deaths: people of the replaced lists the new one does not name

    @property
    def has_problems(self) -> bool:
        """Rows or sheets were left out (exit code 1)."""
        return self.read.skipped > 0 or any(f.code == "COLUMN_MISSING" for f in self.read.findings)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        r = self.read
        return {
            "kind": r.kind,
            "file": r.path.name,
            "path": str(r.path),
            "sha256": self.sha256,
            "as_of": self.as_of.isoformat(),
            "counties": _counties_json(r.counties),
            "counties_from": r.counties_from,
            "sheets": [
                {"name": s.name, "header_row": s.header_row, "rows": s.rows} for s in r.sheets
            ],
            "rows": r.rows,
            "stored": len(r.people) if self.stored and not self.unchanged else 0,
            "skipped": r.skipped,
            "unchanged": self.unchanged,
            "list": list_json(self.stored) if self.stored else None,
            "replaced": [list_json(s) for s in self.replaced],
            "narrowed": [list_json(s) for s in self.narrowed],
            "dropped": self.dropped,
            "findings": [f.as_json(lang) for f in r.findings],
        }


def _counties_json(codes: Sequence[str]) -> list[dict[str, str]]:
    return [{"code": c, "name": counties.BY_CODE[c].name} for c in codes if c in counties.BY_CODE]


def list_json(stored: StoredList) -> dict[str, Any]:
    """One list as ``lists --json`` shows it."""
    return {
        "id": stored.id,
        "kind": stored.kind,
        "file": stored.name,
        "path": stored.path,
        "sha256": stored.sha256,
        "rows": stored.rows,
        "as_of": stored.as_of.isoformat(),
        "loaded_at": stored.loaded_at,
        "counties": _counties_json(stored.counties),
        "in_force": stored.in_force,
        "replaced_by": stored.replaced_by,
    }


class _Reader:
    """The rows of one list file turned into people and findings."""

    def __init__(self, path: Path, kind: str, as_of: date) -> None:
        self.path, self.kind, self.as_of = path, kind, as_of
        self.findings: list[Finding] = []
        self.skipped = 0

    def flag(self, sheet: Sheet, row: int, at: str, code: str, /, **params: Any) -> None:
        self.findings.append(Finding(str(self.path), sheet.name, row, at, code, params))

    def id_number(self, sheet: Sheet, row: Row) -> str | None:
        """The row's ID when usable; else None, with its findings."""
        raw = sheet.get(row, col.ID)
        if stored_as_number(raw):
            self.flag(sheet, row.number, col.ID, "PRECISION_LOST", column=col.ID)
            return None
        text = squash(cell_text(raw))
        if not text:
            self.flag(sheet, row.number, col.ID, "MISSING_FIELD", column=col.ID)
            return None
        checked = check_id(text, self.as_of)
        for code in checked.problems:
            self.flag(sheet, row.number, col.ID, code, **checked.params(code))
        return checked.number if checked.valid else None

    def detail(self, sheet: Sheet, row: Row) -> dict[str, str]:
        detail: dict[str, str] = {}
        for spec, key in _OWN[self.kind]:
            value = sheet.get(row, spec.name)
            if key == "death_date":
                detail[key] = self.death_date(sheet, row.number, value)
            else:
                text = nfkc(cell_text(value)).strip()
                detail[key] = squash(text) if key == "certificate" else text
        return {k: v for k, v in detail.items() if v}

    def death_date(self, sheet: Sheet, row: int, value: Cell) -> str:
        typed = nfkc(cell_text(value)).strip()
        if not typed:  # a row without its date is not stored (sheet_people)
            self.flag(sheet, row, DEATH_DATE, "MISSING_FIELD", column=DEATH_DATE)
            return ""
        day = parse_date(value)
        if day is None:
            self.flag(sheet, row, DEATH_DATE, "DATE_INVALID", value=typed)
            return typed
        return day.isoformat()

    def sheet_people(self, sheet: Sheet) -> list[tuple[NewPerson, counties.County | None]]:
        """The sheet's usable people, each with the county its 县(区) names."""
        found = []
        for row in sheet.rows:
            number = self.id_number(sheet, row)
            if number is None:
                self.skipped += 1
                continue
            county = counties.find_county(cell_text(sheet.get(row, col.COUNTY)))
            detail = self.detail(sheet, row)
            if self.kind == "deaths" and "death_date" not in detail:
                self.skipped += 1
                continue
            person = NewPerson(
                sheet=sheet.name,
                row=row.number,
                id_number=number,
                name=squash(cell_text(sheet.get(row, col.NAME))),
                county_code=county.code if county else None,
                detail=detail,
            )
            found.append((person, county))
        return found


def read_list(
    path: Path, kind: str, as_of: date, named: Sequence[counties.County] = ()
) -> ListRead:
    """Read a list file of ``kind``; ``named`` are the counties ``--county`` gave.

    Raises UserError when the file cannot be read, when no sheet has a 身份证号 column,
    or when no sheet holds a single person row.
    """
    kind = check_kind(kind)
    table = read_table(path, list_columns(kind), col.ID)
    reader = _Reader(path, kind, as_of)
    usable = [s for s in table.sheets if not s.missing]
    needed = "、".join(spec.name for spec in list_columns(kind) if spec.required)
    if not usable:
        found = "；".join(f"{s.name}（缺少 {'、'.join(s.missing)}）" for s in table.sheets)
        raise UserError(
            f"{path}：没有一个工作表有{KIND_ZH[kind]}必需的列（{needed}）（找到：{found}）；"
            "请核对 --kind 和表头",
            f"{path}: no sheet has the columns a {kind} list needs ({needed}) "
            f"(found: {', '.join(s.name for s in table.sheets)}); check --kind and the header",
        )
    for sheet in table.sheets:
        for name in sheet.missing:
            reader.flag(sheet, sheet.header_row, name, "COLUMN_MISSING", column=name)
    rows = sum(len(s.rows) for s in usable)
    if rows == 0:
        raise UserError(
            f"{path}：表头下没有任何人员行（工作表：{'、'.join(s.name for s in usable)}）",
            f"{path}: no person rows under the header (sheets: "
            f"{', '.join(s.name for s in usable)})",
        )
    people = [found for sheet in usable for found in reader.sheet_people(sheet)]
    codes, source = _list_counties(people, named)
    if kind == "tekun" and source in ("ids", "none") and people:
        # The roster decides NOT_IN_ROSTER for every county it covers: never a guess.
        raise UserError(
            f"{path}：特困人员名册没有“县(区)”列，覆盖哪些县（区）不能按身份证号推断"
            "（身份证号的地址码不一定是现住县区）；请用 --county 张北县 指明（可重复）",
            f"{path}: the roster has no 县(区) column, and the counties it covers cannot be "
            "guessed from IDs; name them with --county",
        )
    only = codes[0] if len(codes) == 1 else None
    stored = [
        p if p.county_code or only is None else _with_county(p, only) for p, _county in people
    ]
    return ListRead(
        path=path,
        kind=kind,
        people=stored,
        counties=codes,
        counties_from=source,
        findings=reader.findings,
        sheets=[SheetRead(s.name, s.header_row, len(s.rows)) for s in usable],
        skipped_sheets=table.skipped,
        rows=rows,
        skipped=reader.skipped,
    )


def _with_county(person: NewPerson, code: str) -> NewPerson:
    return NewPerson(
        sheet=person.sheet,
        row=person.row,
        id_number=person.id_number,
        name=person.name,
        county_code=code,
        detail=person.detail,
    )


def _list_counties(
    people: Sequence[tuple[NewPerson, counties.County | None]],
    named: Sequence[counties.County],
) -> tuple[list[str], str]:
    """The counties a list covers, and where they came from (see the module docstring)."""
    if named:
        return sorted({c.code for c in named}), "option"
    by_column = {c.code for _p, c in people if c is not None}
    if by_column:
        return sorted(by_column), "column"
    by_id = {c.code for p, _c in people if (c := counties.county_of_id(p.id_number))}
    return sorted(by_id), ("ids" if by_id else "none")


def import_list(
    ledger: Ledger,
    path: Path,
    kind: str,
    *,
    as_of: date | None = None,
    named: Sequence[counties.County] = (),
    today: date | None = None,
    arguments: dict[str, Any] | None = None,
) -> ListImport:
    """Load a reference list into the ledger (integrity.md, "Reference lists").

    The whole file is read before the ledger is touched, and everything is stored in
    one transaction: a failed import leaves the ledger as it was. Rows with an unusable
    ID are findings, not stored; when no row is usable nothing is stored.
    """
    day = as_of or today or date.today()
    read = read_list(path, kind, day, named)
    result = ListImport(read, file_sha256(path), day)
    with ledger.run("lists import", arguments or {}, [path]) as run:
        same = lists_store.same_file_in_force(run.conn, read.kind, result.sha256, read.counties)
        if same is not None:
            result.stored, result.unchanged = same, True
        elif read.people:
            added = lists_store.add_list(
                run.conn,
                kind=read.kind,
                name=path.name,
                path=str(path.resolve()),
                sha256=result.sha256,
                counties=read.counties,
                as_of=day,
                run_id=run.id,
                people=read.people,
            )
            result.replaced, result.narrowed, result.dropped = (
                added.replaced,
                added.narrowed,
                added.dropped,
            )
            result.stored = next(s for s in lists_store.all_lists(run.conn) if s.id == added.id)
        run.outcome = "problems" if result.has_problems else "ok"
        run.result = {
            "kind": read.kind,
            "list_id": result.stored.id if result.stored else None,
            "unchanged": result.unchanged,
            "stored": 0 if result.unchanged or not result.stored else len(read.people),
            "skipped": read.skipped,
            "replaced": [s.id for s in result.replaced],
        }
    return result


def list_overview(ledger: Ledger) -> list[StoredList]:
    """Every list loaded (in force and replaced), in loading order; [] without a ledger."""
    with ledger.read() as conn:
        return [] if conn is None else lists_store.all_lists(conn)
