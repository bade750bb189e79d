"""The tables the suite prints: one line per measurement, one per target ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.cases import Ratio
from benchmarks.measure import Measurement


@dataclass(frozen=True)
class RatioValue:
    ratio: Ratio
    rows: int | None
    value: float | None  # None: a case it needs did not run
    judged: bool = True  # False: shown for its trend, the target is for the largest size

    @property
    def met(self) -> bool | None:
        if self.value is None or not self.judged:
            return None
        if self.ratio.kind == "at_least":
            return self.value >= self.ratio.limit
        return self.value <= self.ratio.limit

    @property
    def target(self) -> str:
        limit = self.ratio.limit
        if self.ratio.kind == "over":
            return f"≤ {limit:g} s"
        return f"≥ {limit:g}×" if self.ratio.kind == "at_least" else f"≤ {limit:g}×"

    def as_json(self) -> dict[str, Any]:
        return {
            "ratio": self.ratio.name,
            "rows": self.rows,
            "value": self.value,
            "target": self.target,
            "met": self.met,
        }


def _seconds(results: Sequence[Measurement], case: str, rows: int | None) -> float | None:
    for m in results:
        if m.case == case and m.runs and (m.rows is None or m.rows == rows):
            return m.seconds
    return None


def _value(ratio: Ratio, results: Sequence[Measurement], rows: int | None) -> float | None:
    if ratio.growth:
        large, small = ratio.growth
        top = _seconds(results, ratio.numerator[0], large)
        bottom = _seconds(results, ratio.numerator[0], small)
        return None if top is None or not bottom else top / bottom
    parts = [_seconds(results, c, rows) for c in ratio.numerator]
    under = [_seconds(results, c, rows) for c in ratio.denominator]
    if any(p is None for p in parts) or any(u is None for u in under):
        return None
    n = sum(p for p in parts if p is not None)
    d = sum(u for u in under if u is not None)
    if ratio.kind == "over":
        return n - d
    return n / d if d else None


def ratio_values(ratios: Sequence[Ratio], results: Sequence[Measurement]) -> list[RatioValue]:
    """Every ratio at every size of the run (or at its own size).

    The targets of issue 6 are set for 100,000 rows, the largest size of a full run: a
    ratio is judged at the run's largest size only, the smaller ones show the trend.
    """
    sizes = sorted({m.rows for m in results if m.rows is not None})
    values: list[RatioValue] = []
    for ratio in ratios:
        cases = {*ratio.numerator, *ratio.denominator}
        sized = any(m.rows is not None for m in results if m.case in cases)
        if ratio.growth:
            values.append(RatioValue(ratio, ratio.growth[0], _value(ratio, results, None)))
        elif ratio.rows is not None or not sized:
            values.append(RatioValue(ratio, ratio.rows, _value(ratio, results, ratio.rows)))
        else:
            values += [
                RatioValue(ratio, n, _value(ratio, results, n), judged=n == sizes[-1])
                for n in sizes
            ]
    return values


def _table(headers: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    rule = "  ".join("-" * w for w in widths)

    def row(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([row(headers), rule, *(row(line) for line in lines)])


def _verdict(value: RatioValue) -> str:
    if value.value is None:
        return "not measured"
    if not value.judged:
        return "(trend only)"
    return "met" if value.met else "NOT met"


def format_report(
    results: Sequence[Measurement], ratios: Sequence[Ratio], machine: str, repeat: int
) -> str:
    measured = [
        [
            m.case,
            f"{m.rows:,}" if m.rows is not None else "-",
            f"{m.seconds:.2f}" if m.runs else "-",
            f"{m.rows / m.seconds:,.0f}" if m.runs and m.rows else "-",
            f"{m.peak_mb:.0f}" if m.runs else "-",
            m.skipped or "",
        ]
        for m in results
    ]
    values = ratio_values(ratios, results)
    targets = [
        [
            v.ratio.name,
            f"{v.rows:,}" if v.rows else "-",
            "-" if v.value is None else f"{v.value:.2f}",
            v.target,
            _verdict(v),
        ]
        for v in values
    ]
    return "\n\n".join(
        [
            f"machine: {machine}; median of {repeat} runs, each in a fresh process",
            _table(["case", "rows", "median s", "rows/s", "peak MB", "note"], measured),
            _table(["ratio", "rows", "value", "target", ""], targets),
        ]
    )
