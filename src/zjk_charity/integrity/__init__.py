"""Integrity screening (integrity.md): what auditors look for before the money moves.

- ``reference``: the reference lists in force (roster, care homes, deaths, relatives of
  staff) and the findings an applicant gets against them.
- ``lists``: ``lists import`` and ``lists``: reading a list file and storing it.
- ``likeness``: "likely the same person" (names folded, pinyin, one character or one
  digit apart), blocked so that 100,000 × 100,000 stays fast.
- ``people``: the cross-person checks of a campaign (POSSIBLE_REPEAT against history,
  POSSIBLE_DUPLICATE, ACCOUNT_SHARED, PHONE_SHARED).
- ``reviews``: ``aid accept``, the recorded review of a warning.
"""
