"""The sales chart (business page and owner's PDF): every axis label lies inside the canvas."""

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from types import SimpleNamespace

import pytest

from forecasting.templatetags.advice_charts import sales_chart

SVG = "{http://www.w3.org/2000/svg}"
EM = 0.64  # DejaVu Sans (WeasyPrint's fallback) draws digits 0.636 em wide; others are narrower


def _extent(text: ET.Element) -> tuple[float, float]:
    """Left and right edge of a label from its anchor and an estimated width."""
    x, size = float(text.get("x")), float(text.get("font-size"))
    width = len(text.text) * EM * size
    anchor = text.get("text-anchor", "start")
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, left + width


@pytest.mark.parametrize("months", range(1, 31))
def test_every_axis_label_fits_inside_the_view_box(months):
    # the owner's PDF cut the last month label to "05/202"
    first = dt.date(2025, 1, 1)
    periods = [
        dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(months)
    ]
    records = [SimpleNamespace(period=p, sales=Decimal("185000")) for p in periods]
    last = periods[-1]
    forecast = [
        {
            "period": dt.date(
                last.year + (last.month - 1 + h) // 12, (last.month - 1 + h) % 12 + 1, 1
            ).isoformat(),
            "mean": 190000.0,
            "p10": 150000.0,
            "p90": 230000.0,
        }
        for h in range(1, 7)
    ]
    svg = ET.fromstring(sales_chart(records, forecast))
    _x, _y, width, height = map(float, svg.get("viewBox").split())
    labels = svg.findall(f"{SVG}text")
    assert labels
    for text in labels:
        left, right = _extent(text)
        assert left >= 0 and right <= width, (text.text, left, right, width)
        assert float(text.get("y")) <= height
