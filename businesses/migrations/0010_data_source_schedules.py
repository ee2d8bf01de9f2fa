"""Each data source gets its own celery-beat entry (businesses.sources.schedules).

Existing automatic sources get an entry with the crontab of their update frequency, enabled as
the source is (the shipped BCRPData source stays disabled); manual sources get none. The single
hourly entry that pulled whatever was due goes in portal.0008 (the portal's migrations keep
running after the registry's, so the role groups see every model's permissions).
"""

import json

import django.db.models.deletion
from django.db import migrations, models

TASK = "businesses.tasks.source_pull_scheduled"
NAME = "Descarga de datos de mercado: {name}"
LIMA = "America/Lima"
DAILY = {"minute": "15", "hour": "6", "day_of_week": "*"}
MONDAYS = {"minute": "15", "hour": "6", "day_of_week": "1"}
CRONTABS = {"daily": DAILY, "weekly": DAILY, "monthly": MONDAYS, "quarterly": MONDAYS}


def _schedule_changed(apps):
    from django.utils import timezone

    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def per_source(apps, schema_editor):
    DataSource = apps.get_model("businesses", "DataSource")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for source in DataSource.objects.exclude(kind="manual").filter(schedule__isnull=True):
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_month="*",
            month_of_year="*",
            timezone=LIMA,
            **CRONTABS.get(source.update_frequency, MONDAYS),
        )
        source.schedule = PeriodicTask.objects.create(
            name=NAME.format(name=source.name),
            task=TASK,
            crontab=crontab,
            args=json.dumps([]),
            kwargs=json.dumps({"source_id": source.pk}),
            enabled=source.enabled,
            description=f"Pulls the market-data source {source.name}; edit the times here, the "
            "source itself in Data sources.",
        )
        source.save(update_fields=["schedule"])
    _schedule_changed(apps)


def no_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=TASK).delete()
    _schedule_changed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0009_indicator_name_period_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="datasource",
            name="schedule",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                help_text="The celery-beat entry that pulls this source (kept in step with the "
                "source by businesses.sources.schedules); its times are edited in Periodic "
                "tasks.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="data_source",
                to="django_celery_beat.periodictask",
                verbose_name="pull schedule",
            ),
        ),
        migrations.RunPython(per_source, no_schedules),
    ]
