"""Paying out, and proving it (payout.md): one payments store, bank profiles, the bank's
result files and the payment states, shared by 福彩暖冬 (``aid pay``) and 微心愿.

- ``model``: the records every part passes around (a payee, a line of a batch, a result row).
- ``codes``: the finding codes of payout.md (RESULT_UNMATCHED, DOUBLE_PAYMENT, …).
- ``store``: every SQL statement on the payment tables (migration 0006).
- ``profiles``: how a bank wants its file (the built-in ``basic``, and ``[[bank.profiles]]``).
- ``writer``: a batch written in a profile's layout, split and totalled as it says.
- ``results``: the bank's result files read with the header search of the application
  workbooks; ``matching``: result rows matched to instructions, as findings and updates.
- ``common``: what every payout command shares (files removed on failure, the retry rule).
"""
