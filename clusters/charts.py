"""Server-side SVG charts: horizontal bars for totals by group, columns for a time series.

Pure functions over plain numbers and strings (no models, no request): the dashboard and the
impact timeline call them, tests call them directly. The markup is self-contained (drawing
attributes, no stylesheet, no script, no CDN) and accessible: ``role="img"`` with a
``<title>`` and a ``<desc>`` that states every value, so a screen reader gets the numbers
even when the caller shows no table. Every label is XML-escaped here, whatever its source.

Scales start at zero and end on a "nice" tick (1, 2, 2.5 or 5 times a power of ten), so bar
lengths are proportional to the values and a total of 17,000 and one of 3 fit one axis.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .number_format import Number, format_compact, format_number

Formatter = Callable[[Number], str]

# Colours distinguishable with common colour-vision deficiencies (Okabe and Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a6a00")
WIDTH = 640
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
CHAR_WIDTH = 6.6  # average width of a character at 12px, to size label columns
MAX_DESC_ITEMS = 60


# --- numbers ---------------------------------------------------------------------------


def _float(value: Number | None) -> float:
    """A finite, non-negative float: None, NaN and negatives draw as zero (no figure of the
    platform is negative; a bar never grows leftwards)."""
    if value is None:
        return 0.0
    number = float(value)
    if not math.isfinite(number) or number < 0:
        return 0.0
    return number


def nice_ticks(maximum: Number | None, count: int = 5, *, integer: bool = True) -> list[float]:
    """Ticks from 0 to the first round number at or above ``maximum``, about ``count`` steps.

    The step is 1, 2, 2.5 or 5 times a power of ten; ``integer`` keeps steps whole (counts of
    things). A maximum of zero (or nothing) gives [0, 1], so an all-zero chart still has an
    axis and no division by zero.
    """
    top = _float(maximum)
    if top == 0:
        return [0, 1]
    raw = top / max(count, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    # 2.5 is a round step from 25 up; below that it would give fractional ticks for counts.
    multipliers = (1, 2, 5, 10) if integer and magnitude <= 1 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multipliers if m * magnitude >= raw * (1 - 1e-12))
    if integer:
        step = max(step, 1)
    intervals = math.ceil(top / step - 1e-9)
    return [_tidy(i * step) for i in range(intervals + 1)]


def _ticks_for(values: list[float]) -> list[float]:
    """Whole steps when every value is whole (counts), fractional ones otherwise."""
    return nice_ticks(max(values, default=0), integer=all(v == int(v) for v in values))


def _tidy(number: float) -> float:
    """Drop floating-point noise (0.30000000000000004) and show whole ticks as ints."""
    rounded = round(number, 9)
    return int(rounded) if rounded == int(rounded) else rounded


# --- markup helpers --------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(number: float) -> str:
    """A coordinate: at most one decimal, always a dot."""
    return f"{number:.1f}".removesuffix(".0")


def _chart_id(chart_id: str | None, *parts: object) -> str:
    if chart_id:
        cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", chart_id).strip("-")
        if cleaned:
            return cleaned if cleaned[0].isalpha() else f"chart-{cleaned}"
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"chart-{digest}"


def _shorten(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)].rstrip() + "…"


def _open(cid: str, width: float, height: float, title: str, desc: str, css: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {_e(css)}" role="img" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="{_e(FONT)}" font-size="12" fill="currentColor" '
        f'style="max-width:{_n(width)}px;height:auto;overflow:visible">',
        f'<title id="{cid}-title">{_e(title)}</title>',
        f'<desc id="{cid}-desc">{_e(desc)}</desc>',
    ]


def _describe(items: Sequence[str], intro: str) -> str:
    shown = list(items[:MAX_DESC_ITEMS])
    if len(items) > MAX_DESC_ITEMS:
        shown.append(f"and {len(items) - MAX_DESC_ITEMS} more")
    return f"{intro}: {'; '.join(shown)}." if shown else intro


def no_data(
    title: str, message: str = "No data for these filters.", *, chart_id: str | None = None
) -> SafeString:
    """A small chart-sized placeholder saying there is nothing to draw."""
    cid = _chart_id(chart_id, "empty", title, message)
    parts = _open(cid, WIDTH, 60, title, message, "chart-empty")
    parts += [
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="59" rx="6" fill="none" '
        'stroke="currentColor" stroke-opacity="0.25" stroke-dasharray="4 4"/>',
        f'<text x="{WIDTH / 2:.0f}" y="35" text-anchor="middle" fill-opacity="0.7">'
        f"{_e(message)}</text>",
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every text above is escaped


# --- horizontal bars -------------------------------------------------------------------


@dataclass(frozen=True)
class BarLayout:
    """Where the bars go, exposed for tests: ``plot_x`` and ``plot_width`` in SVG units."""

    plot_x: float
    plot_width: float
    ticks: list[float]
    label_chars: int  # longer labels are shortened on screen (complete in their <title>)

    def length(self, value: Number | None) -> float:
        return self.plot_width * _float(value) / self.ticks[-1]


def bar_layout(
    rows: Sequence[tuple[str, Number | None]], fmt: Formatter = format_number, width: float = WIDTH
) -> BarLayout:
    values = [_float(v) for _label, v in rows]
    label_chars = min(max((len(str(label)) for label, _v in rows), default=4), 42)
    value_chars = max((len(fmt(v)) for _label, v in rows), default=1)
    plot_x = 10 + label_chars * CHAR_WIDTH
    right = 12 + value_chars * CHAR_WIDTH
    ticks = _ticks_for(values)
    return BarLayout(plot_x, max(width - plot_x - right, 80), ticks, label_chars)


def bar_chart(
    rows: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    description: str = "",
    fmt: Formatter = format_number,
    color: str = PALETTE[0],
    chart_id: str | None = None,
    empty_message: str = "No data for these filters.",
) -> SafeString:
    """A horizontal bar per (label, value), values written after the bars, in given order.

    An empty ``rows`` gives the "no data" placeholder; zero values draw no bar but keep
    their label and their "0".
    """
    rows = [(str(label), value) for label, value in rows]
    if not rows:
        return no_data(title, empty_message, chart_id=chart_id)
    layout = bar_layout(rows, fmt)
    cid = _chart_id(chart_id, "bar", title, rows)
    row_height, bar_height, top = 26, 16, 22
    height = top + row_height * len(rows) + 6
    desc = _describe([f"{label} {fmt(value)}" for label, value in rows], description or title)
    parts = _open(cid, WIDTH, height, title, desc, "chart-bars")
    parts.append('<g class="axis" aria-hidden="true">')
    for tick in layout.ticks:
        x = layout.plot_x + layout.length(tick)
        parts.append(
            f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{top - 4}" y2="{_n(height - 4)}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{_n(x)}" y="{top - 8}" text-anchor="middle" font-size="10" '
            f'fill-opacity="0.7">{_e(format_compact(tick))}</text>'
        )
    parts.append("</g>")
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        bar_y = y + (row_height - bar_height) / 2
        length = layout.length(value)
        parts.append(
            f'<g class="bar"><title>{_e(label)}: {_e(fmt(value))}</title>'
            f'<text x="{_n(layout.plot_x - 6)}" y="{_n(bar_y + 12)}" text-anchor="end">'
            f"{_e(_shorten(label, layout.label_chars))}</text>"
            f'<rect x="{_n(layout.plot_x)}" y="{_n(bar_y)}" width="{_n(length)}" '
            f'height="{bar_height}" rx="2" fill="{_e(color)}" data-value="{_e(value)}"/>'
            f'<text x="{_n(layout.plot_x + length + 5)}" y="{_n(bar_y + 12)}" '
            f'font-weight="600">{_e(fmt(value))}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


# --- columns over time -----------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One measure over the categories (periods); None where it has no value."""

    name: str
    values: Sequence[Number | None]
    color: str | None = None


def column_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    notes: Sequence[str] | None = None,
    provisional: Sequence[bool] | None = None,
    fmt: Formatter = format_number,
    chart_id: str | None = None,
    empty_message: str = "No data yet.",
    provisional_label: str = "pale, dashed: not approved yet",
) -> SafeString:
    """Grouped columns, one group per category (a period or a year), one column per series.

    ``notes`` writes a second line under a category (e.g. "draft"); ``provisional`` draws
    that category's columns pale with a dashed outline, so figures not yet approved are
    told apart without relying on colour.
    """
    categories = [str(c) for c in categories]
    if not categories or not series:
        return no_data(title, empty_message, chart_id=chart_id)
    count = len(categories)
    for s in series:
        if len(s.values) != count:
            raise ValueError(f"Series {s.name!r} has {len(s.values)} values for {count} periods.")
    notes = [str(n) for n in notes] if notes is not None else [""] * count
    flags = list(provisional) if provisional is not None else [False] * count
    ticks = _ticks_for([_float(v) for s in series for v in s.values])
    cid = _chart_id(chart_id, "columns", title, categories, [(s.name, s.values) for s in series])
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]

    legend, legend_rows = (
        _legend(series, colors, any(flags), provisional_label)
        if len(series) > 1 or any(flags)
        else ("", 0)
    )
    top = 16 + 18 * legend_rows
    axis_chars = max(len(format_compact(t)) for t in ticks)
    plot_x = 12 + axis_chars * CHAR_WIDTH
    plot_w = WIDTH - plot_x - 8
    plot_h = 180
    bottom = top + plot_h
    height = bottom + (36 if any(notes) else 22)
    group_w = plot_w / count
    inner = group_w * 0.72
    col_w = min(inner / len(series), 44)
    label_chars = max(int(group_w / CHAR_WIDTH), 3)

    def y_of(value: float) -> float:
        return bottom - plot_h * value / ticks[-1]

    items = []
    for i, category in enumerate(categories):
        figures = ", ".join(f"{s.name} {fmt(s.values[i])}" for s in series)
        note = f" ({notes[i]})" if notes[i] else ""
        items.append(f"{category}{note}: {figures}")
    parts = _open(cid, WIDTH, height, title, _describe(items, description or title), "chart-cols")
    parts.append(legend)
    parts.append('<g class="axis" aria-hidden="true">')
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{_n(plot_x)}" x2="{_n(plot_x + plot_w)}" y1="{_n(y)}" y2="{_n(y)}" '
            f'stroke="currentColor" stroke-opacity="{0.35 if tick == 0 else 0.15}"/>'
            f'<text x="{_n(plot_x - 5)}" y="{_n(y + 4)}" text-anchor="end" font-size="10" '
            f'fill-opacity="0.7">{_e(format_compact(tick))}</text>'
        )
    parts.append("</g>")
    for i, category in enumerate(categories):
        start = plot_x + i * group_w + (group_w - col_w * len(series)) / 2
        centre = plot_x + (i + 0.5) * group_w
        parts.append(f'<g class="period{" provisional" if flags[i] else ""}">')
        for j, s in enumerate(series):
            value = s.values[i]
            top_y = y_of(_float(value))
            style = (
                f'fill="{colors[j]}" fill-opacity="0.35" stroke="{colors[j]}" '
                'stroke-dasharray="3 2" stroke-width="1.2"'
                if flags[i]
                else f'fill="{colors[j]}"'
            )
            note = f" ({notes[i]})" if notes[i] else ""
            parts.append(
                f'<rect x="{_n(start + j * col_w + 1)}" y="{_n(top_y)}" '
                f'width="{_n(max(col_w - 2, 1))}" height="{_n(bottom - top_y)}" {style} '
                f'data-value="{_e("" if value is None else value)}">'
                f"<title>{_e(category)}{_e(note)}: {_e(s.name)} {_e(fmt(value))}</title></rect>"
            )
            if len(series) == 1 and value is not None:
                parts.append(
                    f'<text x="{_n(start + col_w / 2)}" y="{_n(top_y - 4)}" '
                    f'text-anchor="middle" font-size="11" font-weight="600">'
                    f"{_e(fmt(value))}</text>"
                )
        parts.append(
            f'<text x="{_n(centre)}" y="{_n(bottom + 15)}" text-anchor="middle" '
            f'font-size="11">{_e(_shorten(category, label_chars))}</text>'
        )
        if notes[i]:
            parts.append(
                f'<text x="{_n(centre)}" y="{_n(bottom + 29)}" text-anchor="middle" '
                f'font-size="10" font-style="italic" fill-opacity="0.75">'
                f"{_e(_shorten(notes[i], label_chars))}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _legend(
    series: Sequence[Series], colors: list[str], provisional: bool, label: str
) -> tuple[str, int]:
    """The key above the plot, wrapped onto as many rows as it needs; (markup, rows)."""
    entries = [(s.name, f'fill="{color}"', "") for s, color in zip(series, colors, strict=True)]
    if provisional:
        swatch = (
            'fill="currentColor" fill-opacity="0.2" stroke="currentColor" stroke-dasharray="3 2"'
        )
        entries.append((label, swatch, ' font-style="italic"'))
    parts = ['<g class="legend" aria-hidden="true">']
    x, row = 8.0, 0
    for name, swatch, text_style in entries:
        width = 24 + len(name) * CHAR_WIDTH * 0.95
        if x > 8 and x + width > WIDTH:
            x, row = 8.0, row + 1
        y = 6 + 18 * row
        parts.append(
            f'<rect x="{_n(x)}" y="{y}" width="10" height="10" {swatch}/>'
            f'<text x="{_n(x + 14)}" y="{y + 9}" font-size="11"{text_style}>{_e(name)}</text>'
        )
        x += width
    parts.append("</g>")
    return "".join(parts), row + 1


__all__ = [
    "PALETTE",
    "BarLayout",
    "Series",
    "bar_chart",
    "bar_layout",
    "column_chart",
    "nice_ticks",
    "no_data",
]
