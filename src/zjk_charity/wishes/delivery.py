"""``wishes deliver import``: record that a wish reached the child (送达, payout.md).

A delivery file has one row per wish delivered: 心愿编号, 送达日期, 经办人, and optionally
照片 (the photo's file name). It is read like every other workbook (xlsx, xls, csv; title
rows above the header; header aliases). Per row, in this order:

1. the cells: a blank 心愿编号, 送达日期 or 经办人 is MISSING_FIELD; a 送达日期 that is no
   date, lies after today, or lies before the wish's 登记日期 is INVALID_VALUE (a
   delivery cannot precede the wish, nor happen tomorrow: both are typing mistakes);
2. the wish: not in the ledger is NO_SUCH_WISH;
3. a delivery already recorded for that wish (in the ledger, or an earlier row of this
   file): the same date, 经办人 and 照片 again is "unchanged" (nothing written); anything
   else is DELIVERY_CHANGED (a recorded delivery is never changed);
4. the wish's stage (``wishes.progress``, the one read model) must be 已支付 or 已采购
   (``progress.DELIVERABLE``), else WISH_NOT_DELIVERABLE;
5. a 照片 name that is neither beside the file nor in a 照片 folder beside it is
   PHOTO_NOT_FOUND, a warning: the delivery is recorded, the photo should be added.

Rows with errors are not recorded; the others are, in one transaction (``Ledger.run``),
as ``wishes import`` does. The file is read before the ledger is opened, so an unreadable
file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.dates import parse_date
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding, Severity
from zjk_charity.ledger import Ledger, file_sha256
from zjk_charity.payments.codes import PayFinding
from zjk_charity.text import is_blank, nfkc, squash
from zjk_charity.wishes import store
from zjk_charity.wishes.checks import DATE_EXAMPLE, MAX_VALUE_SHOWN
from zjk_charity.wishes.model import Source
from zjk_charity.wishes.progress import DELIVERABLE, STAGE_EN, Progress
from zjk_charity.wishes.store import Delivery
from zjk_charity.workbook.reader import ColumnSpec, Row, Sheet, Table, cell_text, read_table

WISH_ID = "心愿编号"
DELIVERED = "送达日期"
HANDLER = "经办人"
PHOTO = "照片"
PHOTO_FOLDER = "照片"

DELIVERY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(WISH_ID, True, ("编号",)),
    ColumnSpec(DELIVERED, True, ("送达时间", "发放日期", "交付日期")),
    ColumnSpec(HANDLER, True, ("经办", "经手人")),
    ColumnSpec(PHOTO, False, ("照片文件", "照片文件名", "照片名称")),
)
_COLUMN_ORDER = {c.name: i for i, c in enumerate(DELIVERY_COLUMNS)}


@dataclass(frozen=True)
class DeliveryRow:
    """One row as read: its cells normalised, None where unreadable."""

    source: Source
    wish_id: str
    delivered_on: date | None
    handler: str
    photo: str

    def same_as(self, delivery: Delivery) -> bool:
        """The same delivery again: date, 经办人 and 照片 all equal."""
        return (self.delivered_on, self.handler, self.photo) == (
            delivery.delivered_on,
            delivery.handler,
            delivery.photo,
        )


@dataclass
class DeliveryResult:
    """What ``wishes deliver import`` read, found and recorded."""

    path: str  # as the user gave it
    sha256: str
    rows: int = 0
    recorded: list[Delivery] = field(default_factory=list)
    unchanged: int = 0
    with_errors: int = 0
    with_warnings: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """True when any finding is an error: exit code 1."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "recorded": len(self.recorded),
            "unchanged": self.unchanged,
            "with_errors": self.with_errors,
            "with_warnings": self.with_warnings,
        }

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        """``--json``: the file, the counts, this run's deliveries and every finding."""
        return {
            "file": {"path": self.path, "sha256": self.sha256},
            **self.summary(),
            "deliveries": [
                {
                    "wish": d.wish_id,
                    "delivered": d.delivered_on.isoformat(),
                    "handler": d.handler,
                    "photo": d.photo or None,
                    "sheet": d.source.sheet,
                    "row": d.source.row,
                }
                for d in self.recorded
            ],
            "findings": [f.as_json(lang) for f in self.findings],
        }


def read_delivery_file(path: Path) -> Table:
    """The delivery file's sheets. The 送达日期 is the key: a 合计 row has none, even with
    合计 in the 心愿编号 column (as ``donations import`` reads its 到账日期)."""
    return read_table(path, DELIVERY_COLUMNS, DELIVERED)


def import_deliveries(
    ledger: Ledger,
    path: Path,
    *,
    today: date | None = None,
    arguments: dict[str, Any] | None = None,
) -> DeliveryResult:
    """Record the deliveries of ``path`` whose rows have no error; report every finding.

    ``today`` (default: the computer's date) bounds the 送达日期. Raises UserError when the
    file cannot be read or the ledger holds no wishes (nothing can be delivered then).
    """
    table = read_delivery_file(path)
    result = DeliveryResult(str(path), file_sha256(path))
    checker = _Checker(path, today or date.today(), result)
    with ledger.run("wishes deliver import", arguments or {"file": str(path)}, [path]) as run:
        progress = Progress.load(run.conn)
        if not progress.payouts:
            raise UserError(
                "台账中还没有心愿，无法登记送达；请先导入心愿并匹配、付款",
                "the ledger holds no wishes, so nothing can be delivered: import, match "
                "and pay them first",
            )
        checker.progress, checker.run_id = progress, run.id
        for sheet in table.sheets:
            checker.sheet(sheet)
        store.insert_deliveries(run.conn, run.id, result.recorded)
        result.findings.sort(key=lambda f: _finding_order(f, table))
        run.outcome = "problems" if result.has_errors else "ok"
        run.result = result.summary()
    return result


def _finding_order(f: Finding, table: Table) -> tuple[int, int, int, str]:
    sheets = {s.name: s.index for s in table.sheets}
    return (sheets.get(f.sheet, 0), f.row or 0, _COLUMN_ORDER.get(f.column or "", -1), f.code)


@dataclass
class _Checker:
    """The checks of the module's list, row by row, against the ledger's progress."""

    path: Path
    today: date
    result: DeliveryResult
    progress: Progress = field(default_factory=lambda: Progress.load(None))
    accepted: dict[str, Delivery] = field(default_factory=dict)  # this file, by wish
    run_id: int = 0

    def sheet(self, sheet: Sheet) -> None:
        if sheet.missing:
            for name in sheet.missing:
                self._flag(
                    Source(self.path.name, sheet.name, sheet.header_row),
                    name,
                    "COLUMN_MISSING",
                    column=name,
                )
            return
        for row in sheet.rows:
            self.row(sheet, row)

    def row(self, sheet: Sheet, row: Row) -> None:
        self.result.rows += 1
        before = len(self.result.findings)
        read = self._read(sheet, row)
        if read is not None:
            self._decide(read, before)
        mine = self.result.findings[before:]
        if any(f.severity is Severity.ERROR for f in mine):
            self.result.with_errors += 1
        elif mine:
            self.result.with_warnings += 1

    # ---- 1. the cells --------------------------------------------------------------
    def _read(self, sheet: Sheet, row: Row) -> DeliveryRow | None:
        source = Source(self.path.name, sheet.name, row.number)
        wish_id = squash(cell_text(sheet.get(row, WISH_ID)))
        handler = squash(cell_text(sheet.get(row, HANDLER)))
        photo_cell = sheet.get(row, PHOTO)
        photo = "" if is_blank(photo_cell) else nfkc(cell_text(photo_cell)).strip()
        for column, value in ((WISH_ID, wish_id), (HANDLER, handler)):
            if not value:
                self._flag(source, column, "MISSING_FIELD", column=column)
        delivered = self._day(source, sheet.get(row, DELIVERED))
        if photo and not self._photo_found(photo):
            self._flag(source, PHOTO, "PHOTO_NOT_FOUND", value=_shown(photo))
        return DeliveryRow(source, wish_id, delivered, handler, photo) if wish_id else None

    def _day(self, source: Source, value: Any) -> date | None:
        if is_blank(value):
            self._flag(source, DELIVERED, "MISSING_FIELD", column=DELIVERED)
            return None
        day = parse_date(value)
        if day is None:
            shown = _shown(cell_text(value).strip())
            self._invalid_day(source, shown, DATE_EXAMPLE, DATE_EXAMPLE)
        elif day > self.today:
            self._invalid_day(
                source,
                day.isoformat(),
                f"不晚于今天（{self.today.isoformat()}）的日期",
                f"a date no later than today ({self.today.isoformat()})",
            )
            return None
        return day

    def _invalid_day(self, source: Source, value: str, allowed: str, allowed_en: str) -> None:
        self._flag(
            source,
            DELIVERED,
            "INVALID_VALUE",
            column=DELIVERED,
            value=value,
            allowed=allowed,
            allowed_en=allowed_en,
        )

    def _photo_found(self, name: str) -> bool:
        """The photo is beside the file or in its 照片 folder. A name no file can have
        (too long for the file system, a NUL character) is simply not found."""
        folder = self.path.parent
        try:
            return any((where / name).is_file() for where in (folder, folder / PHOTO_FOLDER))
        except (OSError, ValueError):
            return False

    # ---- 2.–4. the wish, its delivery, its stage -------------------------------------
    def _decide(self, row: DeliveryRow, before: int) -> None:
        payout = self.progress.payouts.get(row.wish_id)
        if payout is None:
            self._flag(row.source, WISH_ID, "NO_SUCH_WISH", value=_shown(row.wish_id))
            return
        if row.delivered_on is not None and row.delivered_on < payout.wish.registered:
            registered = payout.wish.registered.isoformat()
            self._invalid_day(
                row.source,
                row.delivered_on.isoformat(),
                f"不早于心愿登记日期（{registered}）的日期",
                f"a date no earlier than the wish's registration ({registered})",
            )
        own_errors = any(f.severity is Severity.ERROR for f in self.result.findings[before:])
        earlier = self.accepted.get(row.wish_id) or payout.delivery
        if earlier is not None:
            if not own_errors:
                self._against(row, earlier)
            return
        if payout.stage not in DELIVERABLE:
            self._flag(
                row.source,
                WISH_ID,
                "WISH_NOT_DELIVERABLE",
                wish=row.wish_id,
                value=payout.stage.value,
                value_en=STAGE_EN[payout.stage],
            )
            return
        if own_errors:
            return
        assert row.delivered_on is not None  # no error: the date was read
        delivery = Delivery(
            row.wish_id, row.delivered_on, row.handler, row.photo, row.source, self.run_id
        )
        self.accepted[row.wish_id] = delivery
        self.result.recorded.append(delivery)

    def _against(self, row: DeliveryRow, earlier: Delivery) -> None:
        """A wish delivered before: the same row again changes nothing, another is refused."""
        if row.same_as(earlier):
            self.result.unchanged += 1
            return
        in_file = self.accepted.get(row.wish_id) is earlier
        where, where_en = earlier.source.describe(), earlier.source.describe("en")
        self._flag(
            row.source,
            WISH_ID,
            "DELIVERY_CHANGED",
            wish=row.wish_id,
            date=earlier.delivered_on.isoformat(),
            where=f"本文件{where}" if in_file else f"台账，来自 {where}",
            where_en=f"this file, {where_en}" if in_file else f"the ledger, from {where_en}",
        )

    def _flag(self, source: Source, column: str, code: str, /, **params: Any) -> None:
        self.result.findings.append(
            PayFinding(self.result_file, source.sheet, source.row, column, code, params)
        )

    @property
    def result_file(self) -> str:
        return self.result.path


def _shown(text: str) -> str:
    """A cell's text for a message, cut short."""
    return text if len(text) <= MAX_VALUE_SHOWN else text[: MAX_VALUE_SHOWN - 1] + "…"
