from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from businesses.services import business_reassign
from core import roles
from portal.forms import ReassignForm
from portal.supervision import DEFAULT_PERIOD, PERIODS
from portal.supervision import supervision_dashboard as dashboard_of


@login_required
def home(request):
    user = request.user
    if user.is_staff and not user.groups.exists():
        return redirect("admin:index")
    if roles.has_role(user, roles.SUPERVISOR):
        return redirect("supervision:dashboard")
    if roles.has_role(user, roles.ANALYST):
        return redirect("opportunities:map")
    return redirect("businesses:caseload")


def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the admin's): the
    product's icon, a static file."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def health(request):
    """Liveness and database readiness, for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _supervisor_only(request) -> None:
    if not roles.is_supervisor(request.user):
        raise PermissionDenied(_("Only regional coordinators can open this page."))


@login_required
def supervision_dashboard(request):
    _supervisor_only(request)
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    board = dashboard_of(user=request.user, days=days)
    return render(
        request, "portal/supervision.html", {"board": board, "periods": PERIODS, "days": days}
    )


@login_required
@require_POST
def supervision_reassign(request):
    """Move the businesses ticked on the caseload to another advisor, with a reason."""
    _supervisor_only(request)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    back = back or reverse("businesses:caseload")
    form = ReassignForm(request.POST)
    ids = []
    for value in request.POST.getlist("businesses"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(back)
    try:
        moved = business_reassign(
            user=request.user,
            business_ids=ids,
            advisor=form.cleaned_data["advisor"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    advisor = form.cleaned_data["advisor"]
    messages.success(
        request,
        ngettext(
            "%(n)d business now has %(advisor)s as its advisor.",
            "%(n)d businesses now have %(advisor)s as their advisor.",
            moved,
        )
        % {"n": moved, "advisor": advisor.get_full_name() or advisor.get_username()},
    )
    return redirect(back)
