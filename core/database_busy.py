"""A busy SQLite database answers 503 with Retry-After, never a 500.

On one machine (SQLite) one writer at a time holds the database file; a request that must write
while another long write is under way waits ``timeout`` seconds (settings) and then gets
``OperationalError: database is locked``. That is not a bug in the request: it is "busy, try
again", so the API answers its error document with code ``database_busy`` and the portal a page
that says so, both in the request's language and with ``Retry-After``. Nothing was changed: the
request's transaction was rolled back.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api_errors import API_PATH_PREFIX, error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 15
_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_database_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's "the database is locked by another writer"."""
    return isinstance(error, OperationalError) and any(text in str(error) for text in _BUSY)


def database_busy_response(request):
    message = _(
        "The database is busy with another long write (an import, for instance); nothing was "
        "changed. Please try again in a few seconds."
    )
    if request.path.startswith(API_PATH_PREFIX):
        response = JsonResponse(error_body(code="database_busy", message=message), status=503)
    else:
        response = render(request, "503.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    """Turns a view's "database is locked" into :func:`database_busy_response`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_busy(exception):
            return None
        logger.warning(
            "database busy, %s %s answered 503: %s", request.method, request.path, exception
        )
        return database_busy_response(request)
