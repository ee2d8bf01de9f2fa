"""Market-data sources are pulled by their own celery-beat entries (businesses.0010): the single
hourly entry that pulled whatever was due goes, or every source would also be pulled on its
terms whatever the steward's schedule of that source said."""

import json

from django.db import migrations

NAME = "Descarga de fuentes de datos de mercado pendientes"
TASK = "businesses.tasks.sources_pull_due"


def _schedule_changed(apps):
    from django.utils import timezone

    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_hourly(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()
    _schedule_changed(apps)


def restore_hourly(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Lima",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "Pulls every enabled market-data source whose update frequency says "
            "it is due.",
        },
    )
    _schedule_changed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0010_data_source_schedules"),
        ("portal", "0007_audit_target_id_length"),
    ]

    operations = [migrations.RunPython(remove_hourly, restore_hourly)]
