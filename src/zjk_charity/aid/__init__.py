"""福彩暖冬: the application workbook's rules, validation, history and allocation."""


def campaign_name(year: int) -> str:
    """The campaign's name in ``--json`` documents and reports: ``nuandong-<year>``.

    Here rather than in ``validation`` so that allocate, explain and finalize need not
    import the validator (40 ms of every start).
    """
    return f"nuandong-{year}"
