"""Market analysts see aggregated statistics only: an allow-list, not a deny-list.

A user whose only role is ``analyst`` reaches the opportunity map, their account, the language
switch, the probes and the statistics API; every other URL — a business's page, records, advice
or report, the caseload, the admin, the API's business endpoints, and any URL added later —
answers 404 (pages: the business does not exist for them) or 403 (the API), whatever the view
would decide. Their scope is empty besides (``businesses.scoping.visible_businesses``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from core.api_errors import API_PATH_PREFIX
from core.roles import is_analyst_only

ANALYST_PATHS = (
    "/opportunities/",
    "/login/",
    "/logout/",
    "/account/",
    "/password/",
    "/i18n/",
    "/health/",
    "/healthz",
    "/readyz",
    "/static/",
    "/favicon.ico",
    "/api/v1/statistics/",
    "/api/v1/market-trends/",
    "/api/v1/schema/",
    "/api/v1/docs/",
)


def analyst_may_reach(path: str) -> bool:
    return path == "/" or path.startswith(ANALYST_PATHS)


class AnalystScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and is_analyst_only(user) and not analyst_may_reach(request.path):
            if request.path.startswith(API_PATH_PREFIX):
                raise PermissionDenied(_("Market analysts read aggregated statistics only."))
            raise Http404
        return self.get_response(request)
