"""``aid forms``: the 申请审批表, one A4 page per person, pre-filled for signing and filing.

A form carries the person's full ID and bank account by design: the applicant signs it,
the village, township, county bureau (with its seal) and the city centre give their
opinion on it, and it is filed, never posted. Nothing of it goes to the terminal: the
result names people only de-identified (张*三) with their file, sheet and row.

Who gets a form:

- **From workbooks** (``write_forms(ws, files=...)``): every row of the files, read and
  checked with the reader and rules of ``aid validate``, without the ledger: nothing is
  stored, earlier years are not consulted (REPEAT_RECIPIENT, a warning, is not
  checked), and a person in two rows is found among these files only. A value left
  blank (phone, township, date) prints as a blank cell the clerk fills in by hand. A row
  with an *error* (an ID that fails its check, not 农村特困, 集中供养, no certificate, a
  second row of the same person…) gets **no** form: a form is signed and filed, so it
  must not carry a wrong ID or go to someone the rules exclude. Those rows are listed
  with their problems and the command exits 1, as ``aid validate`` does; once the
  workbook is corrected, running it again prints them.
- **For the funded** (``write_forms(ws, funded=True)``): the funded people of the
  year's latest allocation, as its snapshot in the ledger holds them. The phone and
  the original 人员类别, 供养方式 and 生活自理能力 texts come from the validated row the
  snapshot was taken from; should that row have been validated again since, the
  category and support the rule accepted (农村特困人员, 分散供养) are printed instead.

Forms are ordered by county, township and village, then as in the input (files, sheets,
rows; or the allocation's campaign order), so a stack can be handed out village by
village. ``out``: a ``.pdf`` path holds every form; a folder (existing, or a path without
suffix) gets one file per county, ``申请审批表-2025-张北县.pdf``; by default the forms go
to ``out/申请审批表-2025.pdf`` (funded) or ``out/申请审批表-<input file name>.pdf``.

A character the font lacks (a 生僻字 in a name) is printed as □ and reported with the
person and row, so a clerk writes it in by hand. A value too long for its cell (over
about two lines of the smallest type) is cut with a visible mark and reported, so that
every form stays on its one page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid import applicants_store
from zjk_charity.aid import columns as col
from zjk_charity.aid.model import Applicant
from zjk_charity.campaign_year import YearWarning, check_years, column_years
from zjk_charity.config import Workspace, make_folder
from zjk_charity.counties import named_counties
from zjk_charity.dates import chinese_date
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding, Severity, place, place_params
from zjk_charity.ids import mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.text import header_key
from zjk_charity.workbook.writer import atomic_path

TEMPLATE = "aid-form.typ"
CUT_MARK = "…（下略，见申请表）"
# typst keeps every page's layout in memory until the PDF is written, about 0.35 MB a
# form (810 forms: 0.4 GB), and does not give it back within the process. A run is
# therefore capped; a county's applications or a campaign's funded list fit easily.
MAX_FORMS = 2000


@dataclass(frozen=True)
class FormPerson:
    """One form's values, all as printed text (blank where the workbook is blank)."""

    file: str
    sheet: str
    row: int
    county_code: str
    name: str = ""
    sex: str = ""
    birth_date: str = ""
    id_number: str = ""
    county: str = ""
    township: str = ""
    village: str = ""
    household: str = ""
    category: str = ""
    support: str = ""
    care_level: str = ""
    phone: str = ""
    bank: str = ""
    account: str = ""
    apply_date: str = ""
    note: str = ""

    @property
    def where(self) -> str:
        return place(self.file, self.sheet, self.row)


# The printed fields, their labels on the form, and how wide a value may be (in
# characters; a digit or Latin letter counts half) before it is cut: two lines of the
# smallest type the template uses in that cell, ten lines in 特殊情况说明.
FIELDS: dict[str, tuple[str, float]] = {
    "name": ("姓名", 22),
    "sex": ("性别", 22),
    "birth_date": ("出生日期", 22),
    "id_number": ("身份证号", 66),
    "household": ("户号", 22),
    "county": ("县（区）", 22),
    "township": ("乡镇（街道）", 22),
    "village": ("村（社区）", 22),
    "category": ("人员类别", 22),
    "support": ("供养方式", 22),
    "care_level": ("生活自理能力", 22),
    "phone": ("联系电话", 22),
    "bank": ("开户银行", 66),
    "account": ("银行账号", 66),
    "apply_date": ("申请日期", 22),
    "note": ("特殊情况说明", 280),
}


@dataclass(frozen=True)
class PersonNote:
    """Something about one printed form: a character the font lacks, or a value cut."""

    file: str
    sheet: str
    row: int
    person: str  # de-identified
    field: str  # the form's label
    char: str = ""  # the character the font lacks; "" when the value was cut

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "person": self.person,
            "field": self.field,
            "char": self.char,
            "codepoint": f"U+{ord(self.char):04X}" if self.char else "",
        }


@dataclass(frozen=True)
class SkippedRow:
    """A row that got no form, and its errors (messages never hold a full ID)."""

    file: str
    sheet: str
    row: int
    person: str  # de-identified
    findings: tuple[Finding, ...]

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "person": self.person,
            "problems": [{"code": f.code, "message": f.message(lang)} for f in self.findings],
        }


@dataclass
class FormsResult:
    """What ``aid forms`` wrote: the PDFs, how many forms and pages, and what to check."""

    year: int
    files: list[Path] = field(default_factory=list)
    people: int = 0
    pages: int = 0
    font: str = ""
    skipped: list[SkippedRow] = field(default_factory=list)
    missing_glyphs: list[PersonNote] = field(default_factory=list)
    cut: list[PersonNote] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        """True when rows got no form because of errors in the data (exit code 1)."""
        return bool(self.skipped)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "year": self.year,
            "files": [str(f) for f in self.files],
            "people": self.people,
            "pages": self.pages,
            "font": self.font,
            "skipped": [s.as_json(lang) for s in self.skipped],
            "missing_glyphs": [n.as_json() for n in self.missing_glyphs],
            "cut": [n.as_json() for n in self.cut],
        }


def _day(value: date | None) -> str:
    return chinese_date(value) if value else ""


def _width(text: str) -> float:
    return sum(0.55 if c.isascii() else 1 for c in text)


def _cut(text: str, limit: float) -> str:
    """``text`` when it fits ``limit``, else its start and :data:`CUT_MARK`."""
    if _width(text) <= limit:
        return text
    room, kept = limit - _width(CUT_MARK), []
    for char in text:
        room -= 0.55 if char.isascii() else 1
        if room < 0:
            break
        kept.append(char)
    return "".join(kept) + CUT_MARK


# ---------------------------------------------------------------- from workbooks


def _original(applicant: Applicant, positions: dict[str, int], column: str) -> str:
    position = positions.get(column)
    if position is None or position >= len(applicant.cells):
        return ""
    return applicant.cells[position].strip()


def _from_applicant(a: Applicant, positions: dict[str, int]) -> FormPerson:
    def cell(column: str) -> str:
        return _original(a, positions, column)

    return FormPerson(
        file=Path(a.file).name,
        sheet=a.sheet,
        row=a.row,
        county_code=a.county_code or "",
        name=a.name,
        sex=a.sex or cell("性别"),
        birth_date=_day(a.birth_date),
        id_number=a.id_number or "",
        county=a.county or cell(col.COUNTY),
        township=a.township,
        village=a.village,
        household=a.household,
        category=cell("人员类别"),
        support=cell("供养方式"),
        care_level=cell("生活自理能力"),
        phone=cell("联系电话"),
        bank=a.bank,
        account=a.account,
        apply_date=_day(a.apply_date) or cell("申请日期"),
        note=cell("特殊情况说明") or a.exception_note,  # as written: full-width ，kept
    )


def _errors(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is Severity.ERROR)


def _duplicate(a: Applicant, first: Applicant) -> Finding:
    where = place_params(Path(first.file).name, first.sheet, first.row)
    return Finding(a.file, a.sheet, a.row, col.ID, "DUPLICATE_PERSON", where)


def from_files(
    paths: Sequence[Path],
    year: int,
    as_of: date,
    attachments: Path | None = None,
    progress: Callable[[str], None] | None = None,
    warn_year: YearWarning | None = None,
) -> tuple[list[FormPerson], list[SkippedRow]]:
    """The people of ``paths`` who get a form, and the rows that get none (with errors).

    ``attachments`` is the folder of 认证截图, checked as ``aid validate --attachments``
    does. Unreadable files and sheets without the required columns are a UserError
    (exit 2): forms cannot be filled from them. ``warn_year`` hears, as in ``aid
    validate``, when most 申请日期 lie outside ``year`` (the year titles the forms).
    """
    from zjk_charity.aid.attachments import Attachments
    from zjk_charity.aid.rules import RowContext, check_sheet
    from zjk_charity.aid.validation import read_files

    folder = Attachments(attachments) if attachments else None
    reports = list(read_files(paths, progress))
    sheets = [sheet for report in reports for sheet in report.table.sheets]
    check_years(column_years(sheets, "申请日期"), year, "申请日期", warn_year)

    people: list[FormPerson] = []
    skipped: list[SkippedRow] = []
    first: dict[str, Applicant] = {}
    for report in reports:
        _require_columns(report.path, report.table.sheets)
        ctx = RowContext(report.path, year, as_of, {}, folder)
        for sheet in report.table.sheets:
            for a in check_sheet(ctx, sheet):
                errors = _errors(a.findings)
                if a.id_number and not errors:
                    earlier = first.setdefault(a.id_number, a)
                    if earlier is not a:
                        errors = (_duplicate(a, earlier),)
                if errors:
                    where = (Path(a.file).name, a.sheet, a.row)
                    skipped.append(SkippedRow(*where, mask_name(a.name), errors))
                else:
                    people.append(_from_applicant(a, sheet.columns))
    return people, skipped


def _require_columns(path: str, sheets: Sequence[Any]) -> None:
    lacking = [(s.name, s.missing) for s in sheets if s.missing]
    if lacking:
        zh = "；".join(f"工作表「{name}」缺少 {'、'.join(cols)}" for name, cols in lacking)
        en = "; ".join(f"sheet '{name}' lacks {', '.join(cols)}" for name, cols in lacking)
        raise UserError(
            f"{path}：{zh}，无法填写申请审批表；请补上这些列（可先用 aid validate 检查）",
            f"{path}: {en}; forms cannot be filled in (check it with aid validate)",
        )


# ---------------------------------------------------------------- for the funded


def _positions(headers: Sequence[str]) -> dict[str, int]:
    """Canonical column → position, by the header texts the validation stored (the first
    header that names a column wins, as when the workbook was read)."""
    names = {header_key(n): spec.name for spec in col.COLUMNS for n in (spec.name, *spec.aliases)}
    found: dict[str, int] = {}
    for position, text in enumerate(headers):
        canonical = names.get(header_key(text))
        if canonical is not None:
            found.setdefault(canonical, position)
    return found


Originals = dict[tuple[str, str, int, str], dict[str, str]]


def _originals(ledger: Ledger, year: int) -> Originals:
    """The validated rows' phone and original category, support, care and note texts,
    by (file name, sheet, row, ID)."""
    wanted = ("联系电话", "人员类别", "供养方式", "生活自理能力", "特殊情况说明")
    found: Originals = {}
    with ledger.read() as conn:
        if conn is None:
            return found
        rows = applicants_store.original_rows(conn, year)
    layouts: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        key = (r.file, r.sheet)
        if key not in layouts:
            headers = next((s.headers for s in r.sheets if s.name == r.sheet), [])
            layouts[key] = _positions(headers)
        texts = r.cells
        values = {
            c: str(texts[p]).strip()
            for c in wanted
            if (p := layouts[key].get(c)) is not None and p < len(texts)
        }
        values["联系电话"] = values.get("联系电话") or r.phone or ""
        found[(r.file, r.sheet, r.row, r.id_number or "")] = values
    return found


def from_allocation(ledger: Ledger, year: int) -> list[FormPerson]:
    """The funded people of ``year``'s latest allocation (UserError when there is none)."""
    from zjk_charity.aid.allocation import load_allocation

    allocation = load_allocation(ledger, year)
    originals = _originals(ledger, year)
    people = []
    for e in sorted(allocation.funded, key=lambda e: e.seq):
        extra = originals.get((e.file, e.sheet, e.row, e.id_number or ""), {})
        people.append(
            FormPerson(
                file=e.file,
                sheet=e.sheet,
                row=e.row,
                county_code=e.county_code or "",
                name=e.name,
                sex=e.sex or "",
                birth_date=_day(e.birth_date),
                id_number=e.id_number or "",
                county=e.county or "",
                township=e.township,
                village=e.village,
                household=e.household,
                category=extra.get("人员类别") or "农村特困人员",
                support=extra.get("供养方式") or "分散供养",
                care_level=extra.get("生活自理能力") or e.care_level,
                phone=extra.get("联系电话", ""),
                bank=e.bank,
                account=e.account,
                apply_date=_day(e.apply_date),
                note=extra.get("特殊情况说明") or e.exception_note,
            )
        )
    return people


# ---------------------------------------------------------------- writing


def _fit(person: FormPerson) -> tuple[FormPerson, list[str]]:
    """``person`` with every value cut to its cell, and the labels of those cut."""
    values, cut = {}, []
    for key, (label, limit) in FIELDS.items():
        text = getattr(person, key)
        values[key] = _cut(text, limit)
        if values[key] != text:
            cut.append(label)
    return FormPerson(
        **{**{f.name: getattr(person, f.name) for f in fields(person)}, **values}
    ), cut


def _page(person: FormPerson) -> dict[str, str]:
    return {**{key: getattr(person, key) for key in FIELDS}, "source": person.where}


def _note(person: FormPerson, label: str, char: str = "") -> PersonNote:
    return PersonNote(person.file, person.sheet, person.row, mask_name(person.name), label, char)


def _targets(
    out: Path | None, default: Path, year: int, people: list[FormPerson]
) -> list[tuple[Path, list[FormPerson]]]:
    """Which file each form goes into (see the module docstring)."""
    target = out if out is not None else default
    if out is not None and not out.is_dir() and out.suffix.lower() == ".pdf":
        return [(out, people)]
    if out is None:
        return [(target, people)]
    if out.suffix and not out.is_dir():
        raise UserError(
            f"--out {out}：应为 .pdf 文件（全部表在一个文件中）或文件夹（每县一个文件）",
            f"--out {out}: give a .pdf file (every form in one) or a folder (one file per county)",
        )
    make_folder(out, "请换一个 --out 位置", "choose another --out")
    by_county: dict[str, list[FormPerson]] = defaultdict(list)
    for person in people:
        by_county[person.county or "县区不明"].append(person)
    return [(out / f"申请审批表-{year}-{county}.pdf", group) for county, group in by_county.items()]


def _order(person: FormPerson) -> tuple[str, str, str]:
    return (person.county_code or "~", person.township, person.village)


def write_forms(
    ws: Workspace,
    year: int,
    *,
    files: Sequence[Path] = (),
    funded: bool = False,
    out: Path | None = None,
    as_of: date | None = None,
    attachments: Path | None = None,
    counties: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    warn_year: YearWarning | None = None,
) -> FormsResult:
    """Write the 申请审批表 of the people in ``files`` or, with ``funded``, of the year's
    latest allocation (only those of ``counties``, by name or code, when given); one A4
    page each. See the module docstring for who gets a form, the order and the files
    written. The ledger is only read, never written.
    """
    if bool(files) == funded:
        raise UserError(
            "请给出申请表文件，或使用 --funded（二者选一）",
            "give application workbooks or --funded, not both or neither",
        )
    # Named like the workbooks' cells (张北 = 张北县, or a code); a wrong name stops here.
    codes = {c.code for c in named_counties(counties)}
    result = FormsResult(year)
    if funded:
        people = from_allocation(ws.ledger(), year)
        default = ws.out_dir / f"申请审批表-{year}.pdf"
    else:
        day = as_of or ws.as_of(year)
        people, result.skipped = from_files(files, year, day, attachments, progress, warn_year)
        stem = Path(files[0]).stem + (f"等{len(files)}个文件" if len(files) > 1 else "")
        default = ws.out_dir / f"申请审批表-{stem}.pdf"
    if codes:
        people = [p for p in people if p.county_code in codes]
    if len(people) > MAX_FORMS:
        raise UserError(
            f"一次最多生成 {MAX_FORMS} 份申请审批表（本次 {len(people)} 份）；"
            "请用 --county 按县分批，或分批给出申请表文件",
            f"at most {MAX_FORMS} forms per run ({len(people)} asked for); "
            "use --county, or give fewer files at a time",
        )
    people.sort(key=_order)  # stable: input order within a village
    fitted = []
    for person in people:
        fitted_person, cut = _fit(person)
        fitted.append(fitted_person)
        result.cut.extend(_note(person, label) for label in cut)
    result.people = len(fitted)
    if fitted:
        _render(ws, year, _targets(out, default, year, fitted), result, files)
    return result


def _render(
    ws: Workspace,
    year: int,
    targets: list[tuple[Path, list[FormPerson]]],
    result: FormsResult,
    inputs: Sequence[Path],
) -> None:
    from zjk_charity.pdf import pdf_fonts, render_pdf
    from zjk_charity.pdf.engine import page_count
    from zjk_charity.reports.render import template_folders

    title = f"{year}年“福彩暖冬”活动申请审批表"
    # All or nothing: each file is typeset under a temporary name and they are renamed
    # together at the end, so a county's file that cannot be written leaves the others.
    with pdf_fonts(ws.settings.pdf_font) as fonts, ExitStack() as stack:
        for target, group in targets:
            temp = stack.enter_context(atomic_path(target, inputs=inputs))  # never an input
            data = {"title": title, "people": [_page(p) for p in group]}
            rendered = render_pdf(
                TEMPLATE, data, temp, fonts, template_folders(ws.root), tags=False
            )
            result.files.append(target)
            result.pages += page_count(temp) or len(group)
            result.font = rendered.fonts[0].family
            if rendered.missing:
                result.missing_glyphs.extend(_glyph_notes(target, group, rendered.missing))


def _glyph_notes(target: Path, people: Iterable[FormPerson], missing: set[str]) -> list[PersonNote]:
    """Each person and field holding a character no font has; a character of the form's
    own text (only with an odd pdf_font) is noted once, without a person."""
    notes, seen = [], set()
    for person in people:
        for key, (label, _) in FIELDS.items():
            for char in dict.fromkeys(getattr(person, key)):
                if char in missing:
                    notes.append(_note(person, label, char))
                    seen.add(char)
    notes.extend(PersonNote(target.name, "", 0, "", "表格文字", c) for c in sorted(missing - seen))
    return notes
