import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0003_dataimport_rows_unchanged"),
        ("feedback", "0002_visit"),
        ("forecasting", "0002_advice"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OwnerReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="when")),
                ("language", models.CharField(max_length=8, verbose_name="language")),
                ("recommendations", models.JSONField(blank=True, default=list, help_text="Their ids.", verbose_name="recommendations printed")),
                ("pages", models.PositiveSmallIntegerField(verbose_name="pages")),
                ("size_bytes", models.PositiveIntegerField(verbose_name="size (bytes)")),
                ("advice", models.ForeignKey(blank=True, help_text="Empty when the business had no advice yet.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="owner_reports", to="forecasting.advice", verbose_name="advice")),
                ("business", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="owner_reports", to="businesses.business", verbose_name="business")),
                ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
            ],
            options={
                "verbose_name": "owner report",
                "verbose_name_plural": "owner reports",
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["business", "-created_at"], name="owner_report_business")],
            },
        ),
    ]
