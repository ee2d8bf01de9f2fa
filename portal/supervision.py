"""What a regional coordinator sees about the advisors of their regions: caseload sizes, advice
requested, verdicts and acceptance by recommendation code, ratings, outcomes, visits, and who
did what and when. A fixed number of queries, whatever the number of advisors or rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from businesses import scoping
from businesses.models import Business, BusinessAssignment, Region
from feedback.models import AdviceRating, LabelOverride, Outcome, RecommendationFeedback, Visit
from feedback.selectors import verdict_comment_list
from forecasting.advice.rules import recommendation_title
from forecasting.models import Advice, Recommendation

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
ACTIVITY_SHOWN = 30

ACTIVITY_LABELS = {
    "verdict": _("verdict on a recommendation"),
    "rating": _("rated the advice"),
    "override": _("overrode the growth label"),
    "outcome": _("recorded an outcome"),
    "visit": _("recorded a visit"),
    "assignment": _("reassigned the business"),
    "advice": _("requested advice"),
}


@dataclass
class AdvisorRow:
    user_id: int | None
    name: str = ""
    caseload: int = 0
    advice: int = 0
    verdicts: int = 0
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    ratings: int = 0
    rating_avg: float | None = None
    overrides: int = 0
    outcomes: int = 0
    visits: int = 0

    @property
    def acceptance(self) -> float | None:
        return (self.accepted + self.edited) / self.verdicts if self.verdicts else None


@dataclass
class Activity:
    kind: str
    when: dt.datetime | dt.date
    who: object
    business: Business
    detail: str = ""

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS[self.kind]


@dataclass
class Dashboard:
    regions: list[Region]
    days: int
    since: dt.datetime
    advisors: list[AdvisorRow] = field(default_factory=list)
    unassigned: int = 0
    by_code: list[dict] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    activity: list[Activity] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    comments: list[RecommendationFeedback] = field(default_factory=list)


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def _latest_verdicts(recommendations_in_scope):
    """Each recommendation's latest verdict (a changed mind counts once, as it ended)."""
    newer = RecommendationFeedback.objects.filter(
        recommendation=OuterRef("recommendation"), created_at__gt=OuterRef("created_at")
    )
    return RecommendationFeedback.objects.filter(
        recommendation__in=recommendations_in_scope
    ).exclude(Exists(newer))


def supervision_dashboard(*, user, days: int = DEFAULT_PERIOD) -> Dashboard:
    """The dashboard of the regions ``user`` coordinates, over the last ``days`` days."""
    codes = scoping.supervised_region_codes(user)
    since = timezone.now() - dt.timedelta(days=days)
    board = Dashboard(
        regions=list(Region.objects.filter(code__in=codes).order_by("name")),
        days=days,
        since=since,
    )
    businesses = Business.objects.filter(region_id__in=codes)
    advice = Advice.objects.filter(business__region_id__in=codes, created_at__gte=since)
    recommendations = Recommendation.objects.filter(advice__in=advice)
    verdicts = _latest_verdicts(recommendations)
    ratings = AdviceRating.objects.filter(advice__business__region_id__in=codes).filter(
        created_at__gte=since
    )
    overrides = LabelOverride.objects.filter(business__region_id__in=codes, created_at__gte=since)
    outcomes = Outcome.objects.filter(business__region_id__in=codes, created_at__gte=since)
    visits = Visit.objects.filter(business__region_id__in=codes, created_at__gte=since)
    assignments = BusinessAssignment.objects.filter(
        business__region_id__in=codes, created_at__gte=since
    )

    rows: dict[int | None, AdvisorRow] = {}

    def row(user_id) -> AdvisorRow:
        return rows.setdefault(user_id, AdvisorRow(user_id))

    for r in businesses.order_by().values("advisor").annotate(n=Count("pk")):
        if r["advisor"] is None:
            board.unassigned = r["n"]
        else:
            row(r["advisor"]).caseload = r["n"]
    for r in advice.order_by().values("requested_by").annotate(n=Count("pk")):
        if r["requested_by"] is not None:
            row(r["requested_by"]).advice = r["n"]
    for r in verdicts.order_by().values("created_by", "action").annotate(n=Count("pk")):
        if r["created_by"] is None:
            continue
        target = row(r["created_by"])
        target.verdicts += r["n"]
        setattr(target, r["action"], getattr(target, r["action"]) + r["n"])
    for r in ratings.order_by().values("created_by").annotate(n=Count("pk"), avg=Avg("rating")):
        if r["created_by"] is not None:
            row(r["created_by"]).ratings, row(r["created_by"]).rating_avg = r["n"], r["avg"]
    for qs, attr in ((overrides, "overrides"), (outcomes, "outcomes"), (visits, "visits")):
        for r in qs.order_by().values("created_by").annotate(n=Count("pk")):
            if r["created_by"] is not None:
                setattr(row(r["created_by"]), attr, r["n"])
    people = get_user_model().objects.in_bulk([pk for pk in rows if pk is not None])
    for pk, advisor_row in rows.items():
        advisor_row.name = _name(people.get(pk))
    board.advisors = sorted(rows.values(), key=lambda r: (-r.caseload, r.name))

    made = dict(
        recommendations.order_by().values("code").annotate(n=Count("pk")).values_list("code", "n")
    )
    by_code: dict[str, dict] = defaultdict(lambda: {"accepted": 0, "edited": 0, "rejected": 0})
    for r in verdicts.order_by().values("recommendation__code", "action").annotate(n=Count("pk")):
        by_code[r["recommendation__code"]][r["action"]] += r["n"]
    for code in sorted(set(made) | set(by_code)):
        counts = by_code[code]
        reviewed = counts["accepted"] + counts["edited"] + counts["rejected"]
        board.by_code.append(
            {
                "code": code,
                "label": recommendation_title(code),
                "made": made.get(code, 0),
                "reviewed": reviewed,
                **counts,
                "acceptance": (counts["accepted"] + counts["edited"]) / reviewed
                if reviewed
                else None,
            }
        )
    board.outcomes = list(
        outcomes.select_related("business", "created_by", "recommendation").order_by(
            "-date", "-pk"
        )[:10]
    )
    board.activity = _activity(
        advice=advice,
        verdicts=RecommendationFeedback.objects.filter(
            recommendation__advice__business__region_id__in=codes, created_at__gte=since
        ),
        ratings=ratings,
        overrides=overrides,
        outcomes=outcomes,
        visits=visits,
        assignments=assignments,
    )
    board.comments = verdict_comment_list(
        recommendations=Recommendation.objects.filter(advice__business__region_id__in=codes),
        since=since,
        limit=ACTIVITY_SHOWN,
    )
    board.totals = {
        "businesses": sum(r.caseload for r in board.advisors) + board.unassigned,
        "advice": sum(r.advice for r in board.advisors),
        "verdicts": sum(r.verdicts for r in board.advisors),
        "outcomes": sum(r.outcomes for r in board.advisors),
    }
    return board


def _activity(*, advice, verdicts, ratings, overrides, outcomes, visits, assignments):
    """Who did what and when: the latest rows of every kind, merged newest first."""
    n = ACTIVITY_SHOWN
    items = chain(
        (
            Activity("advice", a.created_at, a.requested_by, a.business, a.get_status_display())
            # requested by a person: the nightly scoring's advice for every business is nobody's
            # act and would bury the feed under a row per business
            for a in advice.filter(requested_by__isnull=False)
            .select_related("requested_by", "business")
            .order_by("-created_at")[:n]
        ),
        (
            Activity(
                "verdict",
                f.created_at,
                f.created_by,
                f.recommendation.advice.business,
                f"{f.get_action_display()}: {recommendation_title(f.recommendation.code)}",
            )
            for f in verdicts.select_related(
                "created_by", "recommendation__advice__business"
            ).order_by("-created_at")[:n]
        ),
        (
            Activity("rating", r.created_at, r.created_by, r.advice.business, f"{r.rating}/5")
            for r in ratings.select_related("created_by", "advice__business").order_by(
                "-created_at"
            )[:n]
        ),
        (
            Activity("override", o.created_at, o.created_by, o.business, o.get_label_display())
            for o in overrides.select_related("created_by", "business").order_by("-created_at")[:n]
        ),
        (
            Activity("outcome", o.created_at, o.created_by, o.business, o.action_taken)
            for o in outcomes.select_related("created_by", "business").order_by("-created_at")[:n]
        ),
        (
            Activity("visit", v.created_at, v.created_by, v.business, v.get_channel_display())
            for v in visits.select_related("created_by", "business").order_by("-created_at")[:n]
        ),
        (
            Activity(
                "assignment",
                a.created_at,
                a.created_by,
                a.business,
                f"{_name(a.from_advisor) if a.from_advisor else '—'} → {_name(a.to_advisor)}: "
                f"{a.reason}",
            )
            for a in assignments.select_related(
                "created_by", "business", "from_advisor", "to_advisor"
            ).order_by("-created_at")[:n]
        ),
    )
    return sorted(items, key=lambda item: item.when, reverse=True)[:n]


def reassignment_candidates(*, user, ids) -> list[Business]:
    """Businesses chosen for reassignment, as the supervisor may see them (for the form)."""
    codes = scoping.supervised_region_codes(user)
    return list(
        scoping.visible_businesses(user)
        .filter(region_id__in=codes, pk__in=ids)
        .select_related("advisor")
        .order_by("legal_name")
    )
