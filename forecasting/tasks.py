from celery import shared_task


@shared_task(name="forecasting.training_run", acks_late=True)
def training_run_task(run_id: int) -> str:
    """Run one TrainingRun (idempotent: a finished run is left as it is)."""
    # Imported here so that a worker starts without loading the ML stack until it trains.
    from .training import training_run_execute

    return training_run_execute(run_id).status


@shared_task(name="forecasting.advice_compute", acks_late=True)
def advice_compute_task(advice_id: int) -> str:
    """Compute one Advice (idempotent: ready advice is left as it is)."""
    from .advice_services import advice_compute

    return advice_compute(advice_id).status
