"""Who is calling the API, what they may do, and how often.

- :class:`ApiKeyAuthentication`: ``Authorization: Api-Key <prefix>.<secret>`` → the partner's
  user, whose scope :func:`businesses.scoping.visible_businesses` decides. Portal users call the API
  with their session (DRF's SessionAuthentication, CSRF included) through the same scoping.
- Failed API-key attempts are counted per client address (``core.client_address``: the
  ``X-Forwarded-For`` header is read only from ``TRUSTED_PROXIES``); past
  ``API_KEY_FAILURE_LIMIT`` within ``API_KEY_FAILURE_WINDOW`` seconds a wrong key from that
  address is answered 429 with Retry-After instead of 401 (django-axes only guards the login
  forms). A valid key is always served, whatever other clients behind the same address did:
  it is held only to its own rate.
- Throttles: per API key, per session user, and a tighter one for bulk writes; each answers 429
  with Retry-After.
- Every counter lives in :mod:`core.counters` (Redis, else the database), shared by all the web
  processes, not in one process's memory.
- :class:`RegistryWritePermission`: reads are open to any authenticated caller (the querysets
  are scoped); writes need the partner role or the Django model permission.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from businesses.models import PartnerAPIKey
from businesses.partners import partner_api_key_for
from core.client_address import client_address
from core.counters import Count, counter_hit
from core.roles import PARTNER, has_role

KEYWORD = "Api-Key"


# --- Failed attempts per client address ------------------------------------------------------


def _failure_key(ip: str) -> str:
    return f"api-key-failures:{ip}"


def _seconds(count: Count) -> int:
    return max(1, math.ceil(count.remaining))


def api_key_failure_record(*, ip: str) -> int | None:
    """Count one failed API-key attempt from ``ip`` (the window starts at the first one).
    Returns the seconds to wait when ``ip`` is now over the limit, else None."""
    count = counter_hit(_failure_key(ip), window=settings.API_KEY_FAILURE_WINDOW)
    if count.count <= settings.API_KEY_FAILURE_LIMIT:
        return None
    return _seconds(count)


# --- Authentication ----------------------------------------------------------------------------


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``. A request without that header is left to the next
    authenticator (the session)."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        api_key = None
        if len(header) == 2:
            try:
                api_key = partner_api_key_for(key=header[1].decode("ascii"))
            except UnicodeError:
                api_key = None
        if api_key is None:
            # Counted and limited per address, but never before the key is checked: a valid
            # key is served even from an address that sent many wrong ones (another client
            # behind the same proxy or NAT must not be locked out by them).
            wait = api_key_failure_record(ip=client_address(request))
            if wait is not None:
                raise exceptions.Throttled(
                    wait=wait, detail=str(_("Too many invalid API keys from your address."))
                )
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired API key."))
        user = api_key.partner.user
        user.partner = api_key.partner  # already loaded: spares a query in the views
        return user, api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the API key."""

    target_class = "businesses.api_auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <prefix>.<secret>`",
        }


def _key_of(request) -> PartnerAPIKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, PartnerAPIKey) else None


# --- Throttles ---------------------------------------------------------------------------------


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle counted in :mod:`core.counters` (shared by every web process) in a
    fixed window of the rate's duration that starts with the first request, instead of in this
    process's cache. The rates and cache keys are DRF's (``THROTTLE_RATES``, ``scope``)."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self._counted = counter_hit(self.key, window=self.duration)
        return self._counted.count <= self.num_requests

    def wait(self) -> float:
        return _seconds(self._counted)


class ApiKeyRateThrottle(SharedRateThrottle):
    """Requests per API key (scope ``api_key``)."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = _key_of(request)
        if api_key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_key.prefix}


class SessionUserRateThrottle(SharedRateThrottle, UserRateThrottle):
    """Requests per portal user on a session (scope ``user``); keys have their own throttle."""

    scope = "user"

    def get_cache_key(self, request, view):
        if _key_of(request) is not None or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class BulkWriteRateThrottle(SharedRateThrottle):
    """Bulk writes per API key or user (scope ``bulk``), on top of the general throttles."""

    scope = "bulk"

    def get_cache_key(self, request, view):
        api_key = _key_of(request)
        if api_key is not None:
            ident = f"key-{api_key.prefix}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- Permissions -------------------------------------------------------------------------------


class RegistryWritePermission(BasePermission):
    """Reads for any authenticated caller (every queryset is scoped); writes for partners and
    for users holding the view's ``write_permissions`` for the action (e.g. a steward, or a
    supervisor updating a business of their region). Which rows is the scope's business."""

    message = _("Your role cannot make this change.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        if has_role(user, PARTNER):
            return True
        action = getattr(view, "action", None) or request.method.lower()
        needed = getattr(view, "write_permissions", {}).get(action, ())
        return bool(needed) and user.has_perms(needed)
