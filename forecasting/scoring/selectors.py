"""Reading the current scores (:class:`~forecasting.models.LatestScore`): the one scoring result
of each business, which every surface shows (the caseload, the business page, the owner's
report, the API's advice, ``manage.py score``), and their aggregates."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from businesses import disclosure
from businesses.freshness import Freshness, business_freshness
from businesses.models import Business
from forecasting.advice.selectors import VERSION_RECORD
from forecasting.models import FORECAST_HORIZONS, Advice, LatestScore, PredictionResult
from forecasting.scoring.snapshot import forecast_period

# Why a month carries ``models_disagree`` (forecasting.engine.bands): said wherever it goes out.
MODELS_DISAGREE_REASON = _(
    "The expected-sales model and the range model disagreed by more than a factor of two for "
    "this month; the expected value and the range were brought together, and the month is less "
    "certain than its range suggests."
)


def models_disagree_reason(month: dict) -> str:
    """The reason a forecast month is flagged, in the active language ("" when it is not)."""
    return str(MODELS_DISAGREE_REASON) if month.get("models_disagree") else ""


def sector_forecast_changes(region: str) -> dict[str, float | None]:
    """Per sector of ``region``: the sum of its businesses' expected sales for the next 3
    months against the sum of their last 3 months, minus 1 (sums of expected values, which add
    up), over the contributors :mod:`businesses.disclosure` allows; None below its threshold
    of scored businesses (the market page also withholds it where the sector's sales are)."""
    rows = (
        LatestScore.objects.filter(
            business__region_id=region, next_3_mean__isnull=False, last_3_mean__gt=0
        )
        .exclude(business_id__in=disclosure.untrusted_businesses())
        .order_by()
        .values("business__sector_id")
        .annotate(next_3=Sum("next_3_mean"), last_3=Sum("last_3_mean"), scored=Count("pk"))
    )
    threshold = disclosure.rules().min_contributors
    return {
        r["business__sector_id"]: float(r["next_3"]) / float(r["last_3"]) - 1
        if r["scored"] >= threshold and r["last_3"]
        else None
        for r in rows
    }


def current_score(*, business: Business | int) -> LatestScore | None:
    """The business's current scoring result (forecast, growth probability, when and by which
    model versions): the one figure every surface shows, written by the latest prediction job
    or the latest computed advice, whichever is newer."""
    business_id = business if isinstance(business, int) else business.pk
    return (
        LatestScore.objects.filter(business_id=business_id)
        .select_related("forecaster_version", "growth_version")
        .defer(*VERSION_RECORD)
        .first()
    )


def _score_months(score: LatestScore, advice: Advice | None) -> list[dict] | None:
    """The six months of the record ``score`` points to: its job's result for the business,
    or its advice (``advice`` itself when it is that one). None when the record is gone."""
    if score.job_id is not None:
        result = PredictionResult.objects.filter(
            job_id=score.job_id, business_id=score.business_id
        ).first()
        if result is None:
            return None
        flags = {"short_history": result.short_history, "intermittent": result.intermittent}
        if result.stale:
            return []  # withheld when it was scored
        return [
            {**month, "period": forecast_period(result.cutoff, month["horizon"]), **flags}
            for month in result.forecast()
        ]
    if advice is not None and advice.pk == score.advice_id:
        return advice.forecast
    return Advice.objects.filter(pk=score.advice_id).values_list("forecast", flat=True).first()


def score_figures(
    score: LatestScore | None, advice: Advice | None = None, *, freshness: Freshness | None = None
) -> dict | None:
    """What a surface shows of the current score, as one plain mapping: ``forecast`` (six
    months, from the record the score points to), ``growth_probability``, ``scored_at``,
    ``cutoff``, ``forecaster_version``, ``growth_version``, ``source``, ``advice_id``, and
    ``freshness`` (:class:`~businesses.freshness.Freshness` of the business's records now:
    given, or read here). A stale business's forecast and growth probability are withheld
    (empty, None) whatever was stored: every surface reads them from here. A row stored before
    scores pointed to their record stands aside for ``advice``, if any."""
    months = None
    if score is not None and (score.job_id is not None or score.advice_id is not None):
        months = _score_months(score, advice)
    if months is not None:
        figures = {
            "forecast": months,
            "growth_probability": score.growth_probability,
            "scored_at": score.scored_at,
            "cutoff": score.cutoff,
            "forecaster_version": score.forecaster_version,
            "growth_version": score.growth_version,
            "source": score.source,
            "advice_id": score.advice_id,
        }
    elif advice is None or advice.status != Advice.Status.READY:
        return None
    else:
        figures = {
            "forecast": advice.forecast,
            "growth_probability": advice.growth_probability,
            "scored_at": advice.computed_at or advice.created_at,
            "cutoff": advice.cutoff,
            "forecaster_version": advice.forecaster_version,
            "growth_version": advice.growth_version,
            "source": LatestScore.Source.ADVICE,
            "advice_id": advice.pk,
        }
    if freshness is None:
        freshness = business_freshness(
            score.business_id if score is not None else advice.business_id
        )
    figures["freshness"] = freshness
    if freshness.stale:  # too old to forecast from: withheld, not shown as if trading
        figures.update(forecast=[], growth_probability=None)
    return figures


def current_growth_probabilities(business_ids) -> dict[int, float]:
    """Business id -> growth probability of its current score, for the businesses of
    ``business_ids`` (ids or a values queryset) that have one: the figure every surface shows,
    read, never recomputed (the opportunity map's share of growth opportunities)."""
    return dict(
        LatestScore.objects.filter(business_id__in=business_ids, growth_probability__isnull=False)
        .order_by()
        .values_list("business_id", "growth_probability")
    )


def current_forecast_sums(business_ids) -> dict[int, tuple[dt.date, float]]:
    """Business id -> (cut-off, sum of the expected sales of the next six months) of its
    current score, read from the record the score points to (its prediction job's result or its
    advice: the stored forecast every surface shows, never recomputed), for the businesses of
    ``business_ids`` that have all six expected values. Staleness is the caller's to apply."""
    scores = list(
        LatestScore.objects.filter(business_id__in=business_ids, cutoff__isnull=False)
        .order_by()
        .values_list("business_id", "cutoff", "job_id", "advice_id")
    )
    out: dict[int, tuple[dt.date, float]] = {}
    by_job: dict[int, list[int]] = {}
    by_advice: dict[int, int] = {}
    cutoffs = {b: c for b, c, _j, _a in scores}
    for business, _cutoff, job, advice in scores:
        if job is not None:
            by_job.setdefault(job, []).append(business)
        elif advice is not None:
            by_advice[advice] = business
    means = [PredictionResult.forecast_field("mean", h) for h in FORECAST_HORIZONS]
    for job, businesses in by_job.items():
        rows = (
            PredictionResult.objects.filter(job_id=job, business_id__in=businesses, stale=False)
            .order_by()
            .values_list("business_id", *means)
        )
        for business, *values in rows:
            if all(v is not None and v == v for v in values):
                out[business] = (cutoffs[business], float(sum(values)))
    rows = Advice.objects.filter(pk__in=list(by_advice)).values_list("pk", "forecast")
    for advice, forecast in rows:
        values = [m.get("mean") for m in (forecast or [])]
        if len(values) == len(FORECAST_HORIZONS) and all(v is not None for v in values):
            out[by_advice[advice]] = (cutoffs[by_advice[advice]], float(sum(values)))
    return out


def current_forecast_months(business_ids, *, first_period: str) -> dict[int, dict[str, list]]:
    """Business id -> its current score's six months (``mean``, ``p10``, ``p90``: soles per
    month) for the businesses of ``business_ids`` whose current score forecasts the six months
    from ``first_period`` (``"yyyy-mm"``, the month after the registry's latest): the figures
    every surface shows, read from the record the score points to (its prediction job's result
    or its advice), never recomputed. Left out: no score, a score withheld as stale, or one from
    another cut-off (the months would not add up with the others')."""
    from businesses.freshness import stale_condition

    scores = list(
        LatestScore.objects.filter(business_id__in=business_ids)
        .exclude(business_id__in=Business.objects.filter(stale_condition()).values("pk"))
        .order_by()
        .values_list("business_id", "job_id", "advice_id")
    )
    by_job: dict[int, list[int]] = {}
    advice_ids = []
    for business_id, job_id, advice_id in scores:
        if job_id is not None:
            by_job.setdefault(job_id, []).append(business_id)
        elif advice_id is not None:
            advice_ids.append(advice_id)
    stats = ("mean", "p10", "p90")
    out: dict[int, dict[str, list]] = {}
    columns = [PredictionResult.forecast_field(s, h) for s in stats for h in range(1, 7)]
    for job_id, ids in by_job.items():
        results = PredictionResult.objects.filter(
            job_id=job_id, business_id__in=ids, stale=False
        ).values_list("business_id", "cutoff", *columns)
        for business_id, cutoff, *values in results:
            if forecast_period(cutoff, 1)[:7] != first_period[:7]:
                continue
            out[business_id] = {s: values[6 * i : 6 * i + 6] for i, s in enumerate(stats)}
    advices = Advice.objects.filter(pk__in=advice_ids).values_list("business_id", "forecast")
    for business_id, months in advices:
        months = sorted(months or [], key=lambda m: m.get("horizon", 0))
        if len(months) != 6 or str(months[0].get("period", ""))[:7] != first_period[:7]:
            continue
        out[business_id] = {s: [m.get(s) for m in months] for s in stats}
    return out


def latest_drivers(business_ids) -> list[list[dict]]:
    """The stored reasons (``drivers``) of the growth probability of each business of
    ``business_ids`` that has a ready advice with some: its newest advice's. Prediction jobs
    store no reasons (TreeSHAP is computed per advice), so these come from the advice every
    business gets from the nightly refresh and on request."""
    rows = (
        Advice.objects.filter(business_id__in=business_ids, status=Advice.Status.READY)
        .exclude(drivers=[])
        .order_by("business_id", "-created_at", "-pk")
        .values_list("business_id", "drivers")
    )
    seen: dict[int, list[dict]] = {}
    for business_id, drivers in rows.iterator(chunk_size=2000):
        if business_id not in seen and drivers:
            seen[business_id] = drivers
    return list(seen.values())


def businesses_with_drivers(business_ids) -> set[int]:
    """The businesses of ``business_ids`` that :func:`latest_drivers` has reasons for."""
    return set(
        Advice.objects.filter(business_id__in=business_ids, status=Advice.Status.READY)
        .exclude(drivers=[])
        .order_by()
        .values_list("business_id", flat=True)
        .distinct()
    )
