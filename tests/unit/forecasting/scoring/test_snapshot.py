"""Scoring one business with the production models against the whole panel, and advice
computed from it, on a tiny trained demo."""

import pandas as pd
import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from businesses.models import Business, MonthlyRecord
from forecasting.advice.services import advice_compute, advice_compute_now, advice_request
from forecasting.lifecycle.registry import production_models
from forecasting.models import Advice, ModelKind, ModelVersion
from forecasting.scoring.snapshot import (
    MIN_PEERS,
    ScoringUnavailableError,
    score_business,
    scoring_snapshots,
)
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_scoring_without_a_production_model_says_so(fresh_caches, business):
    with pytest.raises(ScoringUnavailableError, match="produc"):
        score_business(business.pk)
    advice = advice_compute_now(business=business, user=None)
    assert advice.status == Advice.Status.FAILED
    assert "produc" in advice.error  # producción / production


def test_a_request_no_worker_picked_up_is_given_up_when_asked_again(business, advisor):
    from django.utils import timezone

    from forecasting.advice.services import ADVICE_QUEUE_TIMEOUT

    lost = advice_request(business=business, user=advisor)
    Advice.objects.filter(pk=lost.pk).update(created_at=timezone.now() - ADVICE_QUEUE_TIMEOUT * 2)
    fresh = advice_request(business=business, user=advisor)
    lost.refresh_from_db()
    assert fresh.pk != lost.pk and fresh.status == Advice.Status.QUEUED
    assert lost.status == Advice.Status.FAILED and lost.error


def test_advice_computed_on_the_spot_is_written_once_with_its_figures(trained, advisor):
    linked = 0
    for business in Business.objects.order_by("pk")[:30]:
        score_business(business.pk)  # the snapshot is built before counting
        with CaptureQueriesContext(connection) as queries:
            advice = advice_compute_now(business=business, user=advisor)
        on_advice = [q["sql"] for q in queries if '"forecasting_advice"' in q["sql"]]
        assert len(on_advice) == 1 and on_advice[0].startswith("INSERT"), on_advice
        # the rules read the SUNAT status the business was scored with, not a second copy
        assert sum('"businesses_sunatstatus"' in q["sql"] for q in queries) == 1
        stored = Advice.objects.get(pk=advice.pk)
        assert stored.status == Advice.Status.READY and stored.cutoff is not None
        assert stored.created_at <= stored.computed_at  # how long it took, as queued advice
        recommendations = list(stored.recommendations.all())
        assert [r.pk for r in recommendations] == [r.pk for r in advice.recommendations.all()]
        linked += any(r.programme_id for r in recommendations)
    assert linked  # some went through the programmes' eligibility rules, which read SUNAT
    # loaded with its SUNAT status (as the pages and the API load it): not asked for again
    business = Business.objects.select_related("sunat").order_by("pk")[1]
    with CaptureQueriesContext(connection) as queries:
        assert advice_compute_now(business=business, user=advisor).status == "ready"
    assert not [q for q in queries if '"businesses_sunatstatus"' in q["sql"]]


def test_one_business_scored_against_the_whole_panel(
    trained, advisor, django_capture_on_commit_callbacks
):
    business = (
        Business.objects.annotate(n=Count("records__costs")).order_by("-n", "pk").first()
    )  # a long, current series
    score = score_business(business.pk)
    assert score.has_records
    assert [f["horizon"] for f in score.forecast] == [1, 2, 3, 4, 5, 6]
    for f in score.forecast:
        assert f["p10"] <= f["p50"] <= f["p90"] and f["mean"] > 0
    assert 0.0 <= score.growth_probability <= 1.0
    # The serving path on the business's row of the snapshot gives the engine's own numbers.
    _, forecaster = production_models.get(ModelKind.FORECASTER)
    _, classifier = production_models.get(ModelKind.GROWTH)
    snap = scoring_snapshots._snapshot
    # one business's figures read column by column: the frame's row, the same values and types
    for row in range(len(snap.figures)):
        expected = snap.figures.iloc[row]
        got = snap.figures_at(row)
        assert list(got) == list(expected.index)
        for column, value in expected.items():
            assert type(got[column]) is type(value), column
            assert got[column] == value or (pd.isna(value) and pd.isna(got[column])), column
    own_row = snap.features.iloc[[snap.feature_row[business.pk]]]
    alone = forecaster.predict(None, features=own_row).sort_values("horizon")
    for stat in ("mean", "p10", "p50", "p90"):
        assert alone[stat].tolist() == pytest.approx([f[stat] for f in score.forecast])
    engine_probability = classifier.predict_proba(None, features=own_row)["probability"].iloc[0]
    assert score.growth_probability == pytest.approx(engine_probability)
    # (the tiny test model may have no split at all, hence no driver)
    assert len(score.drivers) <= 5
    assert all({"label_es", "label_en", "direction"} <= set(d) for d in score.drivers)
    bench = score.benchmarks
    assert bench["group"] in ("sector_region_size", "sector_region", "sector")
    assert bench["peers"] >= MIN_PEERS or bench["group"] == "sector"
    assert bench["margin"]["n"] > 0 and 0 <= bench["margin"]["rank"] <= 100
    assert bench["margin"]["p25"] <= bench["margin"]["p50"] <= bench["margin"]["p75"]
    trend = score.market_trend
    assert trend["sector"] == business.sector_id and trend["region"] == business.region_id
    assert "yoy_growth" in trend and "momentum_3m" in trend

    # The same business scored alone in the panel would differ; the snapshot is reused.
    first = scoring_snapshots._snapshot
    score_business(business.pk)
    assert scoring_snapshots._snapshot is first
    # New data changes the signature: the next call rebuilds the snapshot.
    MonthlyRecord.objects.filter(business=business).order_by("-period").first().delete()
    score_business(business.pk)
    assert scoring_snapshots._snapshot is not first

    # A business without records gets no forecast, and advice asking for records.
    empty = BusinessFactory(advisor=advisor)
    assert score_business(empty.pk).has_records is False
    advice = advice_compute_now(business=empty, user=advisor)
    assert advice.status == Advice.Status.READY and advice.forecast == []
    assert [r.code for r in advice.recommendations.all()] == ["short_history"]

    # Requested advice is queued, computed by the task after commit, stored with the versions.
    with django_capture_on_commit_callbacks() as callbacks:
        requested = advice_request(business=business, user=advisor)
        assert advice_request(business=business, user=advisor) == requested  # no double queue
    assert requested.status == Advice.Status.QUEUED and len(callbacks) == 1
    from forecasting.tasks import advice_compute_task

    assert advice_compute_task(requested.pk) == Advice.Status.READY
    requested.refresh_from_db()
    assert requested.forecaster_version == ModelVersion.objects.get(
        kind=ModelKind.FORECASTER, status="production"
    )
    assert requested.growth_version.kind == ModelKind.GROWTH
    assert len(requested.forecast) == 6 and requested.cutoff is not None
    assert requested.recommendations.exists() or requested.growth_probability is not None
    computed_at = requested.computed_at
    assert advice_compute(requested.pk).computed_at == computed_at  # idempotent
