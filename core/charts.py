"""Small server-side SVG charts for the follow-up pages: no JavaScript and no library, so they work
on hospital networks and print as they look.

A chart is an `<svg role="img">` with a `<title>` and a `<desc>` for screen readers; the page puts a
table with the same numbers next to it. Every text is escaped here, so labels from the database
(ward or municipality names) cannot break out of the markup.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 600, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 48, 36
BAR_FILL, OVER_FILL, LIMIT_STROKE = "#0b4f79", "#c05800", "#a4262c"
GRID, INK, MUTED = "#cfd8e3", "#1d2733", "#526172"


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar, e.g. "okt"
    value: Decimal | int | None  # None: nothing to show this slot
    text: str = ""  # the value as written above the bar
    limit: Decimal | None = None  # the dashed reference line over this slot
    over: bool = False  # above the limit: drawn in the warning colour
    sublabel: str = ""  # a second line under the label, e.g. the year at January


def decimal_text(value):
    """2.80 -> '2,8', 2.33 -> '2,33', 5 -> '5': Swedish decimal comma, no trailing zeros."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def two_decimals(value):
    """2.4 -> '2,40': as the tables show a mean."""
    return f"{Decimal(value):.2f}".replace(".", ",")


def nice_step(span):
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about four ticks."""
    raw = max(span, 1e-9) / 4
    power = 10 ** math.floor(math.log10(raw))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)


def axis(bars, y_max):
    """(top of the axis, tick step)."""
    peaks = [float(b.value) for b in bars if b.value is not None]
    peaks += [float(b.limit) for b in bars if b.limit is not None]
    peak = max(peaks + [float(y_max or 0), 1.0])
    step = nice_step(peak)
    return step * math.ceil(peak / step - 1e-9), step


def bar_chart(bars, *, chart_id, title, description, y_max=None, limit_label="", over_label=""):
    """An SVG bar chart of `bars` with the dashed limit where bars have one. `y_max` fixes the axis
    (100 for shares in per cent)."""
    top, step = axis(bars, y_max)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)

    def y(value):
        return TOP + plot_h - float(value) / top * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" '
        f'class="chart" id="{escape(chart_id)}" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-size="13" fill="{INK}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    parts += grid(top, step, y)
    parts += [bar_shape(index, bar, slot, y) for index, bar in enumerate(bars)]
    parts += limit_lines(bars, slot, y)
    parts += [value_text(index, bar, slot, y) for index, bar in enumerate(bars)]
    parts += legend(bars, limit_label, over_label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def grid(top, step, y):
    lines, count = [], int(round(top / step))
    for n in range(count + 1):
        value = step * n
        at = y(value)
        lines.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" stroke="{GRID}"/>')
        lines.append(f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(decimal_text(round(Decimal(str(value)), 2)))}</text>')
    return lines


def bar_shape(index, bar, slot, y):
    """The bar and its month under it; the value is written later, above the limit line."""
    centre = LEFT + slot * (index + 0.5)
    shape = (f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="{MUTED}">'
             f'{escape(bar.label)}</text>')
    if bar.sublabel:
        shape += (f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 31}" text-anchor="middle" fill="{MUTED}">'
                  f'{escape(bar.sublabel)}</text>')
    if bar.value is not None:
        width, top = slot * 0.6, y(bar.value)
        fill, marker = (OVER_FILL, ' class="over"') if bar.over else (BAR_FILL, "")
        shape += (f'<rect x="{centre - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
                  f'height="{y(0) - top:.1f}" fill="{fill}"{marker}/>')
    return shape


def value_text(index, bar, slot, y):
    """The value over its bar, with a white halo so a limit line through it leaves it readable;
    a dash where the month has nothing."""
    centre = LEFT + slot * (index + 0.5)
    if bar.value is None:
        return f'<text x="{centre:.1f}" y="{y(0) - 6:.1f}" text-anchor="middle" fill="{MUTED}">–</text>'
    return (f'<text x="{centre:.1f}" y="{y(bar.value) - 6:.1f}" text-anchor="middle" font-size="12" '
            f'font-weight="bold" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(bar.text)}</text>')


def limit_lines(bars, slot, y):
    """One dashed segment per run of slots with the same limit (an agreement may change in the
    window)."""
    lines, start = [], 0
    for index in range(1, len(bars) + 1):
        if index < len(bars) and bars[index].limit == bars[start].limit:
            continue
        limit = bars[start].limit
        if limit is not None:
            lines.append(
                f'<line class="limit" data-limit="{escape(decimal_text(limit))}" x1="{LEFT + slot * start:.1f}" '
                f'x2="{LEFT + slot * index:.1f}" y1="{y(limit):.1f}" y2="{y(limit):.1f}" stroke="{LIMIT_STROKE}" '
                f'stroke-width="2.5" stroke-dasharray="8 5"/>')
        start = index
    return lines


def legend(bars, limit_label, over_label):
    items = []
    if limit_label and any(b.limit is not None for b in bars):
        items.append(
            f'<line x1="{LEFT}" x2="{LEFT + 28}" y1="16" y2="16" stroke="{LIMIT_STROKE}" stroke-width="2.5" '
            f'stroke-dasharray="8 5"/><text x="{LEFT + 36}" y="20">{escape(limit_label)}</text>')
    if over_label and any(b.over for b in bars):
        items.append(f'<rect x="{WIDTH // 2 + 40}" y="8" width="14" height="14" fill="{OVER_FILL}"/>'
                     f'<text x="{WIDTH // 2 + 60}" y="20">{escape(over_label)}</text>')
    return items
