"""The SUNAT padrón reducido source (disabled, its URL not confirmed) and its onboarding option
(off), from businesses.sources.demo: a steward confirms the URL and enables it in the admin."""

from django.db import migrations


def load(apps, schema_editor):
    from businesses.sources.demo import SUNAT_SOURCE

    DataSource = apps.get_model("businesses", "DataSource")
    SunatOnboarding = apps.get_model("businesses", "SunatOnboarding")
    source, created = DataSource.objects.get_or_create(
        name=SUNAT_SOURCE["name"], defaults=SUNAT_SOURCE
    )
    if created:
        SunatOnboarding.objects.get_or_create(source=source)


def unload(apps, schema_editor):
    DataSource = apps.get_model("businesses", "DataSource")
    DataSource.objects.filter(
        kind="sunat_padron", is_demo=True, last_pull_at__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("businesses", "0016_sunat_source_progress_onboarding")]
    operations = [migrations.RunPython(load, unload)]
