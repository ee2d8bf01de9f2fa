from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared plumbing: roles, audit log, queueing, API errors and formats. Imports no app."""

    name = "core"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from core import checks  # noqa: F401 - registers the deployment checks
        from core.audit import connect_receivers
        from core.roles import sync_role_groups_after_migrate
        from core.third_party_messages import label_third_party_models

        # Models added by later migrations get their permissions into the role groups too.
        post_migrate.connect(sync_role_groups_after_migrate, sender=self)
        connect_receivers()
        label_third_party_models()
