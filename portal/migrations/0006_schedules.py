"""The periodic tasks run by celery beat (django-celery-beat's DatabaseScheduler); stewards
and superusers change their times in the admin (Periodic tasks). Times are Lima time.

- nightly re-scoring of every business (forecasting.tasks.nightly_rescore) at 02:30, when
  nobody uses the portal and after the evening's imports;
- data drift of the production models (portal.tasks.drift_measure) at 05:00, after it;
- the jobs sweeper (portal.tasks.jobs_sweep) every 5 minutes;
- market-data pulls that are due (businesses.tasks.sources_pull_due) every hour at :15.
"""

import json

from django.db import migrations

LIMA = "America/Lima"
CRONTABS = {
    "Re-scoring nocturno de todos los negocios": (
        "forecasting.tasks.nightly_rescore",
        {"minute": "30", "hour": "2"},
        "Every night: a prediction job over every business with the production models.",
    ),
    "Deriva de datos de los modelos en producción": (
        "portal.tasks.drift_measure",
        {"minute": "0", "hour": "5"},
        "PSI per feature, training data against the latest month, for /metrics.",
    ),
    "Descarga de fuentes de datos de mercado pendientes": (
        "businesses.tasks.sources_pull_due",
        {"minute": "15", "hour": "*"},
        "Pulls every enabled market-data source whose update frequency says it is due.",
    ),
}
SWEEP_NAME = "Barrido de trabajos detenidos"
SWEEP_MINUTES = 5


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, (task, when, description) in CRONTABS.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*", day_of_month="*", month_of_year="*", timezone=LIMA, **when
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": crontab,
                "args": json.dumps([]),
                "kwargs": json.dumps({}),
                "description": description,
            },
        )
    every, _ = IntervalSchedule.objects.get_or_create(every=SWEEP_MINUTES, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": "portal.tasks.jobs_sweep",
            "interval": every,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "Fails jobs, training runs and advice left queued or running by a "
            "lost message or a dead worker, with the reason.",
        },
    )
    # tell a running beat that the schedule changed (what PeriodicTask.save() does normally)
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[*CRONTABS, SWEEP_NAME]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("portal", "0005_feature_drift"),
    ]

    operations = [migrations.RunPython(create, remove)]
