"""The vocabulary of real forms (integrity.md): every wording the spec lists for
生活自理能力, 供养方式 and 人员类别 reads as its canonical value through `aid validate`.

The table is read in full from the spec itself, so a wording added there and not to
aid/columns.py fails here. The spec sits beside the repository (../shared/spec) on the
developers' machines; a clean clone elsewhere (CI) reads the copy of its section in
tests/data/integrity-vocabulary.md, which a test keeps equal to the spec wherever the
spec is.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import (
    SPEC_DIR,
    codes,
    connect_ledger,
    good_row,
    make_id,
    person_name,
    run_validate,
    spec_file,
    write_workbook,
)

SPEC = SPEC_DIR / "integrity.md"
COPY = Path(__file__).parent / "data" / "integrity-vocabulary.md"
FIELDS = ("生活自理能力", "供养方式", "人员类别")
HEADING = "## The vocabulary of real forms"


def _section(text: str) -> str:
    return text.split(HEADING, 1)[1].split("\n## ", 1)[0].strip()


def spec_section() -> str:
    """The section from the spec when it is beside the repository, else from the copy."""
    return _section((SPEC if SPEC.exists() else COPY).read_text(encoding="utf-8"))


def test_the_copy_of_the_section_is_the_spec_s() -> None:
    spec = spec_file("integrity.md")  # skips when the spec is not beside this clone
    assert _section(COPY.read_text("utf-8")) == _section(spec.read_text("utf-8"))


def spec_vocabulary() -> dict[str, dict[str, str]]:
    """{field: {wording: canonical}} from the spec's "vocabulary of real forms" section."""
    section = spec_section()
    prose = " ".join(section.split("\n"))
    heads = list(re.finditer("(" + "|".join(FIELDS) + "):", prose))
    table: dict[str, dict[str, str]] = {}
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        body = prose[head.end() : after.start() if after else len(prose)]
        words: dict[str, str] = {}
        for group in re.split(r"[;.]\s*", body):
            if "→" not in group:
                continue
            said, canonical = group.split("→")
            said = re.sub(r"\([^)]*\)", "", said)  # "(the older name)"
            for wording in said.split(","):
                words[wording.strip()] = canonical.strip()
        table[head.group(1)] = words
    return table


def test_the_spec_table_is_read_whole() -> None:
    table = spec_vocabulary()
    assert set(table) == set(FIELDS)
    assert set(table["生活自理能力"].values()) == {"失能", "半失能", "自理"}
    assert set(table["供养方式"].values()) == {"分散供养", "集中供养"}
    assert set(table["人员类别"].values()) == {"农村特困人员"}
    # each canonical value is itself one of its wordings, and no wording is empty
    for words in table.values():
        assert set(words.values()) <= set(words) and "" not in words


def test_every_wording_reads_as_its_canonical_value(tmp_path: Path) -> None:
    table = spec_vocabulary()
    rows, expected = [], []
    for field, words in table.items():
        for wording, canonical in words.items():
            number = make_id("19400101", "130722", f"{2 * len(rows) + 1:03d}")
            # Each row another person: a name of their own (one name would be POSSIBLE_DUPLICATE).
            rows.append(good_row(身份证号=number, 姓名=person_name(len(rows)), **{field: wording}))
            expected.append((field, wording, canonical))
    book = write_workbook(tmp_path / "张北县.xlsx", rows)
    result = run_validate(tmp_path, book)
    by_row = {a.row: a for a in result.applicants}
    found = codes(result)
    conn = connect_ledger(tmp_path / "ws")
    stored = dict(conn.execute("SELECT row, care_level FROM applicants"))
    conn.close()
    wrong = []
    for offset, (field, wording, canonical) in enumerate(expected):
        row = 4 + offset  # title, 填报单位, header
        mine = [code for at, _column, code in found if at == row]
        if field == "供养方式" and canonical == "集中供养":
            ok = mine == ["NOT_DISPERSED"]  # read as 集中供养: not eligible, and said why
        else:
            ok = mine == []
        if field == "生活自理能力":
            ok = ok and by_row[row].care_level == canonical == stored[row]
        if not ok:
            wrong.append((field, wording, canonical, mine))
    assert wrong == []
