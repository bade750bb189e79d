"""``wishes accounts update``: corrected accounts of wishes, recorded for later batches.

A row names a wish (心愿编号) and its new 收款账号, optionally the 户名 (the account
holder; kept as it was — the guardian — when blank) and the 开户银行. Nothing of a file
is recorded while it has an error (a wrong wish number or account must not half-apply).
A correction changes only what later batches send (``wishes pay``, ``--retry``): a
payment already sent keeps the account it was sent to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.aid.rules import stored_as_number
from zjk_charity.findings import Finding, Severity
from zjk_charity.ids import account_problem, mask_account, normalise_account
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.text import squash
from zjk_charity.wishes.payout.common import PURPOSE, campaign_name, wish_payee
from zjk_charity.wishes.progress import Progress, WishPayout
from zjk_charity.workbook.reader import ColumnSpec, Sheet, cell_text, read_table

WISH, ACCOUNT, HOLDER, BANK = "心愿编号", "收款账号", "户名", "开户银行"
ACCOUNT_COLUMNS = (
    ColumnSpec(WISH, True, ("编号",)),
    ColumnSpec(ACCOUNT, True, ("银行账号", "账号", "新账号", "卡号")),
    ColumnSpec(HOLDER, False, ("监护人", "收款人", "账户名")),
    ColumnSpec(BANK, False, ("开户行",)),
)


@dataclass
class WishAccountsResult:
    year: int
    updated: int = 0
    unchanged: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": [zh if lang == "zh" else en for zh, en in self.notes],
            "findings": [f.as_json(lang) for f in self.findings],
        }


@dataclass(frozen=True)
class _Row:
    wish_id: str
    name: str
    account: str
    bank: str
    file: str
    sheet: str
    row: int


def read_rows(path: Path, result: WishAccountsResult) -> list[_Row]:
    """The usable rows of a corrections file; each problem becomes a finding instead."""
    table = read_table(path, ACCOUNT_COLUMNS, WISH)
    rows: list[_Row] = []
    for sheet in table.sheets:
        for name in sheet.missing:
            result.findings.append(
                PayFinding(
                    path.name,
                    sheet.name,
                    sheet.header_row,
                    name,
                    "COLUMN_MISSING",
                    {"column": name},
                )
            )
        if not sheet.missing:
            rows.extend(_sheet_rows(path, sheet, result))
    return rows


def _sheet_rows(path: Path, sheet: Sheet, result: WishAccountsResult) -> list[_Row]:
    found: list[_Row] = []
    for row in sheet.rows:
        where = (path.name, sheet.name, row.number)

        def flag(at: str, code: str, **params: Any) -> None:
            result.findings.append(PayFinding(*where, at, code, params))  # noqa: B023

        wish_id = squash(cell_text(sheet.get(row, WISH)))
        raw = sheet.get(row, ACCOUNT)
        if stored_as_number(raw):
            flag(ACCOUNT, "PRECISION_LOST", column=ACCOUNT)
            continue
        account = normalise_account(cell_text(raw))
        blank = [c for c, v in ((WISH, wish_id), (ACCOUNT, account)) if not v]
        for column in blank:
            flag(column, "MISSING_FIELD", column=column)
        if blank:
            continue
        problem = account_problem(account)
        if problem is not None:
            # The shape says what is wrong without repeating the number (as aid/rules.py).
            shape = f"{len(account)} 位数字" if account.isdigit() else "含非数字字符"
            flag(ACCOUNT, problem, shape=shape, value=mask_account(account))
            if problem == "BANK_ACCOUNT_INVALID":
                continue
        found.append(
            _Row(
                wish_id,
                squash(cell_text(sheet.get(row, HOLDER))),
                account,
                squash(cell_text(sheet.get(row, BANK))),
                *where,
            )
        )
    return found


def update_wish_accounts(
    ledger: Ledger, year: int, path: Path, arguments: dict[str, Any] | None = None
) -> WishAccountsResult:
    """Record the corrected accounts of ``path`` (``year``: the campaign the records
    carry); nothing is recorded while the file has errors (exit 1)."""
    result = WishAccountsResult(year)
    rows = read_rows(path, result)
    with ledger.run("wishes accounts update", arguments or {"file": str(path)}, [path]) as run:
        progress = Progress.load(run.conn)
        fixes = store.latest_accounts(run.conn, PURPOSE, None)
        changes: list[tuple[str, str, str, str, str, int]] = []
        for r in rows:
            p = progress.payouts.get(r.wish_id)
            if p is None:
                result.findings.append(
                    PayFinding(r.file, r.sheet, r.row, WISH, "NO_SUCH_WISH", {"value": r.wish_id})
                )
                continue
            payee = wish_payee(p, fixes.get(r.wish_id))
            new = (r.name or payee.name, r.account, r.bank or payee.bank)
            result.notes.extend(_notes(r, p, new[0]))
            if new == (payee.name, payee.account, payee.bank):
                result.unchanged += 1
                continue
            changes.append((r.wish_id, *new, r.file, r.row))
            # A later row of the file for the same wish compares with this one: the file
            # is read top to bottom, and its last word on a wish is the one recorded.
            fixes[r.wish_id] = store.AccountChange(r.wish_id, *new, run.id)
        # In the file's order (NO_SUCH_WISH is found after the reading's own findings).
        result.findings.sort(key=lambda f: (f.file, f.sheet, f.row))
        run.result = result.as_json()
        if result.has_errors:
            run.outcome = "problems"
            return result
        store.record_accounts(run.conn, run.id, PURPOSE, year, changes)
        result.updated = len(changes)
        run.result = result.as_json()
    return result


def _notes(r: _Row, p: WishPayout, holder: str) -> list[tuple[str, str]]:
    """What the clerk should know of a row that is recorded but will not (yet) be used."""
    where_zh = f"{r.file}「{r.sheet}」第 {r.row} 行 {r.wish_id}"
    where_en = f"{r.file} [{r.sheet}] row {r.row} ({r.wish_id})"
    notes = []
    if p.payment == "paid":
        notes.append(
            (f"{where_zh}：已付款成功，更正的账号不再使用", f"{where_en}: already paid; not used")
        )
    elif p.in_kind:
        notes.append(
            (
                f"{where_zh}：此心愿由联合会采购物资实现，不付款到账户，更正的账号不会使用",
                f"{where_en}: fulfilled in kind (bought by the federation); the account is "
                "not used",
            )
        )
    if not holder:
        notes.append(
            (
                f"{where_zh}：没有户名（心愿也未登记监护人），付款前请补上户名",
                f"{where_en}: no 户名 (and no guardian on the wish): add it before paying",
            )
        )
    return notes
