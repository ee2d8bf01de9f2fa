# A training run's last sign of life and the worker running it, for portal.tasks.jobs_sweep.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forecasting", "0003_latestscore"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last sign of life"),
        ),
        migrations.AddField(
            model_name="trainingrun",
            name="worker",
            field=models.CharField(blank=True, max_length=255, verbose_name="worker"),
        ),
    ]
