"""Worker heartbeats and the audit log move here from ``portal`` (now the pages app): the
tables stay as they are, only the migration state and the content types change."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.movedmodels import relabel_content_types, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0008_market_pulls_per_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name="WorkerHeartbeat",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("hostname", models.CharField(max_length=255, unique=True, verbose_name="worker")),
                    ("token", models.CharField(blank=True, max_length=64, verbose_name="last token")),
                    ("seen_at", models.DateTimeField(verbose_name="last seen")),
                ],
                options={
                    "verbose_name": "worker heartbeat",
                    "verbose_name_plural": "worker heartbeats",
                    "db_table": "portal_workerheartbeat",
                },
            ),
            migrations.CreateModel(
                name="AuditEntry",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                    ("actor_name", models.CharField(blank=True, max_length=150, verbose_name="by (username)")),
                    ("action", models.CharField(db_index=True, max_length=40, verbose_name="action")),
                    ("target_type", models.CharField(blank=True, max_length=100, verbose_name="target type")),
                    ("target_id", models.CharField(blank=True, max_length=150, verbose_name="target id")),
                    ("target_repr", models.CharField(blank=True, max_length=255, verbose_name="target")),
                    ("detail", models.JSONField(blank=True, default=dict, verbose_name="detail")),
                    ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                ],
                options={
                    "verbose_name": "audit entry",
                    "verbose_name_plural": "audit log",
                    "ordering": ["-at", "-pk"],
                    "indexes": [models.Index(fields=["target_type", "target_id"], name="audit_target")],
                    "db_table": "portal_auditentry",
                },
            ),
        ),
        relabel_content_types("portal", "core", ["workerheartbeat", "auditentry"]),
    ]
