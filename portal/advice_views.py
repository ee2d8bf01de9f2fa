"""Advice pages: request fresh advice, its status as JSON, and the advice section of the
business page (re-rendered by the page's script when advice becomes ready)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from businesses.scoping import get_visible_business_or_404
from businesses.selectors import business_records
from core.queueing import QueueUnavailableError
from forecasting.advice.selectors import advice_latest
from forecasting.advice.services import advice_request
from forecasting.models import Advice
from portal.advice_presenter import business_advice_context


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _status_payload(business, advice: Advice | None) -> dict:
    return {
        "business": business.pk,
        "advice": advice.pk if advice else None,
        "status": advice.status if advice else None,
        "status_label": advice.get_status_display() if advice else _("No advice yet"),
        "finished": advice.is_finished if advice else True,
        "error": advice.error if advice else "",
        "section_url": reverse("businesses:advice_section", kwargs={"pk": business.pk}),
    }


@login_required
@require_POST
def advice_request_view(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    try:
        advice = advice_request(business=business, user=request.user)
    except QueueUnavailableError as error:
        # Nothing was stored; the advice already shown keeps serving.
        message = _(
            "Fresh advice cannot be queued right now (the task queue is not reachable). "
            "The advice shown is still valid; please try again in a few minutes."
        )
        if _wants_json(request):
            payload = _status_payload(business, advice_latest(business=business))
            payload["error"] = str(message)
            response = JsonResponse(payload, status=503)
            response["Retry-After"] = str(error.retry_after)
            return response
        messages.error(request, message)
        return redirect(reverse("businesses:detail", kwargs={"pk": business.pk}) + "#advice")
    if _wants_json(request):
        return JsonResponse(_status_payload(business, advice), status=202)
    messages.info(request, _("Fresh advice was requested; it appears here when it is ready."))
    return redirect(reverse("businesses:detail", kwargs={"pk": business.pk}) + "#advice")


@login_required
@require_GET
def advice_status(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    return JsonResponse(_status_payload(business, advice_latest(business=business)))


def advice_section_context(request, business) -> dict:
    return {
        "business": business,
        "records": business_records(business=business),
        **business_advice_context(business=business, user=request.user),
    }


@login_required
@require_GET
def advice_section(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    return render(
        request, "forecasting/_advice_section.html", advice_section_context(request, business)
    )
