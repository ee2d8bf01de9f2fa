"""Reading advice: a business's past advice and its newest one, with the model versions that
produced them (named, not their whole record)."""

from __future__ import annotations

from businesses.models import Business
from forecasting.models import Advice, ModelVersion

ADVICE_HISTORY = 20  # past advice listed on the business page

# A model version's record (metrics, search results, feature list...) is tens of kilobytes of
# JSON: decoding it twice per listed advice was the largest part of the business page's time.
# Pages name the versions; the record stays in the database.
VERSION_RECORD = [
    f"{relation}__{field.name}"
    for relation in ("forecaster_version", "growth_version")
    for field in ModelVersion._meta.concrete_fields
    if field.get_internal_type() in ("JSONField", "TextField")
]


def advice_history(*, business: Business, limit: int = ADVICE_HISTORY) -> list[Advice]:
    """The business's latest advice, newest first, with the model versions that produced it
    (their number and status, not their whole record)."""
    return list(
        Advice.objects.filter(business=business)
        .select_related("forecaster_version", "growth_version", "requested_by")
        .defer(*VERSION_RECORD)
        .order_by("-created_at", "-pk")[:limit]
    )


def advice_latest(*, business: Business) -> Advice | None:
    """The newest advice of a business whatever its state (for the status endpoint)."""
    return Advice.objects.filter(business=business).order_by("-created_at", "-pk").first()
