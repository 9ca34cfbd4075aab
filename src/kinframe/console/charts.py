"""Server-rendered SVG charts: no script, no stylesheet inside, so the strict CSP holds.

Each function returns markup ready for a template: an ``<svg role="img">`` with a ``<title>`` for
screen readers and a ``<title>`` on every bar or point for the figure under the pointer. Colours
are SVG presentation attributes (``fill=``), which the CSP allows, unlike ``style=``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil, floor, log10

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 12, 16, 50
INK, GRID = "#334155", "#e2e8f0"


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: Sequence[float | None]


def nice_max(value: float, *, integer: bool = False) -> float:
    """A round top for the axis at or above ``value``: four gridline steps of 1, 2 or 5 times a
    power of ten, so every gridline reads as a round number (whole numbers for counts)."""
    if value <= 0:
        return 4 if integer else 1
    raw = value / 4
    power = 10 ** floor(log10(raw))
    for step in (1, 2, 5, 10):
        if raw <= step * power:
            chosen = step * power
            break
    if integer:
        chosen = max(1, ceil(chosen))
    return chosen * 4


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(title: str, top: float, unit: str, labels: Sequence[str], legend: Sequence[Series]):
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(_fmt(value))}{escape(unit)}</text>"
        )
    step = max(1, ceil(len(labels) / 8))  # at most eight labels under the axis
    slot = plot_w / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % step == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    x = LEFT
    for series in legend:
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{series.color}"/>'
        )
        parts.append(
            f'<text x="{x + 14}" y="{HEIGHT - 7}" fill="{INK}">{escape(series.name)}</text>'
        )
        x += 28 + 8 * len(series.name)
    return parts, plot_w, plot_h, slot


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    integer: bool = True,
) -> SafeString:
    """Bars side by side for each label, one per series (``integer``: counts, whole gridlines)."""
    top = nice_max(max((v or 0 for s in series for v in s.values), default=0), integer=integer)
    parts, _, plot_h, slot = _frame(title, top, unit, labels, series)
    bar = slot * 0.8 / max(1, len(series))
    for i, label in enumerate(labels):
        for j, s in enumerate(series):
            value = s.values[i] or 0
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + bar * j
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{h:.1f}" fill="{s.color}"><title>{escape(label)}: {escape(s.name)} '
                f"{escape(_fmt(value))}{escape(unit)}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    target: float | None = None,
    target_label: str = "Target",
) -> SafeString:
    """Lines through each series' values (a gap where a value is None), and a dashed target."""
    values = [v for s in series for v in s.values if v is not None]
    top = nice_max(max([*values, target or 0], default=0))
    legend = [*series, *([Series(target_label, "#d97706", [])] if target is not None else [])]
    parts, plot_w, plot_h, slot = _frame(title, top, unit, labels, legend)
    if target is not None:
        y = TOP + plot_h - plot_h * target / top
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d97706" '
            f'stroke-width="2" stroke-dasharray="6 4"><title>{escape(target_label)} '
            f"{escape(_fmt(target))}{escape(unit)}</title></line>"
        )
    for s in series:
        points = []
        for i, value in enumerate(s.values):
            if value is None:
                continue
            x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / top
            points.append((x, y, labels[i], value))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2"/>'
            )
        for x, y, label, value in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.color}"><title>{escape(label)}: '
                f"{escape(s.name)} {escape(_fmt(value))}{escape(unit)}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def hbar_chart(*, title: str, items: Sequence[tuple[str, int]], color: str) -> SafeString:
    """One horizontal bar per item, longest first, with its count at the end."""
    items = sorted(items, key=lambda item: -item[1])
    row, label_w = 30, 240
    height = max(1, len(items)) * row + 8
    top = max((n for _, n in items), default=0) or 1
    plot_w = WIDTH - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="14">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, n) in enumerate(items):
        y = 4 + i * row
        w = plot_w * n / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row - 8}" '
            f'fill="{color}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" fill="{INK}">{n:,}</text>'
        )
    if not items:
        empty = escape(gettext("Nothing rejected in this range."))
        parts.append(f'<text x="8" y="20" fill="{INK}">{empty}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
