"""The opportunity map: market analysts' home page, also open to coordinators (their regions)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from businesses.models import SizeClass
from core import roles
from core.spreadsheets import csv_lines, xlsx_write
from forecasting.market_map import (
    ALL,
    BUSINESSES,
    CURRENT,
    MEASURES,
    NO,
    YES,
    Filters,
    all_divisions,
    sections_with_businesses,
    time_columns,
)
from portal.opportunity_drill import (
    band_method,
    disclosure_note,
    download_note,
    download_rows,
    drill_context,
)
from portal.opportunity_map import csv_rows, opportunity_map

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choices(request) -> dict:
    """The page's choices from the query string; an unknown value falls back to the default
    (a link, not a form the reader typed into)."""
    get = request.GET
    measure = get.get("measure", BUSINESSES)
    if measure not in MEASURES:
        measure = BUSINESSES
    section = get.get("section", "")
    if section and section not in {code for code, _n in sections_with_businesses()}:
        section = ""
    division = get.get("division", "")
    sections_of = {code: sec for code, _n, sec in all_divisions()}
    if division not in sections_of or (section and sections_of[division] != section):
        division = ""
    size = get.get("size", ALL) or ALL
    if size != ALL and size not in SizeClass.values:
        size = ALL
    women, online = (get.get(k, ALL) or ALL for k in ("women", "online"))
    women = women if women in (YES, NO) else ALL
    online = online if online in (YES, NO) else ALL
    month = get.get("month", CURRENT) or CURRENT
    if month not in time_columns(BUSINESSES):
        month = CURRENT
    filters = Filters(section, division, size, women, online, month)
    return {"measure": measure, "filters": filters, "sort": get.get("sort", "name")[:8]}


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


def _download(kind: str, header: list[str], rows: list, *, name: str, title: str):
    """``rows`` as the CSV or xlsx file ``name``.csv / .xlsx (formula-safe, core.spreadsheets)."""
    if kind == "xlsx":
        out = io.BytesIO()
        xlsx_write(out, header, rows, title=title)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        response = StreamingHttpResponse(
            csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


def _table_download(request, kind: str):
    _allowed(request)
    context = opportunity_map(request.user, **_choices(request))
    header, rows = csv_rows(context)
    what = _(
        "%(measure)s; sector section: %(section)s; division: %(division)s; size class: "
        "%(size)s; women-led: %(women)s; sells online: %(online)s; month: %(month)s"
    ) % {
        "measure": context["measure_label"],
        "section": context["section"] or _("all"),
        "division": context["division"] or _("all"),
        "size": context["size"] if context["size"] != ALL else _("all"),
        "women": dict(context["yes_no"]).get(context["women"], _("all")),
        "online": dict(context["yes_no"]).get(context["online"], _("all")),
        "month": context["month"] if context["month"] != CURRENT else _("current cut-off"),
    }
    rows = [*rows, [], [what], [disclosure_note(context["min_businesses"])]]
    return _download(kind, header, rows, name="mapa-oportunidades", title=_("Opportunity map"))


@login_required
@require_GET
def opportunity_map_csv(request):
    return _table_download(request, "csv")


@login_required
@require_GET
def opportunity_map_xlsx(request):
    return _table_download(request, "xlsx")


def _drill(request, region: str) -> dict:
    _allowed(request)
    return drill_context(
        request.user,
        region=region,
        sector=request.GET.get("sector", "")[:8],
        size=request.GET.get("size", ALL)[:16] or ALL,
        measure=request.GET.get("measure", BUSINESSES),
    )


@login_required
@require_GET
def opportunity_drill_page(request, region: str):
    context = _drill(request, region)
    context["query"] = request.GET.urlencode()
    context["band_method"] = band_method()
    return render(request, "portal/opportunity_drill.html", context)


def _drill_download(request, region: str, kind: str):
    context = _drill(request, region)
    header, rows = download_rows(context)
    rows = [*rows, [], *download_note(context)]
    name = "mapa-oportunidades-" + "-".join(p for p in (region, context["sector"]) if p)
    return _download(kind, header, rows, name=name, title=context["region"].name)


@login_required
@require_GET
def opportunity_drill_csv(request, region: str):
    return _drill_download(request, region, "csv")


@login_required
@require_GET
def opportunity_drill_xlsx(request, region: str):
    return _drill_download(request, region, "xlsx")
