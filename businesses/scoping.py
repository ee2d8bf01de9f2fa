"""The one place that decides which businesses a user may see.

Every view, API viewset and export reads businesses through :func:`visible_businesses`, and
loads a single business through :func:`get_visible_business_or_404`, so a business outside the
user's scope is simply not there (404), whatever link was followed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from businesses.models import Business, PartnerGrant, Region, SupervisedRegion
from core.roles import ADVISOR, PARTNER, SUPERVISOR, role_names, sees_every_business


def visible_businesses(user) -> QuerySet[Business]:
    """The businesses ``user`` may see: the single source of truth for scoping.

    - superuser and steward: all businesses;
    - supervisor: the businesses of the regions they coordinate;
    - advisor: the businesses assigned to them;
    - partner: the businesses it submitted or was granted (:class:`businesses.models.PartnerGrant`),
      while the partner is active;
    - anyone else, or an inactive or anonymous user: none.
    A user with several roles sees the union.
    """
    if not (user.is_authenticated and user.is_active):
        return Business.objects.none()
    if sees_every_business(user):
        return Business.objects.all()
    roles = role_names(user)
    scope = Q(pk__in=[])
    if SUPERVISOR in roles:
        scope |= Q(region__in=user.supervised_regions.values("region"))
    if ADVISOR in roles or SUPERVISOR in roles:
        scope |= Q(advisor=user)
    if PARTNER in roles:
        # A subquery, not a join: still one query, and no duplicate rows in a union of roles.
        scope |= Q(
            pk__in=PartnerGrant.objects.filter(partner__user=user, partner__active=True).values(
                "business_id"
            )
        )
    if scope == Q(pk__in=[]):
        return Business.objects.none()
    return Business.objects.filter(scope)


def get_visible_business_or_404(user, pk) -> Business:
    """Load one business through the scope: outside it, the business does not exist (404).
    Its SUNAT status comes with it (the pages show it, and freshness reads it)."""
    scope = visible_businesses(user)
    try:
        return scope.select_related("sector", "region", "advisor", "sunat").get(pk=pk)
    except (scope.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def supervised_region_codes(user) -> list[str]:
    """The regions a supervisor coordinates (every region for a superuser)."""
    if user.is_superuser:
        return list(Region.objects.values_list("code", flat=True))
    return list(
        SupervisedRegion.objects.filter(user=user).values_list("region_id", flat=True).order_by()
    )
