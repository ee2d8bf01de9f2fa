"""An inline SVG line chart of market indices (monthly), drawn on the server like the business
page's sales chart: no chart library, works without JavaScript, prints."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 34


@register.simple_tag
def index_chart(series, indicator=None) -> str:
    """SVG of the monthly sales index of ``series`` (dicts with ``period`` and ``index``) and,
    if given, the production ``indicator`` (values aligned with the series' months), both with
    100 = the average of the first 12 months; missing months break the line."""
    months = [s["period"] for s in series or []]
    lines = [("sales", [s.get("index") for s in series or []])]
    if indicator:
        lines.append(("indicator", list(indicator)))
    values = [v for _name, vs in lines for v in vs if v is not None]
    if not months or not values:
        return ""
    low, high = min([*values, 100.0]), max([*values, 100.0])
    pad = max((high - low) * 0.08, 2.0)
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + i / max(len(months) - 1, 1) * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - (v - low) / (high - low) * plot_h

    title = _("Market index by month (100 = average of the first 12 months shown)")
    desc = _(
        "Solid line: average sales of the businesses that reported. Dashed line: sector "
        "production index."
    )
    parts = [
        f'<svg class="sales-chart market-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="market-title market-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="market-title">{escape(title)}</title>',
        f'<desc id="market-desc">{escape(desc)}</desc>',
    ]
    ticks = sorted({round(low), 100, round(high)})
    for value in ticks:
        parts.append(
            f'<line class="grid{" base" if value == 100 else ""}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(value):.1f}" y2="{y(value):.1f}"/><text class="axis" x="{LEFT - 6}" '
            f'y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    for i, m in enumerate(months):
        if i % 6 == 0:
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
                f"{m.month:02d}/{m.year}</text>"
            )
    for name, vs in lines:
        path, previous = [], False
        for i, v in enumerate(vs):
            if v is None:
                previous = False
                continue
            path.append(f"{'L' if previous else 'M'}{x(i):.1f},{y(v):.1f}")
            previous = True
        css = "history" if name == "sales" else "forecast"
        parts.append(f'<path class="{css} {name}" d="{" ".join(path)}" fill="none"/>')
        if name == "sales":
            for i, v in enumerate(vs):
                if v is not None:
                    m = months[i]
                    parts.append(
                        f'<circle class="history-point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2">'
                        f"<title>{m.month:02d}/{m.year}: {v:.1f}</title></circle>"
                    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only


@register.filter
def disclosure_reason(code: str) -> str:
    """Why a market figure is withheld, from its reason code (statistical disclosure control)."""
    from businesses.disclosure import reason_text

    return reason_text(code)
