"""``python manage.py score [--ruc R ... | --all] [--out FILE.csv] [--workers N] [--chunk-size N]``

Runs a prediction job with the production models, which makes its results the businesses'
current scores (what the caseload, the business page, the owner report and the API show), and
writes them as CSV (``ruc, period, horizon, mean, p10, p50, p90, growth_probability, stale,
models_disagree, note``; period = the forecast month, yyyy-mm; soles; the figures of a business
with no recent data are left empty, with ``stale`` 1 and ``note`` ``no_recent_data``; of one
SUNAT has deregistered likewise, ``note`` ``sunat_deregistered``).
By default the job runs on the Celery workers (any number of them take its chunks) and this
command follows its progress; ``--workers N`` runs it here instead, on N local processes
(1: this process), for a machine without a worker.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from businesses.models import Business
from core.queueing import QueueUnavailableError, broker_check
from core.templatetags.asesor_format import local_datetime
from forecasting.models import PredictionChunk, PredictionJob
from forecasting.predictions.jobs import (
    chunk_size_default,
    inline_dispatch,
    prediction_chunk_execute,
    prediction_job_create,
    prediction_job_start,
)
from forecasting.predictions.requests import rejected_message, rucs_from_list, selection_by_rucs
from forecasting.predictions.selectors import prediction_result_csv


def _chunk_in_child(chunk_id: int) -> str:
    return prediction_chunk_execute(chunk_id).status


def _pool_dispatch(processes: int):
    def dispatch(chunk_ids: list[int]) -> None:
        connections.close_all()  # children must not share the parent's connection
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            list(pool.map(_chunk_in_child, chunk_ids))

    return dispatch


class Command(BaseCommand):
    help = "Score businesses with the production models (a prediction job) and write a CSV."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--ruc", action="append", default=[], help="a RUC (repeatable)")
        who.add_argument("--all", action="store_true", help="every business (the default)")
        parser.add_argument("--out", help="CSV file to write (default: standard output)")
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="run here on N local processes instead of the Celery workers (1: this process)",
        )
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["ruc"]:
            selection = selection_by_rucs(
                scope=Business.objects.all(), rucs=rucs_from_list(options["ruc"]), source="command"
            )
            for row in selection.rejected:
                self.stderr.write(f"{row['ruc']}: {rejected_message(row)}")
            ids, description = selection.business_ids, selection.description
        else:
            ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
            description = {"all": True}
        if not ids:
            raise CommandError(_("There is no business to score."))
        workers = options["workers"]
        if workers == 0:
            problem = broker_check()
            if problem:
                raise CommandError(f"{QueueUnavailableError.default_message} ({problem})")
        job = prediction_job_create(
            business_ids=ids,
            selection=description,
            chunk_size=options["chunk_size"] or chunk_size_default(),
        )
        started = time.perf_counter()
        if workers == 0:
            from forecasting.tasks import prediction_job_run

            prediction_job_run.delay(job.pk)
            job = self._follow(job, options["timeout"])
        else:
            dispatch = inline_dispatch if workers == 1 else _pool_dispatch(workers)
            job = prediction_job_start(job.pk, dispatch=dispatch)
            pending = list(
                job.chunks.exclude(status=PredictionChunk.Status.SUCCEEDED).values_list(
                    "pk", flat=True
                )
            )
            if job.status == PredictionJob.Status.RUNNING and pending:
                dispatch(pending)  # inside an outer transaction the start's dispatch waits
            job.refresh_from_db()
        seconds = time.perf_counter() - started
        if job.status != PredictionJob.Status.SUCCEEDED:
            raise CommandError(
                _("Prediction job %(job)d ended %(status)s: %(error)s")
                % {"job": job.pk, "status": job.get_status_display(), "error": job.error}
            )
        self._write(job, options["out"])
        computed = job.results.aggregate(at=Max("computed_at"))["at"]
        self.stderr.write(
            ngettext(
                "Prediction job %(job)d: %(total)d business in %(seconds).1f s (%(rate).0f/s), "
                "%(results)d with results, cut-off %(cutoff)s, computed on %(computed)s "
                "(%(zone)s time) by forecaster v%(forecaster)s and growth v%(growth)s; they are "
                "now the businesses' current scores. %(stale)d with no recent data or deregistered "
                "by SUNAT (figures withheld, stale=1, note no_recent_data or sunat_deregistered).",
                "Prediction job %(job)d: %(total)d businesses in %(seconds).1f s (%(rate).0f/s), "
                "%(results)d with results, cut-off %(cutoff)s, computed on %(computed)s "
                "(%(zone)s time) by forecaster v%(forecaster)s and growth v%(growth)s; they are "
                "now the businesses' current scores. %(stale)d with no recent data or deregistered "
                "by SUNAT (figures withheld, stale=1, note no_recent_data or sunat_deregistered).",
                job.total,
            )
            % {
                "job": job.pk,
                "total": job.total,
                "seconds": seconds,
                "rate": job.total / max(seconds, 1e-9),
                "results": job.results.count(),
                "cutoff": f"{job.cutoff:%m/%Y}",
                "computed": local_datetime(computed),
                "zone": timezone.get_current_timezone_name(),
                "forecaster": job.forecaster_version.version,
                "growth": job.growth_version.version,
                "stale": job.results.filter(stale=True).count(),
            }
        )

    def _follow(self, job: PredictionJob, timeout: float) -> PredictionJob:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if (job.status, job.done) != last and self.verbosity:
                self.stderr.write(
                    _("job %(job)d: %(status)s %(done)d/%(total)d")
                    % {
                        "job": job.pk,
                        "status": job.get_status_display(),
                        "done": job.done,
                        "total": job.total,
                    }
                )
                last = (job.status, job.done)
            if job.is_finished:
                return job
            time.sleep(0.5)
        raise CommandError(
            _(
                "Prediction job %(job)d did not finish within %(timeout).0f s "
                "(%(done)d/%(total)d); is a worker running?"
            )
            % {"job": job.pk, "timeout": timeout, "done": job.done, "total": job.total}
        )

    def _write(self, job: PredictionJob, out: str | None) -> None:
        lines = prediction_result_csv(job.results.all().order_by("business_id"))
        if out:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(lines)
        else:
            sys.stdout.writelines(lines)
