"""``portal`` is the pages app and has no models: its tables now belong to ``core`` (worker
heartbeats, audit log), ``businesses`` (partners) and ``forecasting`` (feature drift), which
declared them in their own migrations. The tables themselves are untouched."""

from django.db import migrations

from core.movedmodels import state_only


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_market_pulls_per_source"),
        ("core", "0001_initial"),
        ("businesses", "0011_partners_from_portal"),
        ("forecasting", "0008_featuredrift_from_portal"),
    ]

    operations = [
        state_only(
            migrations.DeleteModel(name="PartnerGrant"),
            migrations.DeleteModel(name="PartnerAPIKey"),
            migrations.DeleteModel(name="Partner"),
            migrations.DeleteModel(name="AuditEntry"),
            migrations.DeleteModel(name="WorkerHeartbeat"),
            migrations.DeleteModel(name="FeatureDrift"),
        )
    ]
