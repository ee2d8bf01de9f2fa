"""Feedback handed to training: overrides and recorded outcomes with their documented weights."""

import datetime as dt
from decimal import Decimal

import pytest

from feedback.models import LabelOverride, Outcome
from feedback.selectors import outcome_labels_frame, training_labels_frame
from forecasting.engine import schema
from forecasting.models import Advice

pytestmark = pytest.mark.django_db

CUTOFF = dt.date(2024, 12, 1)


@pytest.fixture
def advice(business):
    return Advice.objects.create(business=business, status="ready", cutoff=CUTOFF)


def _outcome(advice, change, **kwargs):
    return Outcome.objects.create(
        business=advice.business, advice=advice, action_taken="Feria", date=dt.date(2025, 6, 1),
        sales_change=None if change is None else Decimal(change), **kwargs,
    )  # fmt: skip


def test_an_outcome_becomes_a_label_at_its_advice_cutoff(advice):
    _outcome(advice, "9.99")
    frame = outcome_labels_frame()
    assert frame[schema.BUSINESS_ID].tolist() == [advice.business_id]
    assert frame["cutoff"].dt.date.tolist() == [CUTOFF]
    assert frame["label"].tolist() == [0.0]  # below the 10 % growth rate
    _outcome(advice, "10")  # the latest outcome wins
    assert outcome_labels_frame()["label"].tolist() == [1.0]
    assert outcome_labels_frame(rate=0.2)["label"].tolist() == [0.0]


def test_outcomes_without_a_sales_change_or_an_advice_say_nothing(advice, business):
    _outcome(advice, None)
    Outcome.objects.create(business=business, action_taken="x", date=dt.date(2025, 1, 1),
                           sales_change=Decimal("50"))  # fmt: skip
    assert outcome_labels_frame().empty


def test_training_labels_carry_the_configured_weights_and_overrides_win(advice, settings):
    settings.FEEDBACK_OVERRIDE_WEIGHT = 2.0
    settings.FEEDBACK_OUTCOME_WEIGHT = 0.3
    _outcome(advice, "50")
    LabelOverride.objects.create(advice=advice, business=advice.business, cutoff=CUTOFF,
                                 label="no_growth", reason="cierra")  # fmt: skip
    frame = training_labels_frame()
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["label"], row["weight"], row["source"]) == (0.0, 2.0, "override")
    LabelOverride.objects.all().delete()
    row = training_labels_frame().iloc[0]
    assert (row["label"], row["weight"], row["source"]) == (1.0, 0.3, "outcome")


def test_a_zero_weight_leaves_that_feedback_out(advice, settings):
    settings.FEEDBACK_OUTCOME_WEIGHT = 0
    _outcome(advice, "50")
    frame = training_labels_frame()
    assert frame.empty and {"weight", "source"} <= set(frame.columns)
