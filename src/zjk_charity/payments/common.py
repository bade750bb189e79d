"""What every payout command shares, whatever the campaign (福彩暖冬 or 微心愿).

- :func:`removed_on_failure`: a command's files go when its transaction is rolled back;
- :func:`account_changed`: the rule of ``--retry`` (payout.md): a failed payee is paid
  again only when the account now differs from the one that failed;
- :data:`BatchWriter`: how a pay command has its bank file(s) written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from zjk_charity.payments.model import BatchFiles, BatchLine, Instruction, Payee

# The writer of a batch's bank file(s): (code, lines, folder) -> what it wrote. The CLI
# binds the chosen bank profile and the payer to ``payments.writer.write_batch``.
BatchWriter = Callable[[str, Sequence[BatchLine], Path], BatchFiles]


def account_changed(payee: Payee, sent: Instruction) -> bool:
    """The account (户名, 账号 or 开户银行) now differs from the one ``sent`` went to."""
    return (payee.name, payee.account, payee.bank) != (sent.name, sent.account, sent.bank)


@contextmanager
def removed_on_failure(written: list[Path]) -> Iterator[None]:
    """Remove the files a command wrote (``written``, filled as it goes) if it then fails:
    its ledger transaction is rolled back, and no file may speak of what was not recorded."""
    try:
        yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
