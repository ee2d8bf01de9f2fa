"""Selectors that read the registry, always through the user's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.roles import visible_businesses

from .models import Business, MonthlyRecord


def business_list(*, user, search: str = "") -> QuerySet[Business]:
    """The user's caseload, with what the list shows selected in the same query."""
    qs = visible_businesses(user).select_related("sector", "region", "advisor")
    search = search.strip()
    if search:
        if search.isdigit():
            qs = qs.filter(ruc__startswith=search)
        else:
            qs = qs.filter(Q(legal_name__icontains=search) | Q(trade_name__icontains=search))
    return qs.order_by("legal_name", "pk")


def business_records(*, business: Business, months: int = 24) -> list[MonthlyRecord]:
    """The business's latest ``months`` records, oldest first."""
    latest = list(business.records.order_by("-period")[:months])
    return latest[::-1]
