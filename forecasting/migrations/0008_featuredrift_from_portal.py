"""Feature drift moves here from ``portal`` (now the pages app), beside the model versions it
measures; prediction jobs point at the partner in its new app. Tables stay as they are."""

import django.db.models.deletion
from django.db import migrations, models

from core.movedmodels import relabel_content_types, state_only


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("forecasting", "0007_latestscore_uncertain"),
        ("businesses", "0011_partners_from_portal"),
        ("portal", "0008_market_pulls_per_source"),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name="FeatureDrift",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("feature", models.CharField(max_length=100, verbose_name="feature")),
                    ("psi", models.FloatField(verbose_name="population stability index")),
                    ("period", models.DateField(verbose_name="month measured")),
                    ("measured_at", models.DateTimeField(verbose_name="measured")),
                    ("model_version", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="forecasting.modelversion", verbose_name="model version")),
                ],
                options={
                    "verbose_name": "feature drift",
                    "verbose_name_plural": "feature drift",
                    "ordering": ["model_version", "feature"],
                    "constraints": [models.UniqueConstraint(fields=("model_version", "feature"), name="unique_drift")],
                    "db_table": "portal_featuredrift",
                },
            ),
            migrations.AlterField(
                model_name="predictionjob",
                name="partner",
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="prediction_jobs", to="businesses.partner", verbose_name="partner"),
            ),
        ),
        relabel_content_types("portal", "forecasting", ["featuredrift"]),
    ]
