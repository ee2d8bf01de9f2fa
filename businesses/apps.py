from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessesConfig(AppConfig):
    name = "businesses"
    verbose_name = _("Business registry")

    def ready(self) -> None:
        from businesses import (
            exports,  # noqa: F401 - registers the registry's export kinds
            partners,  # noqa: F401 - connects the API-key cache's receivers
            programmes,  # noqa: F401 - connects the programmes cache's receivers
        )
        from businesses.audit import connect_receivers

        connect_receivers()
