"""Advice services: request advice for a business (queued for a worker), compute it (score,
apply the rules, store everything) and compute it on the spot for the API and tests.

``advice_compute`` is idempotent: a ready advice is returned as it is, so a redelivered task
does no harm; any failure ends the advice ``failed`` with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from businesses.models import Business
from core.queueing import enqueue
from forecasting.advice.rules import eligible_programmes, recommendations_for
from forecasting.models import Advice, Recommendation
from forecasting.scoring.latest import latest_score_from_advice
from forecasting.scoring.snapshot import BusinessScore, ScoringUnavailableError, score_business

logger = logging.getLogger(__name__)

# A request no worker picked up within this time is given up (marked failed) when the advice
# is requested again, so a lost message never leaves a business "queued" forever.
ADVICE_QUEUE_TIMEOUT = dt.timedelta(minutes=10)


@transaction.atomic
def advice_request(*, business: Business, user) -> Advice:
    """Queue fresh advice for ``business``; a request already waiting is reused, so a double
    click queues one job. The task is sent once the transaction commits.

    Raises ``core.queueing.QueueUnavailableError`` (and stores nothing) when the broker is
    not reachable; stored advice is untouched and keeps serving."""
    pending = (
        Advice.objects.select_for_update()
        .filter(business=business, status=Advice.Status.QUEUED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if pending is not None and pending.created_at >= timezone.now() - ADVICE_QUEUE_TIMEOUT:
        return pending
    if pending is not None:
        pending.status = Advice.Status.FAILED
        pending.error = _("No worker computed this advice in time; it was requested again.")
        pending.computed_at = timezone.now()
        pending.save(update_fields=["status", "error", "computed_at"])
    advice = Advice.objects.create(business=business, requested_by=user)
    from forecasting.tasks import advice_compute_task

    enqueue(advice_compute_task, advice.pk)
    return advice


def _store(advice: Advice, score: BusinessScore) -> None:
    drafts = recommendations_for(score)
    programmes = eligible_programmes(drafts, advice.business)
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            Recommendation(
                advice=advice,
                code=d.code,
                priority=d.priority,
                title=d.title[:200],
                rationale=d.rationale,
                params=d.params,
                programme=programmes.get(d.programme_code or ""),
                position=i,
            )
            for i, d in enumerate(drafts)
        ]
    Recommendation.objects.bulk_create(rows)
    advice.forecaster_version = score.forecaster_version
    advice.growth_version = score.growth_version
    advice.cutoff = score.cutoff
    advice.forecast = score.forecast
    advice.growth_probability = score.growth_probability
    advice.drivers = score.drivers
    advice.benchmarks = score.benchmarks
    advice.market_trend = score.market_trend
    advice.profile = score.profile
    advice.status, advice.error = Advice.Status.READY, ""
    advice.computed_at = timezone.now()
    advice.save()
    # The caseload sorts and alerts on the score the advisor has just seen.
    latest_score_from_advice(advice)


def advice_compute(advice_id: int) -> Advice:
    """Score the advice's business, apply the rules and store the result; ``ready`` advice is
    left as it is. Failures are recorded on the advice (``failed`` with the reason)."""
    advice = Advice.objects.select_related("business").get(pk=advice_id)
    if advice.status == Advice.Status.READY:
        return advice
    try:
        score = score_business(advice.business_id)
        with transaction.atomic():
            locked = Advice.objects.select_for_update().get(pk=advice_id)
            if locked.status == Advice.Status.READY:  # another worker finished it meanwhile
                return locked
            locked.business = advice.business  # loaded above: the rules read it, no new query
            locked.recommendations.all().delete()  # leftovers of an earlier failed attempt
            _store(locked, score)
            return locked
    except ScoringUnavailableError as error:
        message = str(error)
    except Exception as error:  # the advice says why; the worker stays up
        logger.exception("advice %s failed", advice_id)
        message = f"{type(error).__name__}: {error}"
    Advice.objects.filter(pk=advice_id).update(
        status=Advice.Status.FAILED, error=message, computed_at=timezone.now()
    )
    advice.refresh_from_db()
    return advice


def advice_compute_now(*, business: Business, user) -> Advice:
    """Create and compute advice for ``business`` synchronously (API, tests, commands).

    One transaction, so one commit: each commit waits for the disk (~4 ms on PostgreSQL), a
    large share of the 30 ms an answer may take. A failure is stored on the advice as usual;
    only a database error while scoring rolls everything back and is raised to the caller."""
    with transaction.atomic():
        advice = Advice.objects.create(business=business, requested_by=user)
        return advice_compute(advice.pk)
