"""The opportunity map: market analysts' home page, also open to coordinators (their regions)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from businesses.models import SizeClass
from core import roles
from core.spreadsheets import csv_lines
from forecasting.market_map import ALL, BUSINESSES, MEASURES, sections_with_businesses
from portal.opportunity_map import csv_rows, opportunity_map


def _choices(request) -> dict:
    """The page's choices from the query string; an unknown value falls back to the default
    (a link, not a form the reader typed into)."""
    measure = request.GET.get("measure", BUSINESSES)
    section = request.GET.get("section", "")
    size = request.GET.get("size", ALL) or ALL
    if measure not in MEASURES:
        measure = BUSINESSES
    if section and section not in {code for code, _n in sections_with_businesses()}:
        section = ""
    if size != ALL and size not in SizeClass.values:
        size = ALL
    return {
        "measure": measure,
        "section": section,
        "size": size,
        "sort": request.GET.get("sort", "name")[:8],
    }


def _allowed(request) -> None:
    if not roles.sees_market_map(request.user):
        raise PermissionDenied(
            _("Only market analysts and regional coordinators can open this page.")
        )


@login_required
@require_GET
def opportunity_map_page(request):
    _allowed(request)
    choices = _choices(request)
    context = opportunity_map(request.user, **choices)
    query = request.GET.copy()
    query.pop("sort", None)
    context["query_without_sort"] = query.urlencode()
    context["query"] = request.GET.urlencode()
    return render(request, "portal/opportunities.html", context)


@login_required
@require_GET
def opportunity_map_csv(request):
    _allowed(request)
    context = opportunity_map(request.user, **_choices(request))
    header, rows = csv_rows(context)
    note = _(
        "Disclosure control: a figure is withheld unless at least %(n)s businesses besides the "
        "reader's own contribute to it and it cannot be worked out from the figures around it; "
        "only businesses not created or fed by partner systems contribute."
    ) % {"n": context["min_businesses"]}
    what = _("%(measure)s; sector section: %(section)s; size class: %(size)s") % {
        "measure": context["measure_label"],
        "section": context["section"] or _("all"),
        "size": context["size"] if context["size"] != ALL else _("all"),
    }
    rows = [*rows, [], [what], [note]]
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mapa-oportunidades.csv"'
    return response
