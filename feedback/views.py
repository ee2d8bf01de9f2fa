"""Feedback forms of the advice section: each posts, acts through a service and returns to
the page with a message (no JavaScript needed). The page's record forms (outcomes, visits), which
come back beside their fields when wrong, are the business page's own views
(portal.business_views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from businesses.scoping import get_visible_business_or_404
from feedback import services
from feedback.forms import AdviceRatingForm, LabelOverrideForm, RecommendationFeedbackForm


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


def _submit(request, pk: int, form_class, *, act, success: str, anchor=None):
    """The shape of every feedback POST: load the business through the scope (404 outside
    it), validate the form, act through a service, and go back to the page with a message.

    ``act(business, data)`` calls the service; ``anchor(data)`` names where to land.
    """
    business = get_visible_business_or_404(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(business)
    data = form.cleaned_data
    try:
        act(business, data)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, success)
    return _back(business, anchor(data) if anchor else "advice")


@login_required
@require_POST
def recommendation_feedback(request, pk: int):
    return _submit(
        request,
        pk,
        RecommendationFeedbackForm,
        act=lambda business, data: services.recommendation_feedback_create(
            user=request.user,
            business=business,
            recommendation_id=data["recommendation"],
            action=data["action"],
            edited_title=data["edited_title"],
            edited_rationale=data["edited_rationale"],
            comment=data["comment"],
        ),
        success=_("Your verdict on the recommendation was saved."),
        anchor=lambda data: f"rec-{data['recommendation']}",
    )


@login_required
@require_POST
def advice_rating(request, pk: int):
    return _submit(
        request,
        pk,
        AdviceRatingForm,
        act=lambda business, data: services.advice_rate(
            user=request.user,
            business=business,
            advice_id=data["advice"],
            rating=data["rating"],
            comment=data["comment"],
        ),
        success=_("Thank you: your rating was saved."),
        anchor=lambda data: "rating",
    )


@login_required
@require_POST
def label_override(request, pk: int):
    return _submit(
        request,
        pk,
        LabelOverrideForm,
        act=lambda business, data: services.label_override_create(
            user=request.user,
            business=business,
            advice_id=data["advice"],
            label=data["label"],
            reason=data["reason"],
        ),
        success=_("Your judgement on growth was saved for the next training."),
        anchor=lambda data: "growth",
    )
