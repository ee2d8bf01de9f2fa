"""Ready advice stored without a model, for tests of pages and feedback."""

import datetime as dt

from businesses.models import SupportProgramme
from forecasting.advice.rules import recommendation_text
from forecasting.models import Advice, Recommendation

FORECAST = [
    {
        "horizon": h,
        "period": dt.date(2025, h, 1).isoformat(),
        "mean": 10_000.0 + 500 * h,
        "p10": 7_000.0,
        "p50": 9_800.0,
        "p90": 14_000.0 + 500 * h,
        "short_history": False,
        "reason": "",
        "intermittent": False,
    }
    for h in range(1, 7)
]
DRIVERS = [
    {
        "feature": "margin_mean_12",
        "label_es": "margen bruto promedio de 12 meses",
        "label_en": "average gross margin over 12 months",
        "value": 0.08,
        "contribution": -0.4,
        "direction": "down",
    }
]
BENCHMARKS = {
    "group": "sector_region",
    "peers": 14,
    "sector": "47",
    "region": "15",
    "size_class": "micro",
    "yoy_growth": {"p25": -0.05, "p50": 0.04, "p75": 0.12, "rank": 30.0, "value": -0.02, "n": 14},
    "margin": {"p25": 0.18, "p50": 0.25, "p75": 0.31, "rank": 7.0, "value": 0.08, "n": 14},
    "online_share": 0.4,
}
MARKET = {"sector": "47", "region": "15", "yoy_growth": 0.12, "momentum_3m": 0.03, "businesses": 14}


def ready_advice(business, *, user=None, recommendations: int = 3) -> Advice:
    """A ready advice for ``business`` with ``recommendations`` recommendations."""
    programme, _ = SupportProgramme.objects.get_or_create(
        code="cite-asistencia",
        defaults={"name": "Asistencia técnica de la Red CITE", "axis": "innovation"},
    )
    advice = Advice.objects.create(
        business=business,
        requested_by=user,
        status=Advice.Status.READY,
        cutoff=dt.date(2024, 12, 1),
        forecast=FORECAST,
        growth_probability=0.42,
        drivers=DRIVERS,
        benchmarks=BENCHMARKS,
        market_trend=MARKET,
        profile={"last_3_mean": 12_000.0, "months_observed": 12},
    )
    params = {"margin": 0.08, "p25": 0.18, "p50": 0.25, "peers": 14}
    title, rationale = recommendation_text("margin_below_peers", params)
    Recommendation.objects.bulk_create(
        Recommendation(
            advice=advice,
            code="margin_below_peers",
            priority=2,
            title=title,
            rationale=rationale,
            params=params,
            programme=programme,
            position=i,
        )
        for i in range(recommendations)
    )
    return advice
