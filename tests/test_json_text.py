"""``--json`` text is what ``json.dumps(document, ensure_ascii=False, indent=2)`` gives.

cli/common.json_text writes it with orjson for speed (issue 6); scripts and people that
compared or diffed the output before must see the same text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zjk_charity.cli.common import json_text

# Text with everything JSON escapes or passes through: quotes, backslashes, control
# characters, DEL, U+2028, CJK, full-width forms, astral characters (no lone surrogates).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\/\x00\x1f\x7f\u2028中６'),
    max_size=20,
)
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | TEXT
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=40,
)


def reference(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


@given(DOCUMENTS)
def test_the_text_is_json_dumps_indent_2(document: Any) -> None:
    assert json_text(document) == reference(document)


@pytest.mark.parametrize(
    "document",
    [
        {"big": 2**70, "negative": -(2**64)},  # beyond 64 bits
        {1: "int key", "nested": {None: True, 2: [1, {3: "x"}]}},  # keys that are not text
        {"lone surrogate": "a\ud800b"},
        [],
        {},
        {"empty": [[], {}, ""]},
    ],
)
def test_what_orjson_refuses_is_written_by_json(document: Any) -> None:
    assert json_text(document) == reference(document)


@dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [date(2025, 11, 1), Point(1), {1, 2}])
def test_values_json_refuses_are_still_refused(value: object) -> None:
    with pytest.raises(TypeError):
        json_text({"value": value})


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_is_the_same_number(value: float) -> None:
    assert json.loads(json_text({"x": value})) == {"x": value}
