"""微心愿 after the match: paying the funded wishes, and proving it (payout.md,
"微心愿 payouts").

The payment machinery is ``zjk_charity.payments`` (store, bank profiles, result files,
states), shared with 福彩暖冬; this package knows only what is particular to wishes: a
payee is a fully funded wish (key: its 编号) paid to the guardian's 收款账号, a wish
fulfilled in kind goes on a 采购清单 instead, and every read covers all years (a wish is
paid once, whatever the year; batches carry the campaign year they were made in).

- ``common``: the payee of a wish, what its account lacks, how a wish is shown;
- ``pay``: ``wishes pay`` (the rule in :func:`pay.plan_payout`, pure);
- ``purchase``: the 采购清单, its lines grouped by item and its printed workbook;
- ``results``: ``wishes payments import``; ``status``: ``wishes payments status``;
- ``accounts``: ``wishes accounts update``.
Every writing command is one ledger transaction (``Ledger.run``); its files are removed
again if it fails.
"""

from zjk_charity.wishes.payout.accounts import WishAccountsResult, update_wish_accounts
from zjk_charity.wishes.payout.common import PURPOSE, WishRef, campaign_name
from zjk_charity.wishes.payout.pay import (
    MissingAccount,
    Plan,
    WishPayResult,
    pay_wishes,
    plan_payout,
)
from zjk_charity.wishes.payout.purchase import PurchaseLine, PurchaseList
from zjk_charity.wishes.payout.results import (
    WishFailure,
    WishImportResult,
    import_wish_payments,
)
from zjk_charity.wishes.payout.status import (
    WishPaymentsStatus,
    read_status,
    wish_payments_status,
)

__all__ = [
    "PURPOSE",
    "MissingAccount",
    "Plan",
    "PurchaseLine",
    "PurchaseList",
    "WishAccountsResult",
    "WishFailure",
    "WishImportResult",
    "WishPayResult",
    "WishPaymentsStatus",
    "WishRef",
    "campaign_name",
    "import_wish_payments",
    "pay_wishes",
    "plan_payout",
    "read_status",
    "update_wish_accounts",
    "wish_payments_status",
]
