"""Charts for the dashboard, drawn as SVG on the server: no JavaScript, no inline styles.

Colours come from classes in static/css/admin.css; every bar also carries a
pattern, a label and its value in words, so no chart depends on colour.
Sizes are in the viewBox's units; the page scales the drawing to its width.
"""

import math
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
# Bar rows sit two to a line on a wide screen: a narrower drawing keeps their text readable there.
ROWS_WIDTH = 460
ROW_HEIGHT = 26
LABEL_WIDTH = 150
VALUE_WIDTH = 70
PATTERNS = ("solid", "hatch", "dots", "cross", "stripes", "open")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the chart prints it beside the bar
    pattern: str = "solid"
    tone: str = "plain"  # a class suffix: the bar's colour, never its only mark


def _defs(chart_id: str) -> str:
    """One pattern per mark, named after the chart so several charts share a page."""
    size = 'width="8" height="8" patternUnits="userSpaceOnUse"'
    shapes = {
        "hatch": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" class="pattern-ink" stroke-width="2"/>',
        "dots": '<circle cx="4" cy="4" r="1.8" class="pattern-dot"/>',
        "cross": '<path d="M0,0 l8,8 M8,0 l-8,8" class="pattern-ink" stroke-width="1.5"/>',
        "stripes": '<path d="M4,0 v8" class="pattern-ink" stroke-width="2.5"/>',
    }
    patterns = "".join(
        f'<pattern id="{chart_id}-{name}" {size}><rect width="8" height="8" class="pattern-ground"/>'
        f"{shape}</pattern>"
        for name, shape in shapes.items()
    )
    return f"<defs>{patterns}</defs>"


def _fill(chart_id: str, pattern: str) -> str:
    if pattern in ("solid", "open"):
        return ""
    return f' fill="url(#{chart_id}-{pattern})"'


def _svg(chart_id: str, title: str, height: int, body: str, width: int, kind: str) -> SafeString:
    return mark_safe(  # noqa: S308 (every text in body is escaped where it is made)
        f'<svg class="chart chart-{kind}" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-title">{escape(title)}</title>'
        f"{_defs(chart_id)}{body}</svg>"
    )


def bar_rows(chart_id: str, title: str, bars: list[Bar]) -> SafeString:
    """Horizontal bars, one row each: the label on the left, the bar, its value printed after it."""
    top = max((bar.value for bar in bars), default=0) or 1
    room = ROWS_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for n, bar in enumerate(bars):
        y = n * ROW_HEIGHT + 4
        length = max(bar.value / top * room, 0)
        mark = f"bar bar-{bar.tone} bar-{bar.pattern}"
        rows.append(
            f'<g class="row"><text x="{LABEL_WIDTH - 8}" y="{y + 14}" class="label" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{ROW_HEIGHT - 8}" '
            f'class="{mark}"{_fill(chart_id, bar.pattern)}/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 14}" class="value">'
            f"{escape(bar.text)}</text></g>"
        )
    return _svg(chart_id, title, len(bars) * ROW_HEIGHT + 8, "".join(rows), ROWS_WIDTH, "rows")


DAY_CHART_HEIGHT = 200
AXIS_HEIGHT = 24
VALUE_ROOM = 18
# Above this many days the values no longer fit over the bars; the table below the chart has them.
MAX_DAYS_WITH_VALUES = 45


def day_bars(chart_id: str, title: str, counts: dict[date, int], *, pattern: str = "solid") -> SafeString:
    """One vertical bar per day with its count over it, and a few day labels along the bottom."""
    days = sorted(counts)
    top = max(counts.values(), default=0) or 1
    slot = WIDTH / max(len(days), 1)
    plot = DAY_CHART_HEIGHT - AXIS_HEIGHT - VALUE_ROOM
    every = max(math.ceil(len(days) / 6), 1)
    parts = [
        f'<line x1="0" y1="{DAY_CHART_HEIGHT - AXIS_HEIGHT}" x2="{WIDTH}" '
        f'y2="{DAY_CHART_HEIGHT - AXIS_HEIGHT}" class="axis"/>'
    ]
    for n, day in enumerate(days):
        count = counts[day]
        height = count / top * plot
        x, base = n * slot, DAY_CHART_HEIGHT - AXIS_HEIGHT
        label = f"{day:%d %b}: {count}"
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" class="bar bar-plain bar-{pattern}"{_fill(chart_id, pattern)}>'
            f"<title>{escape(label)}</title></rect>"
        )
        if count and len(days) <= MAX_DAYS_WITH_VALUES:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{base - height - 4:.1f}" class="value" '
                f'text-anchor="middle">{count}</text>'
            )
        if n % every == 0:
            # The first label starts at the edge rather than spilling over it.
            anchor, at = ("start", x) if n == 0 else ("middle", x + slot / 2)
            parts.append(
                f'<text x="{at:.1f}" y="{DAY_CHART_HEIGHT - 6}" class="label" '
                f'text-anchor="{anchor}">{day:%d %b}</text>'
            )
    return _svg(chart_id, title, DAY_CHART_HEIGHT, "".join(parts), WIDTH, "days")
