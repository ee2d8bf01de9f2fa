"""A training run requested in the web process is executed by a real worker through Redis,
on PostgreSQL, and the model it stores is loaded here."""

import pytest
from django.db import transaction

from businesses.demo import demo_data_load
from forecasting.lifecycle.registry import production_models
from forecasting.lifecycle.training import training_run_create, training_run_enqueue
from forecasting.models import ModelKind, ModelVersion, TrainingRun
from tests.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_training_run_is_done_by_the_worker(celery_worker, settings):
    demo_data_load(businesses=120, months=40, seed=2)
    with transaction.atomic():
        run = training_run_create(kind=ModelKind.FORECASTER)
        training_run_enqueue(run)
    finished = wait_for(
        lambda: TrainingRun.objects.filter(
            pk=run.pk, status__in=[TrainingRun.Status.SUCCEEDED, TrainingRun.Status.FAILED]
        ).first(),
        timeout=300,
        interval=1,
    )
    assert finished is not None, celery_worker.log_path.read_text()[-3000:]
    assert finished.status == TrainingRun.Status.SUCCEEDED, finished.error
    version = ModelVersion.objects.get(training_run=run)
    assert version.status == ModelVersion.Status.PRODUCTION
    production_models.clear()
    loaded_version, model = production_models.get(ModelKind.FORECASTER)
    assert loaded_version.pk == version.pk
    assert hasattr(model, "models_")
