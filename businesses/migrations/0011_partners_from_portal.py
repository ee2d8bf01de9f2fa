"""Partner systems, their API keys and grants move here from ``portal`` (now the pages app):
they say who may read and feed which businesses, beside the table they scope. The tables stay
as they are, only the migration state and the content types change."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.movedmodels import relabel_content_types, state_only


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("businesses", "0010_data_source_schedules"),
        ("portal", "0008_market_pulls_per_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name="Partner",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("name", models.CharField(max_length=120, unique=True, verbose_name="name")),
                    ("active", models.BooleanField(default=True, help_text="An inactive partner's keys are all refused.", verbose_name="active")),
                    ("contact_email", models.EmailField(blank=True, max_length=254, verbose_name="contact e-mail")),
                    ("notes", models.TextField(blank=True, verbose_name="notes")),
                    ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                    ("user", models.OneToOneField(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="partner", to=settings.AUTH_USER_MODEL, verbose_name="API user")),
                ],
                options={
                    "verbose_name": "partner system",
                    "verbose_name_plural": "partner systems",
                    "ordering": ["name"],
                    "db_table": "portal_partner",
                },
            ),
            migrations.CreateModel(
                name="PartnerAPIKey",
                fields=[
                    ("id", models.CharField(editable=False, max_length=150, primary_key=True, serialize=False, unique=True)),
                    ("prefix", models.CharField(editable=False, max_length=8, unique=True)),
                    ("hashed_key", models.CharField(editable=False, max_length=150)),
                    ("created", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ("name", models.CharField(default=None, help_text="A free-form name for the API key. Need not be unique. 50 characters max.", max_length=50)),
                    ("revoked", models.BooleanField(blank=True, default=False, help_text="If the API key is revoked, clients cannot use it anymore. (This cannot be undone.)")),
                    ("expiry_date", models.DateTimeField(blank=True, help_text="Once API key expires, clients cannot use it anymore.", null=True, verbose_name="Expires")),
                    ("partner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_keys", to="businesses.partner", verbose_name="partner")),
                ],
                options={
                    "verbose_name": "partner API key",
                    "verbose_name_plural": "partner API keys",
                    "ordering": ("-created",),
                    "abstract": False,
                    "db_table": "portal_partnerapikey",
                },
            ),
            migrations.CreateModel(
                name="PartnerGrant",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("reason", models.CharField(choices=[("submitted", "Submitted by the partner"), ("granted", "Granted by a data steward")], default="granted", max_length=10, verbose_name="reason")),
                    ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                    ("business", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="partner_grants", to="businesses.business", verbose_name="business")),
                    ("granted_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="granted by")),
                    ("partner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="grants", to="businesses.partner", verbose_name="partner")),
                ],
                options={
                    "verbose_name": "partner grant",
                    "verbose_name_plural": "partner grants",
                    "ordering": ["partner", "-created_at"],
                    "constraints": [models.UniqueConstraint(fields=("partner", "business"), name="unique_partner_business")],
                    "db_table": "portal_partnergrant",
                },
            ),
        ),
        relabel_content_types("portal", "businesses", ["partner", "partnerapikey", "partnergrant"]),
    ]
