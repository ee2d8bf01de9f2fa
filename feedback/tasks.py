from celery import shared_task


@shared_task(name="feedback.dataset_export", acks_late=True)
def dataset_export_task(export_id: int) -> str:
    """Run one DatasetExport (idempotent: a finished export is left as it is)."""
    from feedback.dataset.jobs import dataset_export_execute

    return dataset_export_execute(export_id).status
