"""The BCRPData source (disabled) and its series mapping, from businesses.sources.demo: editable
data that stewards review and enable in the admin."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from businesses.sources.demo import BCRP_SERIES, BCRP_SOURCE

    DataSource = apps.get_model("businesses", "DataSource")
    SourceSeries = apps.get_model("businesses", "SourceSeries")
    source, created = DataSource.objects.get_or_create(
        name=BCRP_SOURCE["name"],
        defaults={**BCRP_SOURCE, "period_start": dt.date(2015, 1, 1)},
    )
    if not created:
        return  # a steward's edits win
    for code, description, indicator, sector, region in BCRP_SERIES:
        SourceSeries.objects.get_or_create(
            source=source,
            code=code,
            defaults={
                "description": description,
                "indicator": indicator,
                "sector_id": sector,
                "region_id": region,
            },
        )


def unload(apps, schema_editor):
    DataSource = apps.get_model("businesses", "DataSource")
    DataSource.objects.filter(name="BCRPData", is_demo=True, last_pull_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("businesses", "0006_programme_eligibility")]
    operations = [migrations.RunPython(load, unload)]
