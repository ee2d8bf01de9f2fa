"""Prometheus metrics (prometheus-client), served at /metrics by portal.ops_views.

Two sources, chosen so that every figure is right however many processes serve the site:

* **In-process** — request counts and latencies, counted by :class:`RequestMetricsMiddleware`
  in each web process. Under gunicorn (several processes) set ``PROMETHEUS_MULTIPROC_DIR`` to an
  empty directory that only the web processes share: prometheus-client then keeps the values
  in files there and /metrics adds them up (its multiprocess mode). Without it (runserver, one
  process) they live in memory.
* **From the database** at scrape time (:class:`DatabaseCollector`, results kept for
  ``CACHE_SECONDS``) — everything the workers do: jobs by kind and outcome with their total
  duration, predictions served, the production model version per kind, data drift per feature
  (``forecasting.models.FeatureDrift``), workers alive; plus the broker's queue length. Workers run
  in other processes, often on other machines, so counting there would need a push gateway;
  the database already knows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

CACHE_SECONDS = 15.0

REQUESTS = Counter(
    "asesor_http_requests",
    "HTTP requests answered, by view (URL name), method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "asesor_http_request_duration_seconds",
    "Time to answer an HTTP request, by view (URL name) and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def _view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"  # 404s of unknown URLs: one label, not one per path
    return match.view_name or match.route or "unnamed"


class RequestMetricsMiddleware:
    """Counts every request and times it; first in MIDDLEWARE so the time is the whole answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            view, method = _view_label(request), request.method or "-"
            REQUESTS.labels(view=view, method=method, status=str(status)).inc()
            LATENCY.labels(view=view, method=method).observe(time.perf_counter() - started)


# ------------------------------------------------------------------------- from the database


def _job_models() -> Iterable[tuple[str, type, str, str]]:
    """(label, model, start field, end field) of every job kind installed."""
    from django.apps import apps

    from forecasting.models import Advice, TrainingRun

    yield "training", TrainingRun, "started_at", "finished_at"
    if apps.is_installed("forecasting") and "predictionjob" in apps.all_models["forecasting"]:
        yield (
            "prediction_job",
            apps.get_model("forecasting", "PredictionJob"),
            "started_at",
            ("finished_at"),
        )
    yield "advice", Advice, "created_at", "computed_at"


def _job_families() -> list:
    finished = CounterMetricFamily(
        "asesor_jobs_finished",
        "Jobs finished, by kind (training, prediction_job, advice) and outcome.",
        labels=["kind", "outcome"],
    )
    duration = SummaryMetricFamily(
        "asesor_job_duration_seconds",
        "Run time of finished jobs (start to end), by kind and outcome.",
        labels=["kind", "outcome"],
    )
    active = GaugeMetricFamily(
        "asesor_jobs_active",
        "Jobs queued or running now, by kind and status.",
        labels=["kind", "status"],
    )
    for kind, model, start, end in _job_models():
        ok = "ready" if kind == "advice" else "succeeded"
        span = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
        rows = (
            model.objects.filter(status__in=[ok, "failed"])
            .exclude(**{f"{start}__isnull": True})
            .exclude(**{f"{end}__isnull": True})
            .values("status")
            .annotate(n=Count("pk"), seconds=Sum(span))
        )
        seen = {row["status"]: row for row in rows}
        for status, outcome in ((ok, "succeeded"), ("failed", "failed")):
            row = seen.get(status, {"n": 0, "seconds": None})
            total = row["seconds"].total_seconds() if row["seconds"] is not None else 0.0
            finished.add_metric([kind, outcome], row["n"])
            duration.add_metric([kind, outcome], count_value=row["n"], sum_value=max(total, 0.0))
        counts = dict(
            model.objects.filter(status__in=["queued", "running"])
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        for status in ("queued", "running"):
            active.add_metric([kind, status], counts.get(status, 0))
    return [finished, duration, active]


def _prediction_families() -> list:
    from django.apps import apps

    from forecasting.models import Advice

    served = CounterMetricFamily(
        "asesor_predictions_served",
        "Businesses scored for someone: advice computed, and businesses scored by prediction jobs.",
        labels=["source"],
    )
    served.add_metric(["advice"], Advice.objects.filter(status="ready").count())
    try:
        job = apps.get_model("forecasting", "PredictionJob")
    except LookupError:
        job = None
    if job is not None:
        done = job.objects.aggregate(n=Sum("done"))["n"] or 0
        served.add_metric(["prediction_job"], done)
    return [served]


def _model_families() -> list:
    from forecasting.models import FeatureDrift, ModelVersion

    version = GaugeMetricFamily(
        "asesor_model_production_version",
        "Version number of the model in production, by kind (absent: none in production).",
        labels=["kind"],
    )
    drift = GaugeMetricFamily(
        "asesor_feature_drift_psi",
        "Population stability index of each feature, training data against the latest month "
        "(< 0.1 stable, 0.1-0.25 moderate, > 0.25 major shift).",
        labels=["kind", "version", "feature"],
    )
    production = list(
        ModelVersion.objects.filter(status=ModelVersion.Status.PRODUCTION).values(
            "pk", "kind", "version"
        )
    )
    for row in production:
        version.add_metric([row["kind"]], row["version"])
    by_pk = {row["pk"]: row for row in production}
    for pk, feature, psi in FeatureDrift.objects.filter(model_version__in=by_pk).values_list(
        "model_version", "feature", "psi"
    ):
        row = by_pk[pk]
        drift.add_metric([row["kind"], str(row["version"]), feature], psi)
    return [version, drift]


def _worker_families() -> list:
    from core.models import WorkerHeartbeat

    limit = timezone.now() - dt.timedelta(seconds=settings.WORKER_LOST_SECONDS)
    alive = GaugeMetricFamily(
        "asesor_workers_alive", "Celery workers whose liveness beat is recent."
    )
    alive.add_metric([], WorkerHeartbeat.objects.filter(seen_at__gte=limit).count())
    return [alive]


def queue_length() -> int | None:
    """Messages waiting in the default queue, or None when the broker does not answer."""
    from config.celery import app

    options = {"socket_connect_timeout": 1, "socket_timeout": 2}
    try:
        with app.connection_for_write(connect_timeout=1, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
            declared = conn.default_channel.queue_declare(
                queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=True
            )
            return int(declared.message_count)
    except Exception as error:
        if "NOT_FOUND" in str(error) or "no queue" in str(error).lower():
            return 0
        logger.warning("queue length unavailable: %s", error)
        return None


def _queue_families() -> list:
    length = queue_length()
    up = GaugeMetricFamily("asesor_broker_up", "1 when the broker answered the last scrape.")
    up.add_metric([], 0 if length is None else 1)
    families = [up]
    if length is not None:
        queue = GaugeMetricFamily(
            "asesor_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"]
        )
        queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], length)
        families.append(queue)
    return families


class DatabaseCollector(Collector):
    """Everything /metrics reads from the database and the broker, cached for a few seconds so
    that several scrapers (or a dashboard refresh) do not repeat the queries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: list = []
        self._at = -1e9

    def collect(self):
        with self._lock:
            if time.monotonic() - self._at > CACHE_SECONDS:
                families, failed = [], 0
                for part in (
                    _job_families,
                    _prediction_families,
                    _model_families,
                    _worker_families,
                    _queue_families,
                ):
                    try:
                        families += part()
                    except Exception as error:  # one failing source must not hide the others
                        failed += 1
                        logger.warning("metrics: %s failed: %s", part.__name__, error)
                up = GaugeMetricFamily(
                    "asesor_metrics_complete", "1 when every database figure was read."
                )
                up.add_metric([], 0 if failed else 1)
                self._families, self._at = [*families, up], time.monotonic()
            return list(self._families)

    def clear(self) -> None:
        with self._lock:
            self._at = -1e9


database_collector = DatabaseCollector()


def metrics_text() -> bytes:
    """The exposition text: this process's (or, in multiprocess mode, every web process's)
    request metrics and the database figures."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(database_collector)
    return generate_latest(registry)
