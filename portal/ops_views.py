"""Probes and metrics for operators: /healthz, /readyz and /metrics.

* ``/healthz`` — the process is alive and answers; touches neither the database nor the broker
  (a liveness probe that restarts the web server when PostgreSQL is down would only add
  restarts to an outage).
* ``/readyz`` — ready to serve: the database answers, the broker answers, and a production model
  of each kind is loadable (artifact present and its digest verified). JSON with each check's
  outcome and time; 503 when any check fails, so a load balancer stops sending traffic. Whether a
  worker is alive is reported too (``checks.workers``): with none for a minute the status is
  ``degraded``, still 200 — pages and stored advice keep serving, and taking the web server out of
  rotation would turn a missing worker into a whole outage; only fresh work is refused.
* ``/metrics`` — Prometheus exposition (portal.metrics). Only for the addresses in
  ``METRICS_ALLOWED_IPS`` (default: this machine) or a request with ``Authorization: Bearer
  <METRICS_TOKEN>`` when a token is set; anyone else gets 403.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from core.queueing import broker_check
from core.worker_liveness import worker_absence, worker_start_grace_left
from portal.metrics import metrics_text


@never_cache
@require_safe  # GET or HEAD: load balancers use either
def healthz(request):
    return JsonResponse({"status": "ok"})


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        ok, error = True, ""
    except Exception as exc:  # every failure is reported, none raised
        detail, ok, error = None, False, f"{type(exc).__name__}: {exc}"
    out = {"ok": ok, "seconds": round(time.perf_counter() - started, 4)}
    if detail:
        out.update(detail)
    if error:
        out["error"] = error
    return out


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _broker() -> dict:
    problem = broker_check()
    if problem:
        raise ConnectionError(problem)
    return {"transport": settings.CELERY_BROKER_URL.split("://", 1)[0]}


def _models() -> dict:
    from forecasting.lifecycle.registry import production_model
    from forecasting.models import ModelKind

    found, missing = {}, []
    for kind in ModelKind.values:
        version, model = production_model(kind)
        if version is None or model is None:
            missing.append(kind)
        else:
            found[kind] = version.version
    if missing:
        raise LookupError(f"no loadable production model for: {', '.join(missing)}")
    return {"versions": found}


def _workers() -> dict:
    absence = worker_absence()
    if absence is not None:
        last = absence.last_seen.isoformat() if absence.last_seen else "never"
        raise LookupError(
            f"no Celery worker alive for {absence.seconds} s (last beat: {last}): "
            "fresh advice and jobs are refused"
        )
    grace = worker_start_grace_left()
    return {"starting": True, "grace_seconds": round(grace)} if grace else {}


CHECKS = {"database": _database, "broker": _broker, "models": _models}
# Reported, but the site still serves without them (status "degraded", 200).
DEGRADING = {"workers": _workers}


def _failing_data_sources() -> list[dict]:
    """Market data sources whose pulls failed repeatedly: reported, not a reason to stop
    serving (the stored data still serves)."""
    from businesses.sources.selectors import sources_failing

    return [
        {
            "name": s.name,
            "failures_in_a_row": s.consecutive_failures,
            "last_failure_at": s.last_failure_at.isoformat() if s.last_failure_at else None,
            "reason": s.last_failure_reason[:300],
        }
        for s in sources_failing()
    ]


@never_cache
@require_safe
def readyz(request):
    checks = {name: _timed(check) for name, check in CHECKS.items()}
    ready = all(c["ok"] for c in checks.values())
    degrading = {name: _timed(check) for name, check in DEGRADING.items()}
    degraded = not all(c["ok"] for c in degrading.values())
    status = "unavailable" if not ready else "degraded" if degraded else "ok"
    body = {"status": status, "checks": {**checks, **degrading}}
    try:
        body["failing_data_sources"] = _failing_data_sources()
    except Exception as exc:  # a probe never raises
        body["failing_data_sources_error"] = f"{type(exc).__name__}: {exc}"
    return JsonResponse(body, status=200 if ready else 503)


def metrics_allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].strip(), token)
    return request.META.get("REMOTE_ADDR", "") in set(getattr(settings, "METRICS_ALLOWED_IPS", []))


@never_cache
@require_GET
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
