"""``wishes import`` and ``donations import``: read, check, store the valid rows.

Every file is read before the ledger is opened, so an unreadable file changes nothing.
An import is one transaction: rows are checked, then compared with the ledger and with
the earlier rows of the same import, and only new valid rows are stored.

- The same row again (same 编号, same content) changes nothing.
- The same 编号 with other content is DUPLICATE_WISH / DUPLICATE_DONATION (error, row
  left out) — unless the wish or donation in the ledger already has matches: then the
  row is a change to something money already went through, the import is refused
  (UserError, exit code 2) and nothing of it is written.
- Cross-row checks (the two above and DUPLICATE_CHILD) look only at rows without errors
  of their own: a row that cannot be read into a wish is not a wish "seen earlier".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from zjk_charity.campaign_year import YearWarning, check_years, column_years
from zjk_charity.collector import collector_paused
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.ledger.db import Run
from zjk_charity.wishes import columns as col
from zjk_charity.wishes import store
from zjk_charity.wishes.amounts import Fen, yuan
from zjk_charity.wishes.checks import CheckedRow, check_donation, check_wish
from zjk_charity.wishes.codes import WishFinding
from zjk_charity.wishes.model import Donation, Source, Wish
from zjk_charity.workbook.reader import ColumnSpec, Table, read_table

Progress = Callable[[str], None] | None
# The campaign year and the callback that receives a YearMismatch (campaign_year).
YearCheck = tuple[int, YearWarning]
MAX_CONFLICTS_NAMED = 10


R = TypeVar("R", Wish, Donation)


@dataclass
class FileRead:
    path: str  # as the user gave it
    sha256: str
    table: Table

    @property
    def name(self) -> str:
        return self.table.path.name


@dataclass
class ImportResult(Generic[R]):
    """What an import read, found and stored."""

    kind: str  # "wishes" | "donations"
    files: list[FileRead]
    rows: list[CheckedRow[R]] = field(default_factory=list)
    column_findings: list[Finding] = field(default_factory=list)
    imported: list[R] = field(default_factory=list)
    unchanged: int = 0

    @property
    def findings(self) -> list[Finding]:
        """Every finding, by file, sheet, row and column as the workbook has them."""
        found = self.column_findings + [f for r in self.rows for f in r.findings]
        order = {f.path: i for i, f in enumerate(self.files)}
        sheets = {(f.path, s.name): s.index for f in self.files for s in f.table.sheets}
        columns = {
            c.name: i
            for i, c in enumerate(
                col.WISH_COLUMNS if self.kind == "wishes" else col.DONATION_COLUMNS
            )
        }
        return sorted(
            found,
            key=lambda f: (
                order.get(f.file, 0),
                sheets.get((f.file, f.sheet), 0),
                f.row or 0,
                columns.get(f.column or "", -1),
                f.code,
            ),
        )

    @property
    def has_errors(self) -> bool:
        """True when rows (or sheets) were left out for errors: exit code 1."""
        return bool(self.column_findings) or any(r.has_error for r in self.rows)

    @property
    def summary(self) -> dict[str, Any]:
        return {
            "rows": len(self.rows),
            "imported": len(self.imported),
            "unchanged": self.unchanged,
            "with_errors": sum(r.has_error for r in self.rows),
            "with_warnings": sum(r.has_warning for r in self.rows),
            "amount": yuan(sum(r.amount for r in self.imported)),
        }

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "kind": self.kind,
            "files": [
                {
                    "path": f.path,
                    "sha256": f.sha256,
                    "sheets": [
                        {"name": s.name, "header_row": s.header_row, "rows": len(s.rows)}
                        for s in f.table.sheets
                    ],
                }
                for f in self.files
            ],
            "summary": self.summary,
            "findings": [f.as_json(lang) for f in self.findings],
        }


def read_files(
    paths: Sequence[Path], columns: Sequence[ColumnSpec], key: str, progress: Progress = None
) -> list[FileRead]:
    """Read every file first; the same file given twice (or copied) is read once."""
    found: dict[str, FileRead] = {}
    for path in dict.fromkeys(paths):
        table = read_table(path, columns, key, progress)
        digest = file_sha256(path)
        found.setdefault(digest, FileRead(str(path), digest, table))
    return list(found.values())


def read_wish_files(paths: Sequence[Path], progress: Progress = None) -> list[FileRead]:
    # The child's ID is the key: a 合计 row has none.
    return read_files(paths, col.WISH_COLUMNS, col.ID, progress)


def read_donation_files(paths: Sequence[Path], progress: Progress = None) -> list[FileRead]:
    # The 到账日期 is the key: a 合计 row, even with 合计 in the 捐赠编号 column, has none.
    return read_files(paths, col.DONATION_COLUMNS, col.RECEIVED, progress)


def _column_findings(files: Iterable[FileRead]) -> list[Finding]:
    return [
        WishFinding(f.path, s.name, s.header_row, name, "COLUMN_MISSING", {"column": name})
        for f in files
        for s in f.table.sheets
        for name in s.missing
    ]


def _error(row: CheckedRow[Any], column: str, code: str, **params: Any) -> None:
    s = row.source
    row.findings.append(WishFinding(row.path, s.sheet, s.row, column, code, params))


@dataclass
class _Settle(Generic[R]):
    """The ledger's records of one kind, and the rows of this import decided so far."""

    existing: Mapping[str, R]
    sources: Mapping[str, Source]
    matched: Mapping[str, Fen]
    key: Callable[[R], str]
    column: str
    code: str
    accepted: dict[str, tuple[R, Source]] = field(default_factory=dict)
    conflicts: list[tuple[str, Source, Source]] = field(default_factory=list)

    def decide(self, row: CheckedRow[R], result: ImportResult[R]) -> bool:
        """True when ``row`` is new and passes; counts unchanged rows, flags duplicates."""
        record = row.record
        assert record is not None
        key = self.key(record)
        stored = self.existing.get(key)
        changed = stored is not None and stored.fingerprint() != record.fingerprint()
        if changed and self.matched.get(key):
            self.conflicts.append((key, row.source, self.sources[key]))
            return False
        earlier = self.accepted.get(key)
        prior = earlier[0] if earlier else stored
        if prior is None:
            return True
        if prior.fingerprint() == record.fingerprint():
            result.unchanged += 1
            return False
        if earlier:
            where, where_en = earlier[1].describe(), earlier[1].describe("en")
        else:
            source = self.sources[key]
            where, where_en = (
                f"台账（{source.describe()}）",
                f"the ledger ({source.describe('en')})",
            )
        _error(row, self.column, self.code, value=key, where=where, where_en=where_en)
        return False

    def refuse_conflicts(self, noun_zh: str, noun_en: str) -> None:
        """Raise naming the rows that would change what already has matches."""
        if not self.conflicts:
            return
        shown = self.conflicts[:MAX_CONFLICTS_NAMED]
        more = len(self.conflicts) - len(shown)
        zh = "；".join(
            f"{k}（{new.describe()}，台账中来自 {old.describe()}）" for k, new, old in shown
        )
        en = "; ".join(f"{k} ({new.describe('en')})" for k, new, _ in shown)
        raise UserError(
            f"以下行会修改已经匹配过的{noun_zh}，导入被拒绝，本次未写入任何数据：{zh}"
            + (f"；另有 {more} 行" if more else "")
            + f"。已有匹配的{noun_zh}不能修改；请恢复原内容，或以新编号登记",
            f"these rows would change {noun_en} that already have matches, so the import was "
            f"refused and nothing was written: {en}"
            + (f"; {more} more" if more else "")
            + ". Restore the original rows, or register the change under a new number",
        )


class _OpenWishes:
    """DUPLICATE_CHILD: one open wish per child and year, in the ledger or this import."""

    def __init__(
        self, wishes: Iterable[Wish], sources: Mapping[str, Source], raised: Mapping[str, Fen]
    ) -> None:
        self.open: dict[tuple[str, int], tuple[str, Source]] = {}
        for w in wishes:
            if raised.get(w.wish_id, 0) < w.amount:
                self.open.setdefault(
                    (w.id_number, w.registered.year), (w.wish_id, sources[w.wish_id])
                )

    def admit(self, row: CheckedRow[Wish]) -> bool:
        wish = row.record
        assert wish is not None
        key = (wish.id_number, wish.registered.year)
        other = self.open.get(key)
        if other is not None and other[0] != wish.wish_id:
            _error(
                row,
                col.ID,
                "DUPLICATE_CHILD",
                year=key[1],
                wish=other[0],
                where=other[1].describe(),
                where_en=other[1].describe("en"),
            )
            return False
        self.open.setdefault(key, (wish.wish_id, row.source))
        return True


def _check_rows(
    files: Sequence[FileRead], check: Callable[[str, Any, Any], CheckedRow[R]]
) -> list[CheckedRow[R]]:
    return [
        check(f.path, sheet, row)
        for f in files
        for sheet in f.table.sheets
        if not sheet.missing
        for row in sheet.rows
    ]


def import_wishes_into(run: Run, files: Sequence[FileRead], standard: Fen) -> ImportResult[Wish]:
    """Check the wish rows of ``files`` and store the new valid ones in ``run``'s transaction."""
    conn = run.conn
    result: ImportResult[Wish] = ImportResult("wishes", list(files))
    result.column_findings = _column_findings(files)
    result.rows = _check_rows(files, lambda p, s, r: check_wish(p, s, r, standard))
    ledger_wishes = store.load_wishes(conn)
    sources = store.wish_sources(conn)
    raised = store.matched_by_wish(conn)
    settle: _Settle[Wish] = _Settle(
        {w.wish_id: w for w in ledger_wishes},
        sources,
        raised,
        lambda w: w.wish_id,
        col.WISH_ID,
        "DUPLICATE_WISH",
    )
    children = _OpenWishes(ledger_wishes, sources, raised)
    for row in result.rows:
        if row.record is not None and settle.decide(row, result) and children.admit(row):
            settle.accepted[row.record.wish_id] = (row.record, row.source)
    settle.refuse_conflicts("心愿", "wishes")
    store.insert_wishes(conn, run.id, settle.accepted.values())
    result.imported = [w for w, _ in settle.accepted.values()]
    return result


def import_donations_into(run: Run, files: Sequence[FileRead]) -> ImportResult[Donation]:
    """Check the donation rows of ``files`` and store the new valid ones."""
    conn = run.conn
    wish_ids = store.wish_ids(conn)
    result: ImportResult[Donation] = ImportResult("donations", list(files))
    result.column_findings = _column_findings(files)
    result.rows = _check_rows(files, lambda p, s, r: check_donation(p, s, r, wish_ids.__contains__))
    settle: _Settle[Donation] = _Settle(
        {d.donation_id: d for d in store.load_donations(conn)},
        store.donation_sources(conn),
        store.matched_by_donation(conn),
        lambda d: d.donation_id,
        col.DONATION_ID,
        "DUPLICATE_DONATION",
    )
    for row in result.rows:
        if row.record is not None and settle.decide(row, result):
            settle.accepted[row.record.donation_id] = (row.record, row.source)
    settle.refuse_conflicts("捐赠", "donations")
    store.insert_donations(conn, run.id, settle.accepted.values())
    result.imported = [d for d, _ in settle.accepted.values()]
    return result


def _finish(run: Run, result: ImportResult[Any]) -> None:
    run.outcome = "problems" if result.has_errors else "ok"
    run.result = result.summary


def check_wish_year(files: Sequence[FileRead], year: YearCheck | None) -> None:
    """Warn, through ``year``'s callback, when most 登记日期 lie outside its campaign year."""
    if year is not None:
        sheets = (s for f in files for s in f.table.sheets)
        check_years(column_years(sheets, col.REGISTERED), year[0], col.REGISTERED, year[1])


def check_donation_year(files: Sequence[FileRead], year: YearCheck | None) -> None:
    """Warn, through ``year``'s callback, when most 到账日期 lie outside its campaign year."""
    if year is not None:
        sheets = (s for f in files for s in f.table.sheets)
        check_years(column_years(sheets, col.RECEIVED), year[0], col.RECEIVED, year[1])


def import_wishes(
    ledger: Ledger,
    paths: Sequence[Path],
    standard: Fen,
    arguments: dict[str, Any] | None = None,
    progress: Progress = None,
    year: YearCheck | None = None,
) -> ImportResult[Wish]:
    """``wishes import``: store the valid wishes of ``paths``; a blank 金额 is ``standard``.

    ``year`` is (campaign year, callback): the callback gets the warning, before the
    ledger is written, when most 登记日期 lie in another year.
    """
    with collector_paused():
        files = read_wish_files(paths, progress)
        check_wish_year(files, year)
        with ledger.run("wishes import", arguments or {}, list(paths)) as run:
            result = import_wishes_into(run, files, standard)
            _finish(run, result)
    return result


def import_donations(
    ledger: Ledger,
    paths: Sequence[Path],
    arguments: dict[str, Any] | None = None,
    progress: Progress = None,
    year: YearCheck | None = None,
) -> ImportResult[Donation]:
    """``donations import``: store the valid donations of ``paths``.

    ``year`` is (campaign year, callback): the callback gets the warning, before the
    ledger is written, when most 到账日期 lie in another year.
    """
    with collector_paused():
        files = read_donation_files(paths, progress)
        check_donation_year(files, year)
        with ledger.run("donations import", arguments or {}, list(paths)) as run:
            result = import_donations_into(run, files)
            _finish(run, result)
    return result
