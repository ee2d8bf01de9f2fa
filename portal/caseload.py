"""The caseload: an advisor's businesses searched, filtered, sorted and paginated, with their
latest figures and scores, and the alerts shown above the list.

Every read starts from :func:`businesses.scoping.visible_businesses`. What each row shows comes in
the page's one query: the latest score by an indexed join (``forecasting.LatestScore``, one row
per business, kept current by advice and by every prediction job, the nightly one included,
with when and by which model versions it was computed), the last month's sales and the
last advice and visit dates by correlated subqueries that each hit an index. The query count
does not depend on the rows shown, and sorting by a score is an indexed join at any size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from businesses.freshness import (
    STALE_REASON,
    SUNAT_REASON,
    business_sunat,
    registry_latest_month,
    stale_condition,
    stale_flags,
)
from businesses.models import Business, MonthlyRecord, SunatStatus
from businesses.scoping import visible_businesses
from businesses.search import businesses_matching
from feedback.models import Visit
from forecasting.advice.rules import FALLING_FORECAST_DROP, GROWTH_OPPORTUNITY_PROBABILITY
from forecasting.advice.selectors import VERSION_RECORD
from forecasting.models import Advice

# Growth-score bands: "high" starts where the advice rules call a business a growth
# opportunity; "none" is a business without a score yet.
MEDIUM_GROWTH_PROBABILITY = 0.40
GROWTH_BANDS = {
    "high": _("High (70 % or more)"),
    "medium": _("Medium (40–70 %)"),
    "low": _("Low (under 40 %)"),
    "none": _("Not scored yet"),
}
# Sort keys in the URL (``?sort=-growth``): label and the expression sorted on.
SORTS = {
    # the name the column shows (trade name, else legal name), accents and case ignored
    "name": (_("Name"), "sort_name"),
    "last_sales": (_("Last month's sales"), "last_sales"),
    "growth": (_("Growth probability"), "latest_score__growth_probability"),
    "change": (_("Forecast change"), "latest_score__forecast_change"),
    "last_advice": (_("Last advice"), "last_advice_at"),
}
# SUNAT's padrón (businesses.sunat): the caseload's ``sunat`` filter, each with its count.
SUNAT_FILTERS = {
    "not_active": _("Not ACTIVO"),
    "not_located": _("NO HABIDO / NO HALLADO"),
    "any": _("Any SUNAT alert"),
}
ALERTS = ("stale", "sunat", "falling", "growth", "no_advice", "no_visit")
ALERT_EXAMPLES = 3  # businesses named in each alert; the link lists them all


@dataclass(frozen=True)
class CaseloadQuery:
    """What the advisor asked for: search, filters, alert, sort (``-`` for descending)."""

    search: str = ""
    sector: str = ""
    region: str = ""
    size_class: str = ""
    growth_band: str = ""
    advisor: int | None = None
    sunat: str = ""
    alert: str = ""
    sort: str = "name"


def _since(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _recent_advice(days: int):
    return Advice.objects.filter(business=OuterRef("pk"), created_at__gte=_since(days))


def _recent_visit(days: int):
    since = timezone.localdate() - dt.timedelta(days=days)
    return Visit.objects.filter(business=OuterRef("pk"), date__gte=since)


def sunat_conditions() -> dict:
    """Each SUNAT filter as a condition on businesses (:data:`SUNAT_FILTERS`); the tests of
    status and condition are :class:`SunatStatus`'s."""
    return {
        "not_active": Q(sunat__status__isnull=False) & ~Q(sunat__status=SunatStatus.ACTIVE),
        "not_located": SunatStatus.not_located_q(),
        "any": SunatStatus.flagged_q(),
    }


def sunat_filter_counts(*, user) -> dict[str, int]:
    """How many of the user's businesses each SUNAT filter keeps (one query)."""
    return visible_businesses(user).aggregate(
        **{code: Count("pk", filter=condition) for code, condition in sunat_conditions().items()}
    )


def alert_conditions() -> dict:
    """Each alert as a condition on businesses (also the caseload's ``alert`` filter)."""
    return {
        # no recent data (businesses.freshness): its forecast is withheld; ask for its records
        "stale": stale_condition(),
        # SUNAT says it is not ACTIVO or not HABIDO (businesses.sunat)
        "sunat": SunatStatus.flagged_q(),
        # A short or intermittent series' forecast swings without meaning a fall.
        "falling": Q(
            latest_score__forecast_change__lt=-FALLING_FORECAST_DROP,
            latest_score__uncertain=False,
        ),
        "growth": Q(latest_score__growth_probability__gte=GROWTH_OPPORTUNITY_PROBABILITY),
        "no_advice": ~Exists(_recent_advice(settings.ALERT_NO_ADVICE_DAYS)),
        "no_visit": ~Exists(_recent_visit(settings.ALERT_NO_VISIT_DAYS)),
    }


def _growth_band(band: str) -> Q:
    p = "latest_score__growth_probability"
    return {
        "high": Q(**{f"{p}__gte": GROWTH_OPPORTUNITY_PROBABILITY}),
        "medium": Q(
            **{f"{p}__gte": MEDIUM_GROWTH_PROBABILITY, f"{p}__lt": GROWTH_OPPORTUNITY_PROBABILITY}
        ),
        "low": Q(**{f"{p}__lt": MEDIUM_GROWTH_PROBABILITY}),
        "none": Q(**{f"{p}__isnull": True}),
    }.get(band, Q())


def _latest(model, field: str, *order: str):
    return Subquery(
        model.objects.filter(business=OuterRef("pk")).order_by(*order).values(field)[:1]
    )


def _row_figures() -> dict:
    """What a caseload row shows besides the business and its latest score, each one
    correlated subquery on an index."""
    return {
        "last_sales": _latest(MonthlyRecord, "sales", "-period"),
        "last_period": _latest(MonthlyRecord, "period", "-period"),
        "last_advice_at": _latest(Advice, "created_at", "-created_at"),
        "last_visit_on": _latest(Visit, "date", "-date", "-pk"),
    }


def caseload_list(*, user, query: CaseloadQuery) -> QuerySet[Business]:
    """The user's businesses matching ``query``, sorted (missing values last).

    Only the sort key is computed here, so sorting and counting stay cheap for a scope of
    100,000 businesses; :func:`caseload_rows` adds the figures of the page's rows.
    """
    qs = visible_businesses(user)
    if query.sector:
        qs = qs.filter(Q(sector_id=query.sector) | Q(sector__section_id=query.sector))
    if query.region:
        qs = qs.filter(region_id=query.region)
    if query.size_class:
        qs = qs.filter(size_class=query.size_class)
    if query.growth_band:
        qs = qs.filter(_growth_band(query.growth_band))
    if query.advisor:
        qs = qs.filter(advisor_id=query.advisor)
    if query.sunat in SUNAT_FILTERS:
        qs = qs.filter(sunat_conditions()[query.sunat])
    if query.alert in ALERTS:
        qs = qs.filter(alert_conditions()[query.alert])
    qs = businesses_matching(qs, query.search)
    key = query.sort.lstrip("-")
    expression = SORTS.get(key, SORTS["name"])[1]
    if expression in ("last_sales", "last_advice_at"):
        qs = qs.annotate(**{expression: _row_figures()[expression]})
    descending = query.sort.startswith("-")
    order = (
        F(expression).desc(nulls_last=True) if descending else F(expression).asc(nulls_last=True)
    )
    return qs.order_by(order, "sort_name", "pk")


_VERSION_RECORD = [f"latest_score__{name}" for name in VERSION_RECORD]


def caseload_rows(ids: list[int]) -> list[Business]:
    """The businesses ``ids`` (a page of :func:`caseload_list`, already scoped) in that order,
    with everything their rows show, ``stale`` included (businesses.freshness): two queries."""
    rows = (
        Business.objects.filter(pk__in=ids)
        .select_related(
            "sector",
            "region",
            "advisor",
            "latest_score",
            "latest_score__forecaster_version",
            "latest_score__growth_version",
            "sunat",
        )
        .defer(*_VERSION_RECORD)  # rows name the versions only
        .annotate(**_row_figures())
    )
    by_id = {b.pk: b for b in rows}
    ordered = [by_id[pk] for pk in ids if pk in by_id]
    if ordered:
        sunat = [business_sunat(b) for b in ordered]  # loaded with the rows: no query
        deregistered = [s is not None and s.deregistered for s in sunat]
        stale = stale_flags([b.last_period for b in ordered], registry_latest_month(), deregistered)
        for b, flag, baja in zip(ordered, stale, deregistered, strict=True):
            b.stale = bool(flag)
            b.stale_reason_code = (SUNAT_REASON if baja else STALE_REASON) if flag else ""
    return ordered


@dataclass
class Alert:
    code: str
    count: int
    examples: list[Business]


def caseload_alerts(*, user) -> list[Alert]:
    """The alerts above the caseload, over everything the user sees (not the current filter):
    how many businesses each concerns and the most pressing few. One query counts all four;
    one more each names the steepest falls and the strongest opportunities."""
    scope = visible_businesses(user)
    conditions = alert_conditions()
    counts = scope.aggregate(
        **{code: Count("pk", filter=condition) for code, condition in conditions.items()}
    )
    # The most pressing few by their score; businesses without advice or visits have no order
    # worth naming (the link lists them all).
    first = {
        "falling": F("latest_score__forecast_change").asc(),
        "growth": F("latest_score__growth_probability").desc(),
    }
    alerts = []
    for code in ALERTS:
        if not counts[code]:
            continue
        examples = []
        if code in first:
            examples = list(
                scope.filter(conditions[code])
                .select_related("latest_score")
                .order_by(first[code], "pk")[:ALERT_EXAMPLES]
            )
        alerts.append(Alert(code, counts[code], examples))
    return alerts
