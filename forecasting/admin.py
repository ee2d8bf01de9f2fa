from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ModelEvent, ModelVersion, TrainingRun
from .services import PromotionError, model_version_promote


class ModelEventInline(admin.TabularInline):
    model = ModelEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "user", "reason", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "version",
        "status",
        "data_version",
        "training_seconds",
        "created_at",
        "promoted_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    inlines = [ModelEventInline]
    actions = ["promote"]

    def has_add_permission(self, request):
        return False  # versions come from training runs only; no endpoint accepts a model file

    @admin.action(description=_("Promote to production"), permissions=["change"])
    def promote(self, request, queryset):
        for version in queryset:
            try:
                model_version_promote(
                    version=version, user=request.user, reason=_("Promoted in the admin")
                )
                self.message_user(request, _("%(v)s is in production.") % {"v": version})
            except PromotionError as error:
                self.message_user(request, str(error), level=messages.ERROR)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "stage",
        "percent",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["requested_by"]
    readonly_fields = [
        "status",
        "stage",
        "percent",
        "log",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
