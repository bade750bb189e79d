"""The line of a settings file where a key is written, for error messages.

``tomllib`` returns plain dicts without positions, so a message about
``bank.profiles.1.total_amount_cell`` could not say where to look. This scans the text
once more, just enough to know where each key is: table headers (``[aid]``), arrays of
tables (``[[bank.profiles]]``, numbered as tomllib numbers them), dotted and quoted keys,
and the elements of a multi-line array (``columns = [ … ]``, one element a line). It is
only called for a file tomllib has already parsed, so it need not report syntax errors;
anything it cannot place just has no line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

Path = tuple[str | int, ...]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPE = re.compile(r"\\(.)")


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line where the longest leading part of ``loc`` (a pydantic error's
    location, e.g. ``("bank", "profiles", 1, "columns", 3, "field")``) is written, or
    None when not even its first key is in ``text``."""
    best: tuple[int, int] | None = None  # (matched length, line)
    wanted = tuple(loc)
    for path, line in _entries(text):
        fits = len(path) <= len(wanted) and _same(path, wanted[: len(path)])
        if fits and (best is None or len(path) > best[0]):
            best = (len(path), line)
    return best[1] if best else None


def _same(a: Path, b: Path) -> bool:
    return all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))


def _entries(text: str) -> list[tuple[Path, int]]:
    """Every (path, line) of a table header, a key, and a multi-line array's element."""
    found: list[tuple[Path, int]] = []
    _line = _Lines(text)
    arrays: dict[Path, int] = {}  # array-of-tables path -> its current index
    table: Path = ()
    i, n = 0, len(text)
    while i < n:
        end = text.find("\n", i)
        end = n if end < 0 else end
        line = text[i:end]
        stripped = line.strip()
        start = i + len(line) - len(line.lstrip())
        if stripped.startswith("["):
            is_array = stripped.startswith("[[")
            inner = stripped[2:] if is_array else stripped[1:]
            keys, _rest = _keys(inner)
            table = _table_path(keys, arrays, is_array)
            found.append((table, _line(start)))
            i = end + 1
        elif not stripped or stripped.startswith("#"):
            i = end + 1
        else:
            keys, rest = _keys(text[start:end])
            if not keys or not rest.startswith("="):
                i = end + 1  # not a key line (tomllib has parsed it, so hardly reached)
                continue
            path = (*table, *keys)
            found.append((path, _line(start)))
            value_at = start + (len(text[start:end]) - len(rest)) + 1
            stop, elements = _scan_value(text, value_at)
            found += [((*path, k), _line(at)) for k, at in enumerate(elements)]
            i = stop + 1
    return found


def _table_path(keys: list[str], arrays: dict[Path, int], is_array: bool) -> Path:
    """A header's path with the index of every array of tables on it, as tomllib counts."""
    path: Path = ()
    for k, key in enumerate(keys):
        path = (*path, key)
        last = k == len(keys) - 1
        if last and is_array:
            arrays[path] = arrays.get(path, -1) + 1
            path = (*path, arrays[path])
        elif path in arrays:
            path = (*path, arrays[path])
    return path


def _keys(text: str) -> tuple[list[str], str]:
    """The dotted key at the start of ``text`` and what follows it (stripped)."""
    keys: list[str] = []
    rest = text.lstrip()
    while rest:
        if rest[0] in "\"'":
            quote = rest[0]
            close = rest.find(quote, 1)
            while quote == '"' and close > 0 and _escaped(rest, close):
                close = rest.find(quote, close + 1)
            if close < 0:
                return [], ""
            raw = rest[1:close]
            keys.append(_ESCAPE.sub(r"\1", raw) if quote == '"' else raw)
            rest = rest[close + 1 :].lstrip()
        else:
            match = _BARE_KEY.match(rest)
            if match is None:
                return [], ""
            keys.append(match.group())
            rest = rest[match.end() :].lstrip()
        if not rest.startswith("."):
            break
        rest = rest[1:].lstrip()
    return keys, rest


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _scan_value(text: str, i: int) -> tuple[int, list[int]]:
    """From just after ``=``: the offset of the newline that ends the value, and where
    each element of a top-level array starts."""
    elements: list[int] = []
    depth, expecting, is_array = 0, False, False
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n" and depth == 0:
            return i, elements
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if depth == 1 and is_array and expecting and c not in ",]":
            elements.append(i)
            expecting = False
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if c in "[{":
            if depth == 0 and c == "[":
                is_array = expecting = True
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 1 and is_array:
            expecting = True
        i += 1
    return n, elements


def _skip_string(text: str, i: int) -> int:
    """The offset just after the string that starts at ``i`` (any of TOML's four kinds)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        close = text.find(quote * 3, i + 3)
        while quote == '"' and close > 0 and _escaped(text, close):
            close = text.find(quote * 3, close + 1)
        if close < 0:
            return len(text)
        close += 3
        while close < len(text) and text[close] == quote:  # up to two quotes end it too
            close += 1
        return close
    close = text.find(quote, i + 1)
    while quote == '"' and close > 0 and _escaped(text, close):
        close = text.find(quote, close + 1)
    return len(text) if close < 0 else close + 1


class _Lines:
    """Offsets to 1-based line numbers, in log time (a large file stays fast)."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def __call__(self, offset: int) -> int:
        return bisect_right(self._starts, offset)
