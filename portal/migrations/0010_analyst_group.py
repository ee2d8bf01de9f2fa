"""Creates the ``analyst`` role group (market analysts: aggregated statistics only, no model
permission)."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from core.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_models_moved_out")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
