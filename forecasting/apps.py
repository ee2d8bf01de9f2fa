from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastingConfig(AppConfig):
    name = "forecasting"
    verbose_name = _("Forecasting")

    def ready(self) -> None:
        from businesses.signals import data_imported
        from forecasting import exports  # noqa: F401 - registers its export kind
        from forecasting.lifecycle.retraining import retraining_after_import

        data_imported.connect(retraining_after_import, dispatch_uid="retraining_after_import")
