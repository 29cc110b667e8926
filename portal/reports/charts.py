"""Accessible bar charts as inline SVG, drawn on the server.

The SVG is an image with a title and a description that reads out every value (role="img",
aria-labelledby); each bar carries its value as text too. No inline style (the CSP forbids it):
colours are presentation attributes or classes from portal.css. The numbers are always also in a
table beside the chart."""
from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from portal.reports.queries import Table

WIDTH = 640
LABEL_WIDTH = 250
VALUE_WIDTH = 70
ROW_HEIGHT = 30
BAR_HEIGHT = 20
PAD = 8


def fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float]], unit: str = "") -> Markup:
    """A horizontal bar chart of (label, value) rows."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    suffix = f" {unit}" if unit else ""
    desc = "; ".join(f"{label}: {fmt(value)}{suffix}" for label, value in rows) or "No data."
    height = max(len(rows), 1) * ROW_HEIGHT + 2 * PAD
    top = max((value for _label, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]
    if not rows:
        parts.append(f'<text x="{PAD}" y="{PAD + BAR_HEIGHT - 5}" class="portal-chart__label" fill="#1b1b1b">No data yet</text>')
    for index, (label, value) in enumerate(rows):
        y = PAD + index * ROW_HEIGHT
        bar = round(span * value / top, 1) if value > 0 else 0
        text_y = y + BAR_HEIGHT - 5
        parts.append('<g class="portal-chart__row">')
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" class="portal-chart__label" '
                     f'fill="#1b1b1b">{escape(shorten(label))}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" '
                     f'class="portal-chart__bar" fill="#005ea2"></rect>')
        parts.append(f'<text x="{LABEL_WIDTH + bar + 6}" y="{text_y}" class="portal-chart__value" '
                     f'fill="#1b1b1b">{escape(fmt(value))}{escape(suffix)}</text>')
        parts.append('</g>')
    parts.append("</svg>")
    # Every interpolated value above went through escape() or is a number we computed.
    return Markup("".join(parts))  # nosec B704


def shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def chart_for(table: Table) -> Markup | None:
    """The bar chart drawn beside a report table, or None for a table without one."""
    if not table.chart:
        return None
    unit = "%" if table.key == "pass-rate" else ""
    return bar_chart(f"chart-{table.key}", table.title, table.chart_rows, unit=unit)
