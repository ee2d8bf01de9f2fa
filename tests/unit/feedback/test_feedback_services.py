"""Feedback services: verdicts, ratings, label overrides and outcomes, kept with who and when,
allowed only on businesses the user can see; overrides handed to training as labels."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from feedback import services
from feedback.models import LabelOverride, RecommendationFeedback
from feedback.selectors import label_overrides_frame
from forecasting.models import Advice
from tests.factories import BusinessFactory
from tests.unit.feedback.advice_data import ready_advice

pytestmark = pytest.mark.django_db


@pytest.fixture
def advice(business, advisor):
    return ready_advice(business, user=advisor)


def test_accept_reject_and_edit_keep_the_original(advice, advisor):
    rec = advice.recommendations.first()
    services.recommendation_feedback_create(
        user=advisor, recommendation_id=rec.pk, action="accepted", comment="  de acuerdo "
    )
    edit = services.recommendation_feedback_create(
        user=advisor,
        recommendation_id=rec.pk,
        action="edited",
        edited_title="Revisar precios con la dueña",
        edited_rationale="Su margen es bajo.",
    )
    rec.refresh_from_db()
    assert rec.title != edit.edited_title  # the original stays beside the edit
    assert edit.created_by == advisor and edit.created_at is not None
    assert list(rec.feedback.values_list("action", flat=True)) == ["edited", "accepted"]
    assert rec.feedback.last().comment == "de acuerdo"
    rejected = services.recommendation_feedback_create(
        user=advisor, recommendation_id=rec.pk, action="rejected", edited_title="ignored"
    )
    assert rejected.edited_title == ""


def test_an_empty_edit_or_unknown_action_is_refused(advice, advisor):
    rec = advice.recommendations.first()
    with pytest.raises(ValidationError):
        services.recommendation_feedback_create(
            user=advisor, recommendation_id=rec.pk, action="edited"
        )
    with pytest.raises(ValidationError):
        services.recommendation_feedback_create(
            user=advisor, recommendation_id=rec.pk, action="maybe"
        )
    assert not RecommendationFeedback.objects.exists()


def test_rating_is_one_to_five_and_rating_again_replaces_it(advice, advisor):
    services.advice_rate(user=advisor, advice_id=advice.pk, rating=2)
    services.advice_rate(user=advisor, advice_id=advice.pk, rating=5, comment="útil")
    assert list(advice.ratings.values_list("rating", "comment")) == [(5, "útil")]
    for bad in (0, 6):
        with pytest.raises(ValidationError):
            services.advice_rate(user=advisor, advice_id=advice.pk, rating=bad)
    queued = Advice.objects.create(business=advice.business)
    with pytest.raises(ValidationError):
        services.advice_rate(user=advisor, advice_id=queued.pk, rating=3)


def test_label_override_needs_a_reason_and_reaches_training(advice, advisor):
    with pytest.raises(ValidationError):
        services.label_override_create(
            user=advisor, advice_id=advice.pk, label="grows", reason="  "
        )
    services.label_override_create(
        user=advisor, advice_id=advice.pk, label="no_growth", reason="Cierra un local"
    )
    services.label_override_create(
        user=advisor, advice_id=advice.pk, label="grows", reason="Nuevo contrato con el Estado"
    )
    assert LabelOverride.objects.count() == 2
    frame = label_overrides_frame()
    assert list(frame.columns) == ["business_id", "cutoff", "label"]
    assert frame.to_dict("records") == [
        {"business_id": advice.business_id, "cutoff": pd.Timestamp(advice.cutoff), "label": 1.0}
    ]


def test_empty_overrides_frame_has_the_engine_columns(db):
    frame = label_overrides_frame()
    assert frame.empty and list(frame.columns) == ["business_id", "cutoff", "label"]


def test_outcome_is_recorded_with_who_and_when(advice, advisor):
    rec = advice.recommendations.first()
    outcome = services.outcome_record(
        user=advisor,
        business_id=advice.business_id,
        action_taken="Negoció con proveedores",
        date=dt.date(2025, 1, 20),
        result="Costos 5 % menores",
        sales_change=Decimal("2.5"),
        recommendation_id=rec.pk,
    )
    assert outcome.advice == advice and outcome.created_by == advisor
    with pytest.raises(ValidationError):
        services.outcome_record(
            user=advisor,
            business_id=advice.business_id,
            action_taken="x",
            date=dt.date.today() + dt.timedelta(days=2),
        )


def test_nobody_annotates_a_business_they_cannot_see(advice, other_advisor, supervisor):
    rec = advice.recommendations.first()
    with pytest.raises(Http404):
        services.recommendation_feedback_create(
            user=other_advisor, recommendation_id=rec.pk, action="accepted"
        )
    with pytest.raises(Http404):
        services.advice_rate(user=other_advisor, advice_id=advice.pk, rating=5)
    with pytest.raises(Http404):
        services.label_override_create(
            user=other_advisor, advice_id=advice.pk, label="grows", reason="x"
        )
    with pytest.raises(Http404):
        services.outcome_record(
            user=other_advisor, business_id=advice.business_id, action_taken="x",
            date=dt.date(2025, 1, 1),
        )  # fmt: skip
    # A recommendation of another business cannot be smuggled in through a visible one.
    mine = BusinessFactory(advisor=other_advisor)
    with pytest.raises(Http404):
        services.recommendation_feedback_create(
            user=other_advisor, business=mine, recommendation_id=rec.pk, action="accepted"
        )
    # The Lima supervisor sees the Lima business and may annotate it.
    services.advice_rate(user=supervisor, advice_id=advice.pk, rating=3)


def test_training_hands_the_overrides_to_the_growth_classifier(monkeypatch, advice, advisor):
    from types import SimpleNamespace

    from forecasting.lifecycle import training
    from forecasting.models import ModelKind

    services.label_override_create(
        user=advisor, advice_id=advice.pk, label="grows", reason="Nuevo contrato"
    )
    seen = {}

    class FakeClassifier:
        feature_names_: list = []

        def fit(self, records, businesses, indicators, *, label_overrides=None):
            seen["fit"] = label_overrides
            return self

    def fake_evaluate(*args, label_overrides=None, **kwargs):
        seen["evaluate"] = label_overrides
        return {"growth": {}}

    monkeypatch.setattr(training.evaluation, "evaluate", fake_evaluate)
    monkeypatch.setattr(training, "estimator_for", lambda kind, parameters=None: FakeClassifier())
    data = SimpleNamespace(
        records=None,
        businesses=None,
        indicators=None,
        backtest_indicators=None,
        market_data_record=lambda measured=None: {},
    )
    training.fit_and_measure(ModelKind.GROWTH, data, {}, lambda stage, percent: None)
    for frame in (seen["evaluate"], seen["fit"]):
        assert frame.to_dict("records") == [
            {
                "business_id": advice.business_id,
                "cutoff": pd.Timestamp(advice.cutoff),
                "label": 1.0,
                "weight": 1.0,  # FEEDBACK_OVERRIDE_WEIGHT
                "source": "override",
            }
        ]


def test_impossible_outcomes_are_refused_whoever_records_them(advice, advisor):
    """One rule (feedback.validators) in the model: −150 % or a date before the business
    started trading never reach the database, through the service or around it."""
    from django.db import IntegrityError, transaction

    from feedback.models import Outcome

    business = advice.business
    business.founded = dt.date(2019, 1, 1)
    business.save(update_fields=["founded"])
    record = {"user": advisor, "business_id": business.pk, "action_taken": "x"}
    with pytest.raises(ValidationError) as refused:
        services.outcome_record(**record, date=dt.date(2025, 1, 2), sales_change=Decimal("-150"))
    assert list(refused.value.message_dict) == ["sales_change"]
    assert "−100 %" in refused.value.message_dict["sales_change"][0]
    with pytest.raises(ValidationError) as refused:
        services.outcome_record(**record, date=dt.date(2025, 1, 2), sales_change=Decimal("1200"))
    assert list(refused.value.message_dict) == ["sales_change"]
    with pytest.raises(ValidationError) as refused:
        services.outcome_record(**record, date=dt.date(2018, 12, 31))
    assert list(refused.value.message_dict) == ["date"]
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            user=advisor, business_id=business.pk, date=dt.date(2018, 12, 31), channel="phone"
        )
    assert list(refused.value.message_dict) == ["date"]
    services.outcome_record(**record, date=dt.date(2019, 1, 1), sales_change=Decimal("-100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(
            business=business, action_taken="x", date=dt.date(2025, 1, 2), sales_change=-150
        )
    assert list(Outcome.objects.values_list("sales_change", flat=True)) == [Decimal("-100")]
