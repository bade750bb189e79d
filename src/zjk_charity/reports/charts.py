"""Charts as inline SVG: no scripts, no fonts or images fetched, printable in black and white.

Every label is escaped; values are drawn to scale with the number written beside the
bar, so a chart never needs colour to be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal
BAR = "#3b6ea5"
ROW = 26
LABEL = 120
VALUE = 90


def _fmt(value: Number, unit: str) -> str:
    text = f"{value:,.2f}" if isinstance(value, Decimal | float) else f"{value:,}"
    return f"{text}{unit}"


def bar_chart(
    title: str, items: Sequence[tuple[str, Number]], unit: str = "", width: int = 640
) -> Markup:
    """Horizontal bars, one per item, largest value spanning the plot."""
    height = ROW * len(items) + 34
    top = max((float(v) for _, v in items), default=0.0) or 1.0
    plot = width - LABEL - VALUE
    parts = [
        f'<svg class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="chart-title" font-size="12" font-weight="bold">'
        f"{escape(title)}</text>",
    ]
    for i, (label, value) in enumerate(items):
        y = 30 + i * ROW
        length = plot * float(value) / top
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" fill="{BAR}"/>'
            f'<text x="{LABEL + length + 6:.1f}" y="{y + 15}">{escape(_fmt(value, unit))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    title: str, items: Sequence[tuple[str, Number]], unit: str = "", width: int = 640
) -> Markup:
    """Vertical columns in order (months, for money over time)."""
    height = 240
    base = height - 40
    top = max((float(v) for _, v in items), default=0.0) or 1.0
    step = (width - 20) / max(len(items), 1)
    parts = [
        f'<svg class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="chart-title" font-size="12" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#888"/>',
    ]
    for i, (label, value) in enumerate(items):
        x = 10 + i * step
        size = (base - 50) * float(value) / top
        middle = x + step / 2
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{base - size:.1f}" width="{step * 0.7:.1f}" '
            f'height="{size:.1f}" fill="{BAR}"/>'
            f'<text x="{middle:.1f}" y="{base - size - 4:.1f}" text-anchor="middle" '
            f'class="small">{escape(_fmt(value, unit))}</text>'
            f'<text x="{middle:.1f}" y="{base + 16}" text-anchor="middle" class="small">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
