"""The opportunity map's drill-down page: a region, or a sector of a region, at a size class,
as :mod:`forecasting.market_drill` computes it, put in the reader's words; the page, its CSV
and its xlsx read the same rows, so a download is exactly what is shown."""

from __future__ import annotations

from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from businesses import disclosure
from businesses.models import Region, Sector, SizeClass, in_page_language
from forecasting import market_drill, market_map
from forecasting.market_map import ALL, DIVISION, SECTION, TOTAL
from forecasting.reasons import group_reasons_in_words
from portal.opportunity_map import map_regions

TOP_DRIVERS = 3


def drill_key(user, *, region: str, sector: str, size: str) -> tuple[tuple, Region, str]:
    """The table cell a drill-down link names, checked against what ``user`` may open: 404
    for an unknown region, sector or size class, and for a region outside a coordinator's."""
    region_obj = Region.objects.filter(code=region).first()
    mine = map_regions(user)
    if region_obj is None or (mine is not None and region not in mine):
        raise Http404
    if size != ALL and size not in SizeClass.values:
        raise Http404
    if not sector:
        return (TOTAL, ALL, region, size), region_obj, ""
    found = Sector.objects.filter(code=sector).values_list("section_id", "name", "name_en").first()
    if found is None:
        raise Http404
    section, name, name_en = found
    name = in_page_language(name, name_en)
    level = SECTION if section is None else DIVISION
    return (level, sector, region, size), region_obj, name


def _withheld(reason_code: str) -> str:
    return disclosure.reason_text(reason_code)


def drill_context(user, *, region: str, sector: str, size: str, measure: str) -> dict:
    """Everything the drill-down page and its downloads show, for ``user``."""
    key, region_obj, sector_name = drill_key(user, region=region, sector=sector, size=size)
    drill = market_drill.drill_down(key, disclosure.requester_for(user))
    sizes = dict(SizeClass.choices)
    context = {
        "key": key,
        "level": key[0],
        "region": region_obj,
        "sector": sector,
        "sector_name": sector_name,
        "size": size,
        "size_label": sizes.get(size, "") if size != ALL else "",
        "measure": measure if measure in market_map.MEASURES else market_map.BUSINESSES,
        "businesses": drill.businesses,
        "withheld": _withheld(drill.withheld) if drill.withheld else "",
        "min_businesses": disclosure.rules().min_contributors,
        "divisions": drill.divisions,
        "trend": None,
        "forecast": None,
        "forecast_withheld": "",
        "drivers": None,
        "drivers_withheld": "",
    }
    if drill.trend is not None:
        series = drill.trend.get("series", [])
        latest = series[-1] if series else None
        context["trend"] = {
            "series": series,
            "last": drill.trend.get("last"),
            "latest": latest,
            "sector": drill.trend_sector,
        }
    if isinstance(drill.forecast, market_drill.Withheld):
        context["forecast_withheld"] = _withheld(drill.forecast.reason)
    elif drill.forecast is not None:
        f = drill.forecast
        context["forecast"] = {
            "n": f["n"],
            "history": [],  # the chart draws the forecast alone: no business's records
            "months": [
                {
                    "period": m,
                    "mean": float(f["mean"][i]),
                    "p10": float(f["p10"][i]),
                    "p90": float(f["p90"][i]),
                }
                for i, m in enumerate(f["months"])
            ],
            "total": {"mean": float(f["total_mean"]), "p10": f["total_p10"], "p90": f["total_p90"]},
        }
    if isinstance(drill.drivers, market_drill.Withheld):
        context["drivers_withheld"] = _withheld(drill.drivers.reason)
    elif drill.drivers:
        context["drivers"] = group_reasons_in_words(
            drill.drivers, top=TOP_DRIVERS, min_businesses=context["min_businesses"]
        )
        context["drivers_n"] = len(drill.drivers)
    return context


def _place(context: dict) -> str:
    parts = [context["region"].name]
    if context["sector"]:
        parts.append(f"{context['sector']} {context['sector_name']}")
    if context["size_label"]:
        parts.append(str(context["size_label"]))
    return " · ".join(parts)


def download_rows(context: dict) -> tuple[list[str], list[list[object]]]:
    """The drill-down as one table (what, month, figure, its low and high ends, note), for the
    CSV and the xlsx: exactly the figures the page shows, withheld ones with their reason."""
    header = [_("Figure"), _("Month"), _("Value"), _("Low (p10)"), _("High (p90)"), _("Note")]
    rows: list[list[object]] = []
    if context["withheld"]:
        rows.append([_("Everything"), "", _("withheld"), "", "", context["withheld"]])
        return header, rows
    trend = context["trend"]
    if trend:
        for m in trend["series"]:
            month = f"{m['period']:%Y-%m}"
            for name, label, value in (
                ("average_sales", _("Average sales per reporting business"), m["average_sales"]),
                ("yoy", _("Sales, last 12 months against the 12 before"), m["yoy"]),
            ):
                if name in m["withheld"]:
                    rows.append([label, month, _("withheld"), "", "", m["withheld"][name]])
                else:
                    rows.append([label, month, value, "", "", ""])
    forecast = context["forecast"]
    label = _("Expected sales, sum of the businesses")
    if context["forecast_withheld"]:
        rows.append([label, "", _("withheld"), "", "", context["forecast_withheld"]])
    elif forecast:
        for m in forecast["months"]:
            rows.append([label, f"{m['period']:%Y-%m}", m["mean"], m["p10"], m["p90"], ""])
        t = forecast["total"]
        rows.append(
            [_("Expected sales, next 6 months"), "", t["mean"], t["p10"], t["p90"], band_method()]
        )
    if context["drivers_withheld"]:
        rows.append(
            [_("Drivers of growth"), "", _("withheld"), "", "", context["drivers_withheld"]]
        )
    elif context["drivers"]:
        for r in context["drivers"]["up"]:
            rows.append([_("Raises growth"), "", r["label"], "", "", r["text"]])
        for r in context["drivers"]["down"]:
            rows.append([_("Holds growth back"), "", r["label"], "", "", r["text"]])
    return header, rows


def band_method() -> str:
    """How the band of a sum of forecasts is made (said on the page and in the files)."""
    return _(
        "The band of a sum is not the sum of the businesses' bands: it assumes the businesses "
        "independent of each other (a business's months move together), which leaves out "
        "shocks that hit a whole market at once; the true range can be wider."
    )


def download_note(context: dict) -> list[list[str]]:
    """The lines under a drill-down download: what it is, and the disclosure rules applied."""
    when = context["trend"]["last"] if context["trend"] and context["trend"]["last"] else None
    what = _("Opportunity map, drill-down: %(place)s") % {"place": _place(context)}
    if when:
        what += " · " + _("data up to %(month)s") % {
            "month": date_format(when, "YEAR_MONTH_FORMAT")
        }
    return [[what], [disclosure_note(context["min_businesses"])]]


def disclosure_note(n: int) -> str:
    """The disclosure note every opportunity-map download carries."""
    return _(
        "Disclosure control: a figure is withheld unless at least %(n)s businesses besides the "
        "reader's own contribute to it and it cannot be worked out from the figures around it; "
        "only businesses not created or fed by partner systems contribute."
    ) % {"n": n}
