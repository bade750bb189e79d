"""困境儿童 "微心愿": wishes and donations, matched by the published rule (wishes.md).

- ``columns``: the two workbooks' columns and accepted values
- ``amounts``: money as typed (``1,000.50``, ``￥300``, ``叁佰元整``) → integer fen
- ``model``: Wish, Donation, Match, Basis
- ``codes``: the finding codes of wishes.md (beside the shared ones of ``findings``)
- ``checks``: the per-row checks; ``importing``: the imports and their cross-row checks
- ``matching``: the rule itself, on indexed balances
- ``accounts``: where every fen stands; ``match_run``: ``wishes match`` / ``status``
- ``outputs``: the workbook; ``store``: the ledger tables; ``demo``: the two-round demo
"""
