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

from businesses.freshness import registry_latest_month
from businesses.models import Business
from businesses.programmes import active_programmes
from core.queueing import enqueue
from forecasting.advice.rules import PROGRAMME_FOR, eligible_programmes, recommendations_for
from forecasting.lifecycle.registry import production_versions
from forecasting.models import Advice, LatestScore, Recommendation
from forecasting.scoring.latest import latest_score_from_advice, latest_scores_from_advices
from forecasting.scoring.snapshot import (
    BusinessScore,
    ScoringUnavailableError,
    score_business,
    scores_all,
)

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


def _recommendations(advice: Advice, score: BusinessScore, programmes=None) -> list:
    """The advice's recommendations (unsaved), in the site's language; ``programmes``: the
    candidate support programmes, when the caller loaded them for many businesses."""
    drafts = recommendations_for(score)
    if programmes is None:
        eligible = eligible_programmes(drafts, advice.business)
    else:
        codes = {d.programme_code for d in drafts if d.programme_code}
        eligible = {
            p.code: p for p in programmes if p.code in codes and p.is_eligible(advice.business)
        }
    with translation.override(settings.LANGUAGE_CODE):
        return [
            Recommendation(
                advice=advice,
                code=d.code,
                priority=d.priority,
                title=d.title[:200],
                rationale=d.rationale,
                params=d.params,
                programme=eligible.get(d.programme_code or ""),
                position=i,
            )
            for i, d in enumerate(drafts)
        ]


def _fill(advice: Advice, score: BusinessScore, computed_at: dt.datetime) -> Advice:
    """``advice`` ready with ``score``'s figures (not saved)."""
    advice.forecaster_version = score.forecaster_version
    advice.growth_version = score.growth_version
    advice.cutoff = score.cutoff
    advice.forecast = score.forecast
    advice.growth_probability = score.growth_probability
    advice.drivers = score.drivers
    advice.benchmarks = score.benchmarks
    advice.market_trend = score.market_trend
    fresh = score.freshness
    advice.profile = {
        **score.profile,
        # how current its data was when computed (the page says it again from the records)
        "stale": score.stale,
        "months_silent": fresh.months_silent if fresh is not None else None,
    }
    advice.status, advice.error = Advice.Status.READY, ""
    advice.computed_at = computed_at
    return advice


def _evaluate(advice: Advice) -> tuple[BusinessScore, list[Recommendation]] | str:
    """Score the advice's business and apply the rules: the score and the (unsaved)
    recommendations, or why they could not be made (what the advice then says)."""
    try:
        score = score_business(advice.business)  # keeps its SUNAT status on it for the rules
        return score, _recommendations(advice, score)
    except ScoringUnavailableError as error:
        return str(error)
    except Exception as error:  # the advice says why; the worker stays up
        logger.exception("advice for business %s failed", advice.business_id)
        return f"{type(error).__name__}: {error}"


def _store(advice: Advice, score: BusinessScore, recommendations: list[Recommendation]) -> Advice:
    """``advice`` ready with its figures and recommendations, saved; the business's current
    score follows it (the caseload sorts and alerts on the score the advisor has just seen)."""
    _fill(advice, score, timezone.now()).save()
    Recommendation.objects.bulk_create(recommendations)
    latest_score_from_advice(advice)
    return advice


def advice_compute(advice_id: int) -> Advice:
    """Score the advice's business, apply the rules and store the result; ``ready`` advice is
    left as it is. Failures are recorded on the advice (``failed`` with the reason)."""
    advice = Advice.objects.select_related("business", "business__sunat").get(pk=advice_id)
    if advice.status == Advice.Status.READY:
        return advice
    outcome = _evaluate(advice)
    if isinstance(outcome, str):
        Advice.objects.filter(pk=advice_id).update(
            status=Advice.Status.FAILED, error=outcome, computed_at=timezone.now()
        )
        advice.refresh_from_db()
        return advice
    with transaction.atomic():
        locked = Advice.objects.select_for_update().get(pk=advice_id)
        if locked.status == Advice.Status.READY:  # another worker finished it meanwhile
            return locked
        locked.business = advice.business  # loaded above: no new query
        locked.recommendations.all().delete()  # leftovers of an earlier failed attempt
        return _store(locked, *outcome)


def advice_compute_now(*, business: Business, user) -> Advice:
    """Compute advice for ``business`` and store it, synchronously (API, tests, commands).

    One transaction, so one commit (each commit waits for the disk, ~4 ms on PostgreSQL), and
    the advice written once, with its figures (an INSERT, no later UPDATE of its JSON): the
    business is scored before the advice row exists. A failure is stored on the advice as
    usual; a database error while writing rolls everything back and is raised to the caller."""
    advice = Advice(business=business, requested_by=user)
    with transaction.atomic():
        outcome = _evaluate(advice)
        if isinstance(outcome, str):
            advice.status, advice.error = Advice.Status.FAILED, outcome
            advice.computed_at = timezone.now()
            advice.save()
            return advice
        return _store(advice, *outcome)


ADVICE_BATCH_SIZE = 1000


def advice_batch_refresh(*, business_ids: list[int] | None = None) -> dict[str, int]:
    """Current advice for every business (``business_ids``: these only), so that each business
    page shows its figures on the first visit: after the nightly scoring job and at ``make
    run``'s first start.

    Every business's score comes from the scoring snapshot (the serving path over the whole
    panel, :func:`forecasting.scoring.snapshot.scores_all`: the drivers of all rows in one
    vectorised call), the rules run per business, and the advice and recommendations are
    written in bulk, ``ADVICE_BATCH_SIZE`` businesses per transaction. A business whose advice
    is already current (same cut-off and model versions, and the growth probability and next
    three months of its current score: its data did not change) is skipped, so running it
    again does nothing; a new advice is a new row, so older advice and the verdicts given on
    it stay in the business's history. A stale business gets advice too, with its forecast
    withheld and the reason. Returns how many were ``computed`` and ``skipped``.

    Raises :class:`ScoringUnavailableError` without production models."""
    if business_ids is None:  # those without records too: advice says what to ask for
        business_ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    # Nothing to do (a second start, a redelivered task): known before the snapshot is built.
    f_version, g_version = production_versions()
    done = _with_current_advice(
        cutoff=registry_latest_month(),
        forecaster=f_version,
        growth=g_version,
        business_ids=business_ids,
    )
    if len(done) == len(set(business_ids)):
        return {"computed": 0, "skipped": len(done)}
    scores = scores_all(business_ids)
    if not scores:
        return {"computed": 0, "skipped": 0}
    first = scores[0]
    current = _with_current_advice(
        cutoff=first.cutoff,
        forecaster=first.forecaster_version,
        growth=first.growth_version,
        business_ids=[s.business_id for s in scores],
    )
    todo = [s for s in scores if s.business_id not in current]
    codes = set(PROGRAMME_FOR.values())
    programmes = active_programmes(codes)
    for start in range(0, len(todo), ADVICE_BATCH_SIZE):
        part = todo[start : start + ADVICE_BATCH_SIZE]
        businesses = Business.objects.select_related("sector", "sunat").in_bulk(
            [s.business_id for s in part]
        )
        computed_at = timezone.now()
        with transaction.atomic():
            advices = Advice.objects.bulk_create(
                [
                    _fill(Advice(business=businesses[s.business_id]), s, computed_at)
                    for s in part
                    if s.business_id in businesses
                ]
            )
            by_business = {a.business_id: a for a in advices}
            rows = []
            for score in part:
                advice = by_business.get(score.business_id)
                if advice is not None:
                    rows += _recommendations(advice, score, programmes)
            Recommendation.objects.bulk_create(rows, batch_size=2000)
            latest_scores_from_advices(advices)
    logger.info("batch advice: %d computed, %d already current", len(todo), len(current))
    return {"computed": len(todo), "skipped": len(current)}


def _with_current_advice(*, cutoff, forecaster, growth, business_ids: list[int]) -> set[int]:
    """The businesses whose latest advice of this cut-off and these model versions is still
    current: its growth probability and its next three months' expected sales are the current
    score's (data changed since would have moved them; a stale business's are withheld on both
    sides), or the business has no current score (no records). Two queries, over this month's
    advice only."""
    latest: dict[int, tuple] = {}
    rows = (
        Advice.objects.filter(
            status=Advice.Status.READY,
            cutoff=cutoff,
            forecaster_version=forecaster,
            growth_version=growth,
        )
        .order_by("business_id", "created_at", "pk")
        .values_list("business_id", "growth_probability", "forecast")
    )
    for business_id, probability, forecast in rows.iterator(chunk_size=5000):
        means = [m.get("mean") for m in (forecast or [])[:3] if m.get("mean") is not None]
        latest[business_id] = (probability, sum(means) / len(means) if means else None)
    scores = {}
    if latest:
        scores = {
            b: (p, n3)
            for b, p, n3 in LatestScore.objects.filter(business_id__in=list(latest)).values_list(
                "business_id", "growth_probability", "next_3_mean"
            )
        }

    def same(a, b) -> bool:
        return (a is None and b is None) or (
            a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b))
        )

    wanted = set(business_ids)
    return {
        b
        for b, figures in latest.items()
        if b in wanted
        and (b not in scores or all(same(x, y) for x, y in zip(figures, scores[b], strict=True)))
    }
