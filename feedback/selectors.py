"""Reading feedback: the labels advisors handed to training, and feedback statistics."""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from businesses.scoping import visible_businesses
from feedback.models import LabelOverride, Outcome, OwnerReport, RecommendationFeedback
from forecasting.advice.rules import recommendation_title
from forecasting.engine import schema
from forecasting.models import ModelKind, ModelVersion, Recommendation


def _empty_labels() -> pd.DataFrame:
    return pd.DataFrame(
        {
            schema.BUSINESS_ID: pd.Series(dtype="int64"),
            "cutoff": pd.Series(dtype="datetime64[ns]"),
            "label": pd.Series(dtype=float),
        }
    )


def label_overrides_frame() -> pd.DataFrame:
    """The engine's ``label_overrides`` frame (``business_id``, ``cutoff``, ``label`` 1/0):
    the latest override of each business and cut-off wins."""
    rows = LabelOverride.objects.order_by("business_id", "cutoff", "created_at", "pk").values_list(
        "business_id", "cutoff", "label"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=[schema.BUSINESS_ID, "cutoff", "label"])
    if frame.empty:
        return _empty_labels()
    frame[schema.BUSINESS_ID] = frame[schema.BUSINESS_ID].astype("int64")
    frame["cutoff"] = pd.to_datetime(frame["cutoff"])
    frame["label"] = (frame["label"] == LabelOverride.Label.GROWS).astype(float)
    return frame.drop_duplicates([schema.BUSINESS_ID, "cutoff"], keep="last").reset_index(drop=True)


VISITS_SHOWN = 10


def verdict_comment_list(
    *, recommendations, since=None, limit: int | None = None
) -> list[RecommendationFeedback]:
    """The verdicts given with a comment on ``recommendations`` (ids or a queryset the caller
    scoped), newest first, each with who gave it (``created_by``) and its recommendation's
    business (``recommendation.advice.business``); only those since ``since`` when given. One
    query. The business page shows them beside each recommendation, the supervision dashboard
    lists those of its regions."""
    rows = (
        RecommendationFeedback.objects.filter(recommendation__in=recommendations)
        .exclude(comment="")
        .select_related("created_by", "recommendation__advice__business")
        .order_by("-created_at", "-pk")
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if limit is not None:
        rows = rows[:limit]
    return list(rows)


def visit_list(*, business, limit: int = VISITS_SHOWN) -> list:
    """The business's latest visits, newest first (the caller loaded it through the scope)."""
    from feedback.models import Visit

    return list(
        Visit.objects.filter(business=business)
        .select_related("created_by")
        .order_by("-date", "-pk")[:limit]
    )


def outcome_labels_frame(*, rate: float | None = None) -> pd.DataFrame:
    """Recorded outcomes as growth labels (``business_id``, ``cutoff``, ``label``): an outcome
    with a sales change, recorded against an advice with a cut-off, says "grows" when the
    change is at least ``rate`` (the classifier's growth rate, 10 % by default). The latest
    outcome of each business and cut-off wins."""
    if rate is None:
        rate = schema.DEFAULT_GROWTH_RATE
    rows = (
        Outcome.objects.filter(sales_change__isnull=False, advice__cutoff__isnull=False)
        .order_by("business_id", "advice__cutoff", "created_at", "pk")
        .values_list("business_id", "advice__cutoff", "sales_change")
    )
    frame = pd.DataFrame.from_records(
        [(b, c, 1.0 if float(change) / 100.0 >= rate else 0.0) for b, c, change in rows],
        columns=[schema.BUSINESS_ID, "cutoff", "label"],
    )
    if frame.empty:
        return _empty_labels()
    frame[schema.BUSINESS_ID] = frame[schema.BUSINESS_ID].astype("int64")
    frame["cutoff"] = pd.to_datetime(frame["cutoff"])
    return frame.drop_duplicates([schema.BUSINESS_ID, "cutoff"], keep="last").reset_index(drop=True)


def training_labels_frame(*, rate: float | None = None) -> pd.DataFrame:
    """Every label the advisors handed to training, for the growth classifier's
    ``label_overrides``: ``business_id``, ``cutoff``, ``label``, ``weight``, ``source``.

    - advisors' overrides (``source`` "override", weight ``FEEDBACK_OVERRIDE_WEIGHT``,
      default 1.0): they replace the computed label;
    - recorded outcomes (``source`` "outcome", weight ``FEEDBACK_OUTCOME_WEIGHT``, default
      0.5, a reported figure over a period that need not be 12 months): they only fill in a
      label the data cannot compute yet, and an override of the same business and cut-off
      wins over them.
    A weight of 0 leaves that kind of feedback out.
    """
    override_weight = float(getattr(settings, "FEEDBACK_OVERRIDE_WEIGHT", 1.0))
    outcome_weight = float(getattr(settings, "FEEDBACK_OUTCOME_WEIGHT", 0.5))
    parts = []
    if override_weight > 0:
        parts.append(label_overrides_frame().assign(weight=override_weight, source="override"))
    if outcome_weight > 0:
        parts.append(
            outcome_labels_frame(rate=rate).assign(weight=outcome_weight, source="outcome")
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_labels().assign(weight=pd.Series(dtype=float), source=pd.Series(dtype=object))
    frame = pd.concat(parts, ignore_index=True)
    # overrides first, so that they are the ones kept for a (business, cut-off)
    frame["_rank"] = (frame["source"] != "override").astype(int)
    frame = frame.sort_values([schema.BUSINESS_ID, "cutoff", "_rank"], kind="stable")
    frame = frame.drop_duplicates([schema.BUSINESS_ID, "cutoff"], keep="first")
    return frame.drop(columns="_rank").reset_index(drop=True)


def feedback_by_code(version: ModelVersion) -> list[dict]:
    """Per recommendation code, over the advice computed with ``version``: how many
    recommendations, and the latest verdict on each (accepted, edited, rejected, none); the
    acceptance rate counts accepted and edited ones among those judged. One query."""
    latest = (
        RecommendationFeedback.objects.filter(recommendation=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("action")[:1]
    )
    field = (
        "advice__growth_version"
        if version.kind == ModelKind.GROWTH
        else ("advice__forecaster_version")
    )
    rows = (
        Recommendation.objects.filter(Q(**{field: version}))
        .annotate(verdict=Subquery(latest))
        .values("code", "verdict")
        .annotate(n=Count("pk"))
        .order_by("code")
    )
    by_code: dict[str, dict] = {}
    for row in rows:
        entry = by_code.setdefault(
            row["code"],
            {"code": row["code"], "label": recommendation_title(row["code"]), "total": 0,
             "accepted": 0, "edited": 0, "rejected": 0, "pending": 0},
        )  # fmt: skip
        entry["total"] += row["n"]
        entry[row["verdict"] if row["verdict"] in entry else "pending"] += row["n"]
    for entry in by_code.values():
        judged = entry["accepted"] + entry["edited"] + entry["rejected"]
        entry["judged"] = judged
        entry["acceptance_rate"] = (
            (entry["accepted"] + entry["edited"]) / judged if judged else None
        )
    return sorted(by_code.values(), key=lambda e: -e["total"])


def overrides_by_class(version: ModelVersion) -> list[dict]:
    """Growth-label overrides of advice scored by ``version``, per label, with how many went
    against the model (the advisor says "grows" where the probability was below one half, or
    the reverse)."""
    if version.kind != ModelKind.GROWTH:
        return []
    rows = LabelOverride.objects.filter(advice__growth_version=version).values_list(
        "label", "advice__growth_probability"
    )
    out = {
        value: {"label": value, "name": name, "n": 0, "against_model": 0}
        for value, name in LabelOverride.Label.choices
    }
    for label, probability in rows:
        entry = out[label]
        entry["n"] += 1
        if probability is not None and (label == LabelOverride.Label.GROWS) != (probability >= 0.5):
            entry["against_model"] += 1
    return list(out.values())


def owner_report_list(*, user) -> QuerySet[OwnerReport]:
    """Reports produced for the businesses ``user`` may see, newest first (the audit trail)."""
    return (
        OwnerReport.objects.filter(business__in=visible_businesses(user))
        .select_related("business", "created_by", "advice")
        .order_by("-created_at", "-pk")
    )
