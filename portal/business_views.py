"""The business pages: the caseload, one business's page with its advice section (requested,
polled and re-rendered here), the market page and the caseload's export."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from businesses.export_views import export_response
from businesses.exports import FORMATS
from businesses.market import market_trend_context
from businesses.scoping import get_visible_business_or_404
from businesses.selectors import business_records
from core import roles
from core.queueing import NoWorkerError, QueueUnavailableError
from feedback import services as feedback_services
from feedback.forms import OutcomeForm, VisitForm
from feedback.selectors import visit_list
from forecasting.advice.selectors import advice_latest
from forecasting.advice.services import advice_request
from forecasting.models import Advice
from forecasting.scoring.selectors import sector_forecast_changes
from forecasting.unserved import advice_fail_if_unserved
from portal.advice_presenter import business_advice_context
from portal.caseload import (
    SORTS,
    caseload_alerts,
    caseload_list,
    caseload_rows,
    sunat_filter_counts,
)
from portal.forms import (
    CaseloadFilterForm,
    ReassignForm,
    advisors_queryset,
    regions_in_scope,
    sectors_in_scope,
)


def _advisors_for_filter(user):
    """Supervisors and stewards filter by advisor; an advisor's caseload is theirs alone."""
    if roles.is_supervisor(user) or roles.sees_every_business(user):
        return list(advisors_queryset())
    return None


@login_required
def caseload(request):
    user = request.user
    advisors = _advisors_for_filter(user)
    form = CaseloadFilterForm(
        request.GET,
        regions=regions_in_scope(user),
        sectors=sectors_in_scope(user),
        advisors=advisors,
        sunat_counts=sunat_filter_counts(user=user),
    )
    query = form.caseload_query()
    # Page over ids (the sort touches one column), then load the page's rows with their figures.
    ids = caseload_list(user=user, query=query).values_list("pk", flat=True)
    page = Paginator(ids, settings.CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = caseload_rows(list(page.object_list))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    sort_links = {}
    for key in SORTS:
        # Numbers read best largest first; names A to Z. A second click reverses.
        default = key if key == "name" else f"-{key}"
        flipped = default[1:] if default.startswith("-") else f"-{default}"
        target = flipped if query.sort == default else default
        sort_links[key] = {
            "url": "?" + urlencode({**params, "sort": target}),
            "active": query.sort.lstrip("-") == key,
            "descending": query.sort.startswith("-"),
        }
    context = {
        "form": form,
        "query": query,
        "page": page,
        "page_params": urlencode(params),
        "sort_links": sort_links,
        "alerts": caseload_alerts(user=user),
        "alert_days": {
            "no_advice": settings.ALERT_NO_ADVICE_DAYS,
            "no_visit": settings.ALERT_NO_VISIT_DAYS,
        },
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "can_reassign": roles.is_supervisor(user),
        "reassign_form": ReassignForm() if roles.is_supervisor(user) else None,
    }
    return render(request, "businesses/caseload.html", context)


@login_required
def caseload_export(request, fmt: str):
    """The businesses of the caseload as filtered on the page, as CSV or Excel (the import's
    own columns, so the file can be edited and imported back; scoped and audited)."""
    if fmt not in FORMATS:
        raise Http404
    user = request.user
    form = CaseloadFilterForm(
        request.GET,
        regions=regions_in_scope(user),
        sectors=sectors_in_scope(user),
        advisors=_advisors_for_filter(user),
    )
    selection = caseload_list(user=user, query=form.caseload_query())
    return export_response(
        kind="businesses", fmt=fmt, user=user, queryset=selection, via="caseload"
    )


def _business_page(request, business, *, outcome_form=None, visit_form=None):
    """The business page; a form posted with errors comes back in it, open where it was, with
    each message beside its field and what the user typed kept."""
    context = advice_section_context(request, business)
    context["outcome_form"] = outcome_form or OutcomeForm()
    # the outcome form has a date too: the visit form's ids get their own prefix
    context["visit_form"] = visit_form or VisitForm(auto_id="visit_%s")
    context["visits"] = visit_list(business=business)
    return render(request, "businesses/detail.html", context)


@login_required
def business_detail(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    return _business_page(request, business)


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal onto the form: beside the field it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _focus_first_error(form) -> None:
    # Without JavaScript the page opens at the form (the action's #fragment); autofocus puts
    # the cursor, and a screen reader, on the first field to correct.
    for name in form.errors:
        if name != NON_FIELD_ERRORS and name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _record(request, pk: int, form_class, *, form_kwargs, save, success: str, anchor: str, slot):
    """The shape of the business page's record forms (outcome, visit): valid input is saved
    through its service and the page is shown again at the new row (post/redirect/get); input
    with errors re-renders the page with the form open and the input kept."""
    business = get_visible_business_or_404(request.user, pk)
    form = form_class(request.POST, business=business, **form_kwargs)
    if form.is_valid():
        try:
            save(business, form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, success)
            url = reverse("businesses:detail", kwargs={"pk": business.pk})
            return redirect(f"{url}#{anchor}")
    _focus_first_error(form)
    return _business_page(request, business, **{slot: form})


@login_required
@require_POST
def outcome_record(request, pk: int):
    return _record(
        request,
        pk,
        OutcomeForm,
        form_kwargs={},
        save=lambda business, data: feedback_services.outcome_record(
            user=request.user,
            business_id=business.pk,
            action_taken=data["action_taken"],
            date=data["date"],
            result=data["result"],
            sales_change=data["sales_change"],
            recommendation_id=data["recommendation"],
        ),
        success=_("The outcome was recorded."),
        anchor="outcomes",
        slot="outcome_form",
    )


@login_required
@require_POST
def visit_record(request, pk: int):
    return _record(
        request,
        pk,
        VisitForm,
        form_kwargs={"auto_id": "visit_%s"},
        save=lambda business, data: feedback_services.visit_record(
            user=request.user,
            business_id=business.pk,
            date=data["date"],
            channel=data["channel"],
            note=data["note"],
        ),
        success=_("The visit was recorded."),
        anchor="visits",
        slot="visit_form",
    )


@login_required
def market_trends(request):
    context = market_trend_context(request, forecast_changes=sector_forecast_changes)
    return render(request, "businesses/market.html", context)


# --- the advice section ------------------------------------------------------------------------


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
        if isinstance(error, NoWorkerError):
            message = _(
                "Fresh advice cannot be computed right now: no worker is running to compute it. "
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
    advice = advice_fail_if_unserved(advice_latest(business=business))  # no worker: failed, why
    return JsonResponse(_status_payload(business, advice))


def advice_section_context(request, business) -> dict:
    records = business_records(business=business)
    return {
        "business": business,
        "records": records,
        **business_advice_context(business=business, user=request.user, records=records),
    }


@login_required
@require_GET
def advice_section(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    return render(
        request, "forecasting/_advice_section.html", advice_section_context(request, business)
    )
