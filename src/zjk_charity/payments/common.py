"""What every payout command shares, whatever the campaign (福彩暖冬 or 微心愿).

- :func:`removed_on_failure`: a command's files go when its transaction is rolled back;
- :func:`account_changed`: the rule of ``--retry`` (payout.md): a failed payee is paid
  again only when the account now differs from the one that failed;
- :data:`BatchWriter`: how a pay command has its bank file(s) written;
- :func:`pay_by_bank`: one bank batch written and recorded, every line pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.model import BatchFiles, BatchLine, Instruction, Payee, Purpose

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


def pay_by_bank(
    conn: Connection,
    run_id: int,
    *,
    purpose: Purpose,
    year: int,
    payees: Sequence[Payee],
    write: BatchWriter,
    folder: Path,
    memo: str,
    profile: str,
    retry: bool,
    written: list[Path],
) -> tuple[str, BatchFiles]:
    """The next bank batch of the year (P2025-001, WP2025-001 …): ``payees`` as lines
    1.., written through ``write`` into ``folder`` and recorded, every line pending. The
    files go into ``written`` as soon as they exist (see :func:`removed_on_failure`)."""
    code = store.next_code(conn, purpose, year, "bank")
    lines = [BatchLine(n, p, memo) for n, p in enumerate(payees, start=1)]
    batch = write(code, lines, folder)
    written.extend([*(f.path for f in batch.files), *batch.summary])
    store.record_batch(
        conn,
        run_id,
        code=code,
        purpose=purpose,
        year=year,
        method="bank",
        lines=lines,
        files=batch.files,
        profile=profile,
        retry=retry,
    )
    return code, batch
