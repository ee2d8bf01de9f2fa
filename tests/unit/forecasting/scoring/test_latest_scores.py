"""Latest scores: every business gets one from the bulk refresh, and computed advice updates
its business's; the caseload sorts and alerts on them."""

import pytest
from django.core.management import call_command

from businesses.models import Business
from forecasting.advice.rules import FALLING_FORECAST_DROP
from forecasting.advice.services import advice_compute_now
from forecasting.models import LatestScore
from forecasting.scoring.latest import forecast_change, latest_scores_refresh
from tests.unit.forecasting.scoring.test_snapshot import fresh_caches, trained  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_forecast_change():
    assert forecast_change(100.0, 80.0) == pytest.approx(-0.2)
    assert forecast_change(0.0, 80.0) is None
    assert forecast_change(None, 80.0) is None


def test_refresh_scores_every_business_and_advice_updates_one(trained):  # noqa: F811
    written = latest_scores_refresh()
    with_records = Business.objects.filter(records__isnull=False).distinct().count()
    assert written == with_records == LatestScore.objects.count()
    scores = list(LatestScore.objects.all())
    assert all(0 <= s.growth_probability <= 1 for s in scores)
    assert all(
        s.forecast_change == pytest.approx(s.next_3_mean / s.last_3_mean - 1)
        for s in scores
        if s.last_3_mean
    )
    # the refresh is idempotent: run again, same rows
    assert latest_scores_refresh() == written and LatestScore.objects.count() == written

    business = Business.objects.filter(records__isnull=False).first()
    LatestScore.objects.filter(business=business).delete()
    advice = advice_compute_now(business=business, user=None)
    stored = LatestScore.objects.get(business=business)
    assert stored.growth_probability == pytest.approx(advice.growth_probability)
    flags = [f["short_history"] or f["intermittent"] for f in advice.forecast[:3]]
    assert stored.uncertain == any(flags)
    falling = "falling_forecast" in set(advice.recommendations.values_list("code", flat=True))
    assert falling == (stored.forecast_change < -FALLING_FORECAST_DROP)


def test_refresh_command(trained, capsys):  # noqa: F811
    call_command("refresh_scores", if_empty=True)
    assert LatestScore.objects.exists()
    count = LatestScore.objects.count()
    call_command("refresh_scores", if_empty=True)  # nothing to do
    assert LatestScore.objects.count() == count
