"""Migration helpers for models that moved to another app without moving their table.

A moved model keeps its table (``db_table``); its new app declares it in the migration state
only (:func:`state_only`), and its content type is relabelled so that the permissions given to
the role groups, and the admin log entries, follow it (:func:`relabel_content_types`).
"""

from __future__ import annotations

from django.db import migrations


def state_only(*operations) -> migrations.SeparateDatabaseAndState:
    """Operations that change the migration state and leave the database as it is."""
    return migrations.SeparateDatabaseAndState(state_operations=list(operations))


def relabel_content_types(old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """Move the content types of ``models`` (lower-case names) from ``old_app`` to ``new_app``.

    On a fresh database there are none yet (they are created after ``migrate``): nothing to do.
    """

    def forwards(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for name in models:
            content_type.objects.filter(app_label=new_app, model=name).delete()
            content_type.objects.filter(app_label=old_app, model=name).update(app_label=new_app)

    def backwards(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for name in models:
            content_type.objects.filter(app_label=old_app, model=name).delete()
            content_type.objects.filter(app_label=new_app, model=name).update(app_label=old_app)

    return migrations.RunPython(forwards, backwards)
