from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Advice, ModelEvent, ModelVersion, Recommendation, TrainingRun
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


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    can_delete = False
    fields = ["position", "priority", "code", "title", "programme"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Advice)
class AdviceAdmin(admin.ModelAdmin):
    """Advice is computed, never typed in: read-only, to trace what an advisor saw."""

    list_display = [
        "id",
        "business",
        "status",
        "growth_probability",
        "cutoff",
        "created_at",
        "requested_by",
    ]
    list_select_related = ["business", "requested_by"]
    list_filter = ["status"]
    search_fields = ["=business__ruc", "business__legal_name"]
    raw_id_fields = ["business"]
    show_full_result_count = False
    inlines = [RecommendationInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Advice._meta.fields]

    def has_add_permission(self, request):
        return False
