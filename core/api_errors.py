"""One JSON error shape for the whole API, in the request's language.

Every failure of an ``/api/`` request — invalid data, missing or bad credentials, a business
outside the caller's scope, an oversized body, throttling, an unknown URL, a crash — answers::

    {"error": {"code": "invalid", "message": "…",
               "details": [{"path": "rows[3].sales", "row": 3, "field": "sales",
                            "value": "abc", "message": "…"}]}}

``message`` and each detail's ``message`` are translated by LocaleMiddleware's choice
(Accept-Language: es or en). The schema class below documents that shape on every operation,
so schemathesis can hold the API to it.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

from core.queueing import QueueUnavailableError

API_PATH_PREFIX = "/api/"


class PayloadTooLarge(exceptions.APIException):
    """413: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE, or a bulk request has too many rows."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class QueueUnavailable(exceptions.APIException):
    """503 with Retry-After: the task queue is not reachable, so the job was not created."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = QueueUnavailableError.default_message
    default_code = "queue_unavailable"

    def __init__(self, detail=None, *, wait: int | None = None, code: str | None = None) -> None:
        super().__init__(detail=detail)
        self.default_code = code or self.default_code  # no_worker: the queue has no consumer
        self.wait = wait  # DRF's handler turns it into the Retry-After header


class ServiceUnavailable(exceptions.APIException):
    """503 with Retry-After for a service the request needs and cannot have now (e.g. no
    production model to score with: ``code="scoring_unavailable"``). Nothing was stored."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service cannot answer this request now; try again later.")
    default_code = "service_unavailable"

    def __init__(self, detail=None, *, code: str | None = None, wait: int = 30) -> None:
        super().__init__(detail=detail, code=code)
        self.default_code = code or self.default_code
        self.wait = wait  # DRF's handler turns it into the Retry-After header


class RowsRejected(exceptions.ValidationError):
    """400 for a bulk request with rejected rows and no ``?partial=true``: nothing was saved.

    ``problems`` are dicts with ``row``, ``field``, ``value`` and ``message``.
    """

    default_code = "rows_rejected"

    def __init__(self, *, message: str, problems: list[dict]) -> None:
        super().__init__(detail=message, code=self.default_code)
        self.message = message
        self.problems = problems


def error_body(*, code: str, message: str, details: list[dict] | None = None) -> dict:
    """The API's error document."""
    return {"error": {"code": code, "message": str(message), "details": details or []}}


_ROW_PATH = re.compile(r"^(?:rows|businesses)\[(\d+)\]")  # bulk rows, batch forecasts


def _detail(path: str, message, value=None) -> dict:
    match = _ROW_PATH.match(path)
    field = re.split(r"[.\[]", path)[-1] if path else None
    return {
        "path": path,
        "row": int(match.group(1)) if match else None,
        "field": field or None,
        "value": value,
        "message": str(message),
    }


def row_problem_detail(problem: dict) -> dict:
    """A rejected row of a bulk request (``row``, ``field``, ``value``, ``message``) as a
    detail with its path, e.g. ``rows[3].sales``."""
    path = f"rows[{problem['row']}]"
    if problem.get("field"):
        path += f".{problem['field']}"
    return {
        "path": path,
        "row": problem["row"],
        "field": problem.get("field") or None,
        "value": problem.get("value"),
        "message": str(problem["message"]),
    }


def flatten_validation_errors(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of ``{"path": "rows[3].sales", …}``."""
    if isinstance(detail, dict):
        out: list[dict] = []
        for key, value in detail.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "non_field_errors":
                sub = path
            out += flatten_validation_errors(value, sub)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):  # ErrorDetail is a str
            return [_detail(path, item) for item in detail]
        out = []
        for index, value in enumerate(detail):
            if value:  # a ListSerializer reports valid items as {}
                out += flatten_validation_errors(value, f"{path}[{index}]")
        return out
    return [_detail(path, detail)]


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, QueueUnavailableError):
        return QueueUnavailable(str(exc), wait=exc.retry_after, code=exc.code)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, Http404):
        # Never echo Http404's own text: it can name the model or the lookup.
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A service's full_clean(): the same 400 as a serializer's errors.
        return exceptions.ValidationError(serializers.as_serializer_error(exc))
    return exc


def api_exception_handler(exc: Exception, context: dict):
    """DRF's handler, then the body rewritten into the one error shape."""
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a crash: Django's handler500 (server_error below) answers
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, RowsRejected):
        body = error_body(
            code=exc.default_code,
            message=exc.message,
            details=[row_problem_detail(p) for p in exc.problems],
        )
    elif isinstance(exc, exceptions.ValidationError):
        details = flatten_validation_errors(exc.detail)
        if len(details) == 1 and not details[0]["path"]:
            message = details[0]["message"]
        else:
            message = _("The request is not valid: see the details.")
        body = error_body(code="invalid", message=message, details=details)
    else:
        detail = getattr(exc, "detail", "")
        message = detail if isinstance(detail, str) else _("The request failed.")
        body = error_body(code=code, message=message)
    response.data = body
    return response


# --- Django-level handlers (URLs no view matched, crashes) for /api/ paths --------------------


def page_not_found(request, exception=None):
    """handler404: JSON under /api/, the portal's page elsewhere."""
    if request.path.startswith(API_PATH_PREFIX):
        body = error_body(code="not_found", message=exceptions.NotFound.default_detail)
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    """handler403 (a PermissionDenied raised outside DRF): JSON under /api/, the portal's page
    elsewhere."""
    if request.path.startswith(API_PATH_PREFIX):
        body = error_body(
            code="permission_denied", message=exceptions.PermissionDenied.default_detail
        )
        return JsonResponse(body, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    """handler500: JSON under /api/, the portal's page elsewhere (templates/500.html, rendered
    without the request's context processors: whatever broke may be behind them)."""
    if request.path.startswith(API_PATH_PREFIX):
        body = error_body(
            code="server_error",
            message=_("Something went wrong on our side; the request changed nothing."),
        )
        return JsonResponse(body, status=500)
    return defaults.server_error(request)


def bad_request(request, exception=None):
    """handler400 (e.g. a body over the size limit met outside a view): JSON under /api/."""
    if request.path.startswith(API_PATH_PREFIX):
        if isinstance(exception, RequestDataTooBig):
            body = error_body(code="payload_too_large", message=PayloadTooLarge.default_detail)
            return JsonResponse(body, status=413)
        body = error_body(code="bad_request", message=_("The request is not valid."))
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


# --- The schema of errors ---------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    path = serializers.CharField(help_text=_("Where the problem is, e.g. rows[3].sales."))
    row = serializers.IntegerField(
        allow_null=True, help_text=_("Index of the rejected row in a bulk request.")
    )
    field = serializers.CharField(allow_null=True)
    value = serializers.JSONField(allow_null=True, required=False)
    message = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("A stable machine-readable code, e.g. not_found."))
    message = serializers.CharField(help_text=_("What went wrong, in the request's language."))
    details = ErrorDetailSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error answers every operation can give."""

    error_statuses = {
        "400": _("Invalid request (see error.details)."),
        "401": _("No credentials, or an invalid, revoked or expired API key."),
        "403": _("Your role cannot do this."),
        "404": _("Not found, or outside your scope."),
        "429": _("Too many requests: wait the seconds in Retry-After."),
    }
    body_error_statuses = {"413": _("The body, or the number of rows, is over the limit.")}

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # drf-spectacular leaves out a list's bounds (many=True, allow_empty=False,
        # max_length): the schema must say that an empty list is refused.
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            if not field.allow_empty:
                schema.setdefault("minItems", max(1, field.min_length or 0))
            elif field.min_length:
                schema.setdefault("minItems", field.min_length)
            if field.max_length is not None:
                schema.setdefault("maxItems", field.max_length)
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        statuses = dict(self.error_statuses)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses.update(self.body_error_statuses)
        for code, description in statuses.items():
            if code not in responses:
                answer = OpenApiResponse(response=ErrorSerializer, description=str(description))
                responses[code] = self._get_response_for_code(answer, code, direction=direction)
        return responses


# Documentation of a 503 for the OpenAPI schema: the endpoints that queue work or need the
# production models.
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[503],
    description="Seconds to wait before trying again.",
)
UNAVAILABLE = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The task queue cannot take the job (code queue_unavailable), no worker is running to "
        "compute it (code no_worker), or there is no production model yet (code "
        "scoring_unavailable); see Retry-After."
    ),
)
