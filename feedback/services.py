"""Feedback services: advisors annotate the advice of the businesses they can see.

Every object is loaded through :func:`businesses.scoping.visible_businesses`: a recommendation or
advice of a business outside the user's scope does not exist for them (``Http404``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from businesses.models import Business
from businesses.scoping import visible_businesses
from feedback.models import AdviceRating, LabelOverride, Outcome, RecommendationFeedback, Visit
from forecasting.models import Advice, Recommendation


def _visible_advice(user, advice_id, *, business: Business | None = None) -> Advice:
    qs = Advice.objects.filter(business__in=visible_businesses(user))
    if business is not None:
        qs = qs.filter(business=business)
    try:
        return qs.get(pk=advice_id)
    except (Advice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _visible_recommendation(user, recommendation_id, *, business: Business | None = None):
    qs = Recommendation.objects.filter(advice__business__in=visible_businesses(user))
    if business is not None:
        qs = qs.filter(advice__business=business)
    try:
        return qs.select_related("advice").get(pk=recommendation_id)
    except (Recommendation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@transaction.atomic
def recommendation_feedback_create(
    *,
    user,
    recommendation_id: int,
    action: str,
    edited_title: str = "",
    edited_rationale: str = "",
    comment: str = "",
    business: Business | None = None,
) -> RecommendationFeedback:
    """Accept, reject or edit a recommendation (an edit keeps the original beside it)."""
    recommendation = _visible_recommendation(user, recommendation_id, business=business)
    edited_title, edited_rationale = edited_title.strip(), edited_rationale.strip()
    if action == RecommendationFeedback.Action.EDITED and not (edited_title or edited_rationale):
        raise ValidationError(_("An edit needs a new title or a new rationale."), code="empty_edit")
    if action != RecommendationFeedback.Action.EDITED:
        edited_title = edited_rationale = ""
    feedback = RecommendationFeedback(
        recommendation=recommendation,
        action=action,
        edited_title=edited_title,
        edited_rationale=edited_rationale,
        comment=comment.strip(),
        created_by=user,
    )
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def advice_rate(
    *, user, advice_id: int, rating: int, comment: str = "", business: Business | None = None
) -> AdviceRating:
    """Rate a whole advice from 1 to 5; rating it again replaces the user's earlier rating."""
    advice = _visible_advice(user, advice_id, business=business)
    if advice.status != Advice.Status.READY:
        raise ValidationError(_("Only ready advice can be rated."), code="not_ready")
    existing = AdviceRating.objects.filter(advice=advice, created_by=user).first()
    rating_row = existing or AdviceRating(advice=advice, created_by=user)
    rating_row.rating, rating_row.comment = rating, comment.strip()
    rating_row.full_clean(validate_constraints=False)
    rating_row.save()
    return rating_row


@transaction.atomic
def label_override_create(
    *, user, advice_id: int, label: str, reason: str, business: Business | None = None
) -> LabelOverride:
    """Say whether the business will grow; training reads it as the label at the advice's
    cut-off. A reason is required."""
    advice = _visible_advice(user, advice_id, business=business)
    if advice.status != Advice.Status.READY or advice.cutoff is None:
        raise ValidationError(_("Only ready advice can be overridden."), code="not_ready")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the model is wrong here.")}, code="no_reason")
    override = LabelOverride(
        advice=advice,
        business_id=advice.business_id,
        cutoff=advice.cutoff,
        label=label,
        reason=reason.strip(),
        created_by=user,
    )
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def outcome_record(
    *,
    user,
    business_id: int,
    action_taken: str,
    date: dt.date,
    result: str = "",
    sales_change: Decimal | None = None,
    recommendation_id: int | None = None,
) -> Outcome:
    """Record what the business did (optionally after a given recommendation) and what came
    of it. The rules of the date and the sales change are the model's (feedback.validators):
    a ``ValidationError`` keyed by field says what is wrong."""
    try:
        business = visible_businesses(user).get(pk=business_id)
    except (Business.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    recommendation = None
    if recommendation_id:
        recommendation = _visible_recommendation(user, recommendation_id, business=business)
    outcome = Outcome(
        business=business,
        advice_id=recommendation.advice_id if recommendation else None,
        recommendation=recommendation,
        action_taken=action_taken.strip(),
        date=date,
        result=result.strip(),
        sales_change=sales_change,
        created_by=user,
    )
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def visit_record(*, user, business_id: int, date: dt.date, channel: str, note: str = "") -> Visit:
    """Record a contact with a business (visit, call, video call) by the user; its date is
    neither in the future nor before the business started trading (feedback.validators)."""
    try:
        business = visible_businesses(user).get(pk=business_id)
    except (Business.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    visit = Visit(business=business, date=date, channel=channel, note=note.strip(), created_by=user)
    visit.full_clean()
    visit.save()
    return visit
