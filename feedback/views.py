"""Feedback forms of the business page: each posts, acts through a service and returns to
the page with a message (no JavaScript needed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.roles import get_visible_business_or_404

from . import services
from .forms import AdviceRatingForm, LabelOverrideForm, OutcomeForm, RecommendationFeedbackForm


def _back(business, anchor: str = "advice"):
    return redirect(reverse("businesses:detail", kwargs={"pk": business.pk}) + f"#{anchor}")


def _errors(request, form_or_error) -> None:
    if isinstance(form_or_error, ValidationError):
        for message in form_or_error.messages:
            messages.error(request, message)
        return
    for field, errors in form_or_error.errors.items():
        label = form_or_error.fields[field].label if field in form_or_error.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
@require_POST
def recommendation_feedback(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    form = RecommendationFeedbackForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(business)
    data = form.cleaned_data
    try:
        services.recommendation_feedback_create(
            user=request.user,
            business=business,
            recommendation_id=data["recommendation"],
            action=data["action"],
            edited_title=data["edited_title"],
            edited_rationale=data["edited_rationale"],
            comment=data["comment"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Your verdict on the recommendation was saved."))
    return _back(business, f"rec-{data['recommendation']}")


@login_required
@require_POST
def advice_rating(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    form = AdviceRatingForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(business)
    try:
        services.advice_rate(
            user=request.user,
            business=business,
            advice_id=form.cleaned_data["advice"],
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Thank you: your rating was saved."))
    return _back(business, "rating")


@login_required
@require_POST
def label_override(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    form = LabelOverrideForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(business)
    try:
        services.label_override_create(
            user=request.user,
            business=business,
            advice_id=form.cleaned_data["advice"],
            label=form.cleaned_data["label"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Your judgement on growth was saved for the next training."))
    return _back(business, "growth")


@login_required
@require_POST
def outcome_record(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(business, "outcomes")
    data = form.cleaned_data
    try:
        services.outcome_record(
            user=request.user,
            business_id=business.pk,
            action_taken=data["action_taken"],
            date=data["date"],
            result=data["result"],
            sales_change=data["sales_change"],
            recommendation_id=data["recommendation"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The outcome was recorded."))
    return _back(business, "outcomes")
