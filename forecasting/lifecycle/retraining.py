"""Retraining after an import that changed the data enough to matter.

Connected to the registry's ``data_imported`` signal (businesses.signals), which the import
service sends after a successful, non-dry-run import, inside its transaction: when the rows it
created or changed are at least ``RETRAIN_AFTER_IMPORT_SHARE`` of the rows of that kind now
stored, a TrainingRun of both models is queued (sent when the import commits). The new
versions are promoted only if they
beat production on held-out months, as for any training run. Nothing is queued while another
run is still waiting or running, and a broker that is down never fails the import: the
import's report says that retraining could not be queued.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from businesses.models import Business, DataImport, MarketIndicator, MonthlyRecord
from core.queueing import QueueUnavailableError
from forecasting.lifecycle.training import training_run_create, training_run_enqueue
from forecasting.models import TrainingRun

logger = logging.getLogger(__name__)

STORED = {
    DataImport.Kind.MONTHLY: MonthlyRecord,
    DataImport.Kind.BUSINESSES: Business,
    DataImport.Kind.INDICATORS: MarketIndicator,
}


def import_change_share(data_import: DataImport) -> float:
    """Rows the import created or changed, as a share of the rows of its kind now stored."""
    model = STORED.get(data_import.kind)
    changed = (data_import.rows_created or 0) + (data_import.rows_updated or 0)
    if model is None or not changed:
        return 0.0
    stored = model.objects.count()
    return changed / stored if stored else 0.0


def retraining_after_import(*, data_import: DataImport, user=None, **kwargs) -> str:
    """Queue a training run if ``data_import`` changed enough of the data; returns a note for
    the import's report ("" when nothing was queued and there is nothing to say)."""
    threshold = float(getattr(settings, "RETRAIN_AFTER_IMPORT_SHARE", 0) or 0)
    if threshold <= 0:
        return ""
    share = import_change_share(data_import)
    if share < threshold:
        return ""
    waiting = TrainingRun.objects.filter(
        status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]
    ).exists()
    if waiting:
        return _(
            "This import changed %(share).0f%% of the stored rows; a training run is already "
            "queued or running, so no other was queued."
        ) % {"share": share * 100}
    try:
        with transaction.atomic():  # a savepoint: no half-queued run if the broker is down
            run = training_run_create(
                kind="all",
                user=user if getattr(user, "pk", None) else None,
                parameters={},
            )
            training_run_enqueue(run)
    except QueueUnavailableError as error:
        logger.warning("retraining after import %s not queued: %s", data_import.pk, error.cause)
        return _(
            "This import changed %(share).0f%% of the stored rows, but retraining could not be "
            "queued (the task queue is not reachable): start a training run later."
        ) % {"share": share * 100}
    logger.info(
        "import %s changed %.1f%% of the rows: training run %s queued",
        data_import.pk,
        share * 100,
        run.pk,
    )
    return _(
        "This import changed %(share).0f%% of the stored rows (threshold %(threshold).0f%%): "
        "training run #%(run)d was queued to retrain the models."
    ) % {"share": share * 100, "threshold": threshold * 100, "run": run.pk}
