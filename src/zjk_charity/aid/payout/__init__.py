"""福彩暖冬 after the list: bank batches, the bank's results, corrected accounts, cash.

Every command here is one ledger transaction with a run record (``Ledger.run``); the
files a command writes are written inside it and removed again if it fails, so a failed
command leaves neither a changed ledger nor a stray file. The payment machinery itself
(store, bank profiles, result files, states) is ``zjk_charity.payments``, shared with
微心愿; this module knows only what is particular to 福彩暖冬: a payee is a funded person
of the year's allocation (after withdrawals and 递补), keyed by the ID number.

Decisions (README, "Issue 16"):
- ``aid pay`` pays every funded person in state ``unpaid`` (no instruction yet, or only
  a cancelled cash one); ``--retry`` only those whose last instruction failed and whose
  account (户名, 账号 or 开户银行) now differs from the one that failed. Failed people
  whose account is unchanged are listed, never paid again by a retry.
- An account correction (``aid accounts update``) is refused for nobody, but it changes
  only what later batches send: a payment already sent keeps the account it was sent to.
"""

from zjk_charity.aid.payout.accounts import AccountsResult, update_accounts
from zjk_charity.aid.payout.bank_results import (
    Failure,
    ImportResult,
    PrintOptions,
    import_payments,
)
from zjk_charity.aid.payout.cash import CashResult, ConfirmResult, cash_confirm, cash_sheet
from zjk_charity.aid.payout.common import (
    PURPOSE,
    PersonRef,
    funded_list,
    payees,
)
from zjk_charity.aid.payout.pay import PayResult, pay
from zjk_charity.aid.payout.status import PaymentsStatus, payments_status, read_status
from zjk_charity.payments.common import BatchWriter

__all__ = [
    "PURPOSE",
    "AccountsResult",
    "BatchWriter",
    "CashResult",
    "ConfirmResult",
    "Failure",
    "ImportResult",
    "PayResult",
    "PaymentsStatus",
    "PersonRef",
    "PrintOptions",
    "cash_confirm",
    "cash_sheet",
    "funded_list",
    "import_payments",
    "pay",
    "payees",
    "payments_status",
    "read_status",
    "update_accounts",
]
