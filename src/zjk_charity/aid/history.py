"""The history registry: who was aided in which year (REPEAT_RECIPIENT reads it).

Old lists are full of typos, so a row whose ID fails only its check character is kept
(``id_checked = 0``) with a warning, ID_BAD_CHECKSUM in its ``kept`` wording, instead
of being dropped (integrity.md): such a row never matches an applicant's ID exactly
(REPEAT_RECIPIENT, allocation's repeat set), only as "likely the same person"
(POSSIBLE_REPEAT). Any other problem with the ID still drops the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity import counties
from zjk_charity.aid import columns as col
from zjk_charity.aid import history_store
from zjk_charity.aid.history_store import NewHistoryEntry
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding
from zjk_charity.ids import IdCheck, check_id
from zjk_charity.ledger import Ledger
from zjk_charity.text import squash
from zjk_charity.workbook.reader import ColumnSpec, cell_text, read_table

HISTORY_COLUMNS = (
    ColumnSpec(col.ID, True, ("身份证号码", "公民身份号码", "身份证")),
    ColumnSpec(col.NAME, False, ("申请人姓名", "受助人姓名")),
    ColumnSpec(col.COUNTY, False, ("县区", "所属县区", "县/区")),
)


@dataclass
class HistoryImport:
    year: int
    imported: int = 0
    already: int = 0
    findings: list[Finding] = field(default_factory=list)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "year": self.year,
            "imported": self.imported,
            "already": self.already,
            "findings": [f.as_json(lang) for f in self.findings],
        }


def import_history(
    ledger: Ledger, paths: Sequence[Path], year: int, arguments: dict[str, Any] | None = None
) -> HistoryImport:
    """Load earlier rounds' recipient lists; rows with an unusable ID are reported, not stored."""
    if year < 2009 or year > date.today().year + 1:
        raise UserError(f"年份 {year} 不对：福彩暖冬自 2009 年开始", f"year {year} is out of range")
    tables = [read_table(p, HISTORY_COLUMNS, col.ID) for p in paths]
    result = HistoryImport(year)
    rows: list[NewHistoryEntry] = []
    for table in tables:
        for sheet in table.sheets:
            for name in sheet.missing:
                result.findings.append(
                    Finding(
                        str(table.path),
                        sheet.name,
                        sheet.header_row,
                        name,
                        "COLUMN_MISSING",
                        {"column": name},
                    )
                )
            if sheet.missing:
                continue
            for row in sheet.rows:
                raw = sheet.get(row, col.ID)
                where = (str(table.path), sheet.name, row.number, col.ID)
                if isinstance(raw, int | float) and not isinstance(raw, bool):
                    result.findings.append(Finding(*where, "PRECISION_LOST", {"column": col.ID}))
                    continue
                checked = check_id(cell_text(raw), date(year, 12, 31))
                kept = _only_bad_check(checked)
                if kept:
                    params = {**checked.params("ID_BAD_CHECKSUM"), "variant": "kept"}
                    result.findings.append(Finding(*where, "ID_BAD_CHECKSUM", params))
                elif not checked.valid:
                    result.findings.extend(
                        Finding(*where, code, checked.params(code)) for code in checked.problems
                    )
                    continue
                county = counties.find_county(cell_text(sheet.get(row, col.COUNTY)))
                rows.append(
                    NewHistoryEntry(
                        year=year,
                        id_number=checked.number,
                        name=squash(cell_text(sheet.get(row, col.NAME))),
                        county=county.name if county else None,
                        source=table.path.name,
                        id_checked=not kept,
                    )
                )
    with ledger.run("aid history import", arguments or {}, list(paths)) as run:
        result.imported = history_store.add(run.conn, run.id, rows)
        result.already = len(rows) - result.imported
        run.outcome = "problems" if result.findings else "ok"
        run.result = {"imported": result.imported, "already": result.already}
    return result


def _only_bad_check(checked: IdCheck) -> bool:
    """True when the ID's one problem is its check character (an upgrade is no problem)."""
    return [p for p in checked.problems if p != "ID_OLD_FORMAT"] == ["ID_BAD_CHECKSUM"]


def history_summary(ledger: Ledger) -> list[dict[str, Any]]:
    """People in the registry per year."""
    with ledger.read() as conn:
        if conn is None:
            return []
        return [
            {"year": y.year, "people": y.people, "sources": y.sources}
            for y in history_store.summary(conn)
        ]
