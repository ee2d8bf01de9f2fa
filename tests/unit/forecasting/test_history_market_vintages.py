"""Backtests read the market values as known at each cut-off when pulls, imports and revisions
left a history, and the model version's evaluation record says which values were used."""

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from businesses.demo import demo_data_load
from businesses.models import DataImport, IndicatorRevision, MarketIndicator
from forecasting.engine import evaluation, schema
from forecasting.history import indicator_vintages_frame, training_data
from forecasting.lifecycle.registry import production_models
from forecasting.models import ModelKind, ModelVersion
from tests.model_parameters import SMALL_MODELS as SMALL

pytestmark = pytest.mark.django_db
LIMA = zoneinfo.ZoneInfo("America/Lima")
NATIONAL = "national_activity_index"


def lima(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LIMA)


def _value(period: str, value: float, pulled_at: dt.datetime | None) -> MarketIndicator:
    return MarketIndicator.objects.create(
        name="idx", period=dt.date.fromisoformat(period), value=value, pulled_at=pulled_at
    )


@pytest.fixture
def pulled_history():
    """Six months received with the series' first pull on 10/07/2024; July arrived on
    20/08/2024, August at midnight starting 01/09/2024; March revised from 50 to 60 on
    05/09/2024."""
    for month in range(1, 7):
        _value(f"2024-{month:02d}-01", 60.0 if month == 3 else 100.0 + month, lima(2024, 7, 10))
    _value("2024-07-01", 70.0, lima(2024, 8, 20))
    _value("2024-08-01", 80.0, lima(2024, 9, 1))
    IndicatorRevision.objects.create(
        indicator=MarketIndicator.objects.get(period=dt.date(2024, 3, 1)),
        old_value=50.0,
        new_value=60.0,
        old_pulled_at=lima(2024, 7, 10),
        revised_at=lima(2024, 9, 5),
    )


def _known(frame: pd.DataFrame) -> list[tuple[str, float, str | None]]:
    return [
        (f"{p:%Y-%m}", v, None if pd.isna(k) else f"{k:%Y-%m}")
        for p, v, k in frame[
            [schema.PERIOD, schema.INDICATOR_VALUE, schema.INDICATOR_KNOWN_FROM]
        ].itertuples(index=False)
    ]


def test_vintages_say_from_which_cutoff_each_value_was_known(pulled_history):
    rows = _known(indicator_vintages_frame(lag_days=0))
    # The first pull (a backfill) stands for every earlier cut-off; what came later, and the
    # revision, count from the first cut-off whose month had ended when they arrived.
    assert sorted(rows, key=lambda r: (r[0], r[2] or "")) == [
        ("2024-01", 101.0, None),
        ("2024-02", 102.0, None),
        ("2024-03", 50.0, None),
        ("2024-03", 60.0, "2024-09"),
        ("2024-04", 104.0, None),
        ("2024-05", 105.0, None),
        ("2024-06", 106.0, None),
        ("2024-07", 70.0, "2024-08"),
        ("2024-08", 80.0, "2024-08"),  # received as August ended: known at its cut-off
    ]
    # With a publication lag of 10 days, early-September arrivals count for August.
    lagged = {(p, v): k for p, v, k in _known(indicator_vintages_frame(lag_days=10))}
    assert lagged[("2024-03", 60.0)] == "2024-08"


def test_without_history_there_are_no_vintages():
    MarketIndicator.objects.create(name="idx", period=dt.date(2024, 1, 1), value=1.0)
    assert indicator_vintages_frame() is None


@pytest.fixture
def small_models(settings, tmp_path):
    settings.MODEL_PARAMETERS = SMALL
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    production_models.clear()
    yield
    production_models.clear()


def test_training_measures_with_the_values_known_at_each_cutoff(
    small_models, monkeypatch, client, steward
):
    demo_data_load(businesses=120, months=40, seed=2)
    assert training_data().indicator_vintages is None
    call_command("train", kind="forecaster", verbosity=0)
    stored = ModelVersion.objects.get(kind=ModelKind.FORECASTER, version=1)
    assert stored.metrics["market_data"]["as_known_at_cutoff"] is False

    # The demo values came with a first import two years ago; since then one month of the
    # national index was revised and the next one arrived only now.
    DataImport.objects.filter(kind=DataImport.Kind.DEMO).update(
        created_at=timezone.now() - dt.timedelta(days=730)
    )
    last = training_data().records[schema.PERIOD].max()
    first_origin, second_origin = last - pd.DateOffset(months=6), last - pd.DateOffset(months=5)
    revised = MarketIndicator.objects.get(name=NATIONAL, period=first_origin.date())
    old = revised.value
    revised.value = old + 7.5
    revised.save()
    IndicatorRevision.objects.create(
        indicator=revised, old_value=old, new_value=old + 7.5, revised_at=timezone.now()
    )
    MarketIndicator.objects.filter(name=NATIONAL, period=second_origin.date()).update(
        pulled_at=timezone.now()
    )
    scored = []
    build = evaluation.build_features

    def spy(*args, **kwargs):
        scored.append(build(*args, **kwargs))
        return scored[-1]

    monkeypatch.setattr(evaluation, "build_features", spy)
    call_command("train", kind="forecaster", verbosity=0)

    features = scored[-1].set_index("cutoff")[f"mkt_{NATIONAL}_level"]
    assert np.allclose(features.loc[first_origin], old)
    # the second origin's own month arrived later: its features read the latest month known
    # then, the first origin's, still with its old value
    assert np.allclose(features.loc[second_origin], old)
    version = ModelVersion.objects.get(kind=ModelKind.FORECASTER, version=2)
    assert version.metrics["market_data"] == {
        "as_known_at_cutoff": True,
        "series_with_history": 1,
        "revisions_applied": 1,
        "values_arrived_later": 1,
        "known_by": "end_of_cutoff_month_plus_lag",
        "cutoff_lag_days": 0,
        "time_zone": "America/Lima",
    }

    client.force_login(steward)
    page = client.get(reverse("admin:forecasting_modelversion_change", args=[version.pk]))
    assert "Tal como se conocían en cada corte" in page.content.decode()
    assert "vistos con su valor anterior hasta la revisión: 1;" in page.content.decode()
    page = client.get(reverse("admin:forecasting_modelversion_change", args=[stored.pk]))
    assert "Tal como están guardados" in page.content.decode()
