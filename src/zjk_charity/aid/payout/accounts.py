"""``aid accounts update``: corrected accounts, recorded for later batches."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid import columns as col
from zjk_charity.aid.allocation import (
    Allocation,
)
from zjk_charity.aid.payout.common import (
    PURPOSE,
    open_for_payment,
    payees,
)
from zjk_charity.aid.rules import stored_as_number
from zjk_charity.findings import Finding
from zjk_charity.ids import (
    account_problem,
    check_id,
    mask_account,
    mask_name,
    normalise_account,
)
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.status import by_payee, payee_state
from zjk_charity.text import squash
from zjk_charity.workbook.reader import ColumnSpec, cell_text, read_table

# ------------------------------------------------------------ corrected accounts

ACCOUNT_COLUMNS = (
    ColumnSpec(col.ID, True, ("身份证号码", "公民身份号码", "身份证")),
    ColumnSpec(col.NAME, False, ("受助人姓名", "申请人姓名")),
    ColumnSpec("户名", False, ("账户名", "收款人", "账户名称")),
    ColumnSpec(col.ACCOUNT, True, ("账号", "银行卡号", "卡(折)号", "新账号", "收款账号")),
    ColumnSpec("开户银行", False, ("开户行", "新开户银行")),
)


@dataclass
class AccountsResult:
    year: int
    updated: int = 0
    unchanged: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity.value == "error" for f in self.findings)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": [zh if lang == "zh" else en for zh, en in self.notes],
            "findings": [f.as_json(lang) for f in self.findings],
        }


@dataclass(frozen=True)
class _AccountRow:
    id_number: str
    name: str
    account: str
    bank: str
    file: str
    sheet: str
    row: int


def _read_account_rows(path: Path, year: int, result: AccountsResult) -> list[_AccountRow]:
    """The rows of a corrections file; a row with a problem becomes findings instead."""
    table = read_table(path, ACCOUNT_COLUMNS, col.ID)
    rows: list[_AccountRow] = []
    for sheet in table.sheets:
        for name in sheet.missing:
            result.findings.append(
                Finding(
                    path.name,
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
            where = (path.name, sheet.name, row.number)
            raw_id, raw_account = sheet.get(row, col.ID), sheet.get(row, col.ACCOUNT)
            if stored_as_number(raw_id) or stored_as_number(raw_account):
                column = col.ID if stored_as_number(raw_id) else col.ACCOUNT
                result.findings.append(
                    Finding(*where, column, "PRECISION_LOST", {"column": column})
                )
                continue
            checked = check_id(cell_text(raw_id), date(year, 12, 31))
            if not checked.valid:
                result.findings.extend(
                    Finding(*where, col.ID, code, checked.params(code)) for code in checked.problems
                )
                continue
            account = normalise_account(cell_text(raw_account))
            problem = account_problem(account)
            if problem is not None:
                result.findings.append(
                    Finding(*where, col.ACCOUNT, problem, {"value": mask_account(account)})
                )
                if problem == "BANK_ACCOUNT_INVALID":
                    continue
            rows.append(
                _AccountRow(
                    checked.number,
                    squash(cell_text(sheet.get(row, "户名")))
                    or squash(cell_text(sheet.get(row, col.NAME))),
                    account,
                    squash(cell_text(sheet.get(row, "开户银行"))),
                    *where,
                )
            )
    return rows


def update_accounts(
    ledger: Ledger, year: int, path: Path, arguments: dict[str, Any] | None = None
) -> AccountsResult:
    """Record corrected accounts for funded people; nothing is recorded while the file
    has errors (a wrong ID or account must not half-apply)."""
    result = AccountsResult(year)
    rows = _read_account_rows(path, year, result)
    with ledger.run(
        "aid accounts update", arguments or {"year": year, "file": str(path)}, [path]
    ) as run:
        conn = run.conn
        a = open_for_payment(conn, year)
        people = payees(a, store.latest_accounts(conn, PURPOSE, year))
        grouped = by_payee(store.instructions(conn, PURPOSE, year))
        changes: list[tuple[str, str, str, str, str, int]] = []
        for r in rows:
            payee = people.get(r.id_number)
            if payee is None:
                result.findings.append(_not_funded(r, a))
                continue
            state, _ = payee_state(grouped.get(r.id_number, []))
            if state == "paid":
                result.notes.append(
                    (
                        f"{r.file}「{r.sheet}」第 {r.row} 行 {mask_name(payee.name)}：已付款成功，"
                        "更正的账号不再使用",
                        f"{r.file} [{r.sheet}] row {r.row}: already paid; the account is not used",
                    )
                )
            new = (r.name or payee.name, r.account, r.bank or payee.bank)
            if new == (payee.name, payee.account, payee.bank):
                result.unchanged += 1
                continue
            changes.append((r.id_number, *new, r.file, r.row))
            # A later row for the same person compares with this one: the file's last
            # word on a person is the one recorded (latest_accounts takes the last).
            people[r.id_number] = replace(payee, name=new[0], account=new[1], bank=new[2])
        if result.has_errors:
            run.outcome = "problems"
            run.result = result.as_json()
            return result
        store.record_accounts(conn, run.id, PURPOSE, year, changes)
        result.updated = len(changes)
        run.result = result.as_json()
    return result


def _not_funded(r: _AccountRow, a: Allocation) -> PayFinding:
    entry = next((e for e in a.entries if e.id_number == r.id_number), None)
    name = entry.name if entry is not None else r.name
    return PayFinding(
        r.file,
        r.sheet,
        r.row,
        col.ID,
        "NOT_FUNDED",
        {"name": mask_name(name) or "—", "tail": r.id_number[-4:], "year": a.year},
    )
