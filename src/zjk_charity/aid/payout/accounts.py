"""``aid accounts update``: corrected accounts, recorded for later batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid import columns as col
from zjk_charity.aid.allocation import Allocation
from zjk_charity.aid.payout.common import PURPOSE, open_for_payment, payees
from zjk_charity.aid.rules import stored_as_number
from zjk_charity.ids import check_id, mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.corrections import (
    BANK,
    HOLDER,
    CorrectionRow,
    Corrections,
    Flag,
    KeyCheck,
    Layout,
    read_corrections,
)
from zjk_charity.payments.status import by_payee, payee_state
from zjk_charity.workbook.reader import Cell, ColumnSpec, cell_text

# ------------------------------------------------------------ corrected accounts

LAYOUT = Layout(
    columns=(
        ColumnSpec(col.ID, True, ("身份证号码", "公民身份号码", "身份证")),
        ColumnSpec(col.NAME, False, ("受助人姓名", "申请人姓名")),
        ColumnSpec(HOLDER, False, ("账户名", "收款人", "账户名称")),
        ColumnSpec(col.ACCOUNT, True, ("账号", "银行卡号", "卡(折)号", "新账号", "收款账号")),
        ColumnSpec(BANK, False, ("开户行", "新开户银行")),
    ),
    key=col.ID,
    account=col.ACCOUNT,
    holders=(HOLDER, col.NAME),  # the 户名, else the person's name
)
# The outcome of ``aid accounts update`` (counts, findings, notes).
AccountsResult = Corrections


def _id_key(year: int) -> KeyCheck:
    """The ID number of the row, checked as validation checks it (on 31 December)."""

    def check(raw: Cell, flag: Flag) -> str | None:
        if stored_as_number(raw):
            flag(col.ID, "PRECISION_LOST", {"column": col.ID})
            return None
        checked = check_id(cell_text(raw), date(year, 12, 31))
        for code in checked.problems:
            flag(col.ID, code, checked.params(code))
        return checked.number if checked.valid else None

    return check


def update_accounts(
    ledger: Ledger, year: int, path: Path, arguments: dict[str, Any] | None = None
) -> AccountsResult:
    """Record corrected accounts for funded people; nothing is recorded while the file
    has errors (a wrong ID or account must not half-apply)."""
    result = Corrections(campaign_name(year))
    rows = read_corrections(path, LAYOUT, _id_key(year), result)
    with ledger.run(
        "aid accounts update", arguments or {"year": year, "file": str(path)}, [path]
    ) as run:
        conn = run.conn
        a = open_for_payment(conn, year)
        people = payees(a, store.latest_accounts(conn, PURPOSE, year))
        grouped = by_payee(store.instructions(conn, PURPOSE, year))
        changes: list[tuple[str, str, str, str, str, int]] = []
        for r in rows:
            payee = people.get(r.key)
            if payee is None:
                result.findings.append(_not_funded(r, a))
                continue
            state, _ = payee_state(grouped.get(r.key, []))
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
            changes.append((r.key, *new, r.file, r.row))
            # A later row for the same person compares with this one: the file's last
            # word on a person is the one recorded (latest_accounts takes the last).
            people[r.key] = replace(payee, name=new[0], account=new[1], bank=new[2])
        if result.has_errors:
            run.outcome = "problems"
            run.result = result.as_json()
            return result
        store.record_accounts(conn, run.id, PURPOSE, year, changes)
        result.updated = len(changes)
        run.result = result.as_json()
    return result


def _not_funded(r: CorrectionRow, a: Allocation) -> PayFinding:
    entry = next((e for e in a.entries if e.id_number == r.key), None)
    name = entry.name if entry is not None else r.name
    return PayFinding(
        r.file,
        r.sheet,
        r.row,
        col.ID,
        "NOT_FUNDED",
        {"name": mask_name(name) or "—", "tail": r.key[-4:], "year": a.year},
    )
