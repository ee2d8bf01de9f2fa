# The window's end as Unix time (a float), so that one portable upsert can count
# (core.counters): the rows are short-lived counters, so existing ones simply start anew.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_rate_counter"),
    ]

    operations = [
        migrations.RemoveField(model_name="ratecounter", name="expires_at"),
        migrations.AddField(
            model_name="ratecounter",
            name="expires",
            field=models.FloatField(db_index=True, default=0.0, verbose_name="window ends"),
            preserve_default=False,
        ),
    ]
