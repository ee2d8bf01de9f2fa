"""Admin pages of the plumbing: the audit log (read-only), and the base class of the pages
only data stewards may open."""

import datetime as dt

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.audit import ACTION_LABELS
from core.models import AuditEntry
from core.roles import STEWARD, has_role
from core.templatetags.asesor_format import local_datetime


class StewardOnlyAdmin(admin.ModelAdmin):
    """Visible and editable by stewards and superusers only."""

    def _steward(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or has_role(user, STEWARD))

    def has_module_permission(self, request) -> bool:
        return self._steward(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._steward(request)

    def has_add_permission(self, request) -> bool:
        return self._steward(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._steward(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Keys are revoked and partners deactivated, so the history stays.
        return request.user.is_superuser


class ReadOnlyStewardAdmin(StewardOnlyAdmin):
    """A record the product writes and nobody edits: stewards read it, no one adds, changes or
    deletes it here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditActionFilter(admin.SimpleListFilter):
    """The actions recorded so far, by their names in words."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((a, str(ACTION_LABELS.get(a, a))) for a in actions), key=lambda x: x[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyStewardAdmin):
    """The audit log, read-only for everyone: entries are written by the services that do the
    recorded things (core.audit.audit_record), never by hand, and never deleted here."""

    list_display = ["at", "actor_name", "action_label", "target_repr", "detail_short"]
    list_filter = [AuditActionFilter, "target_type"]
    search_fields = ["actor_name", "target_repr", "target_id", "action"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    fields = ["at", "actor", "actor_name", "action", "target_type", "target_id", "target_repr",
              "detail"]  # fmt: skip
    readonly_fields = fields
    raw_id_fields = ["actor"]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, obj) -> str:
        return str(ACTION_LABELS.get(obj.action, obj.action))

    @admin.display(description=_("detail"))
    def detail_short(self, obj) -> str:
        text = ", ".join(f"{k}: {_shown(v)}" for k, v in (obj.detail or {}).items())
        return text if len(text) <= 120 else text[:119] + "…"


def _shown(value):
    """A detail's value as a steward reads it: an instant (stored as ISO 8601 with its offset,
    for machines) on the Lima clock, as every time in the admin."""
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return local_datetime(instant)
    return value
