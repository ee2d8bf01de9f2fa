"""An inline SVG chart of monthly sales with the forecast and its p10–p90 band.

Drawn on the server (no chart library yet): the page works without JavaScript, and the SVG is
small. Missing months break the history line (a missing month is unknown, not zero). Colours are
also given as presentation attributes: the page's stylesheet overrides them, and renderers that
do not apply the document's CSS inside an SVG (WeasyPrint, for the owner's PDF report) still
draw the chart in colour.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.templatetags.asesor_format import soles
from forecasting.advice import rules

register = template.Library()

WIDTH, HEIGHT = 720, 260
# A month label ("05/2027", 11 px) is centred on its tick and about 46 px wide: the right
# margin holds its half when the last month gets a label, or the canvas cuts it ("05/202").
LEFT, RIGHT, TOP, BOTTOM = 92, 28, 12, 34
# The same colours as static/css/asesor.css, as SVG presentation attributes.
GRID, HISTORY_COLOUR, BRAND = "#d8dee6", "#1f4e79", "#b0141c"
AXIS = 'fill="#5b6b7c" font-size="11"'
BAND = f'fill="{BRAND}" fill-opacity="0.15"'
FORECAST = f'stroke="{BRAND}" stroke-width="2" stroke-dasharray="6 4"'
HISTORY = f'stroke="{HISTORY_COLOUR}" stroke-width="2"'


def _month(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@register.simple_tag
def sales_chart(records, forecast) -> str:
    """SVG of ``records`` (MonthlyRecord rows, oldest first) and ``forecast`` (the advice's
    list of horizons with period, mean, p10, p90)."""
    history = [(_month(r.period), float(r.sales)) for r in records]
    future = [
        (_month(_date(f["period"])), f) for f in (forecast or []) if f.get("mean") is not None
    ]
    if not history and not future:
        return ""
    months = [m for m, _v in history] + [m for m, _f in future]
    start, end = min(months), max(months)
    top_value = max(
        [v for _m, v in history] + [max(f.get("p90") or 0.0, f["mean"]) for _m, f in future] + [1.0]
    )
    top_value *= 1.05
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(m: int) -> float:
        return LEFT + (m - start) / max(end - start, 1) * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - max(v, 0.0) / top_value * plot_h

    title = _("Monthly sales and 6-month forecast")
    desc = _(
        "Solid line: recorded sales. Dashed line: expected sales. "
        "Band: %(share)s of likely outcomes (p10 to p90)."
    ) % {"share": "80 %"}
    parts = [
        f'<svg class="sales-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        value = top_value * fraction
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="{GRID}"/><text class="axis" x="{LEFT - 6}" '
            f'y="{y(value) + 4:.1f}" text-anchor="end" {AXIS}>{escape(soles(value, 0))}</text>'
        )
    for m in range(start, end + 1):
        if (m - start) % 6 == 0:
            parts.append(
                f'<text class="axis" x="{x(m):.1f}" y="{HEIGHT - 10}" text-anchor="middle" {AXIS}>'
                f"{m % 12 + 1:02d}/{m // 12}</text>"
            )
    if future:
        band = [f"{x(m):.1f},{y(f.get('p90') or f['mean']):.1f}" for m, f in future]
        band += [f"{x(m):.1f},{y(f.get('p10') or f['mean']):.1f}" for m, f in reversed(future)]
        parts.append(f'<polygon class="band" {BAND} points="{" ".join(band)}"/>')
        line = [(m, f["mean"]) for m, f in future]
        if history and history[-1][0] == future[0][0] - 1:
            line.insert(0, history[-1])
        points = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in line)
        parts.append(f'<polyline class="forecast" fill="none" {FORECAST} points="{points}"/>')
    if history:
        path, previous = [], None
        for m, v in history:
            command = "L" if previous is not None and m == previous + 1 else "M"
            path.append(f"{command}{x(m):.1f},{y(v):.1f}")
            previous = m
        parts.append(f'<path class="history" d="{" ".join(path)}" fill="none" {HISTORY}/>')
        for m, v in history:
            parts.append(
                f'<circle class="history-point" cx="{x(m):.1f}" cy="{y(v):.1f}" r="2" '
                f'fill="{HISTORY_COLOUR}">'
                f"<title>{m % 12 + 1:02d}/{m // 12}: {escape(soles(v))}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only


@register.filter
def recommendation_title(code: str) -> str:
    """A recommendation's kind in words, in the active language (never its code on a page)."""
    return rules.recommendation_title(code)
