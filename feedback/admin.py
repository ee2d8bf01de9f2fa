from django.contrib import admin

from feedback.models import (
    AdviceRating,
    LabelOverride,
    Outcome,
    OwnerReport,
    RecommendationFeedback,
    Visit,
)


class ReadOnlyAnnotationAdmin(admin.ModelAdmin):
    """Annotations are the advisors' record: stewards read them, nobody rewrites them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecommendationFeedback)
class RecommendationFeedbackAdmin(ReadOnlyAnnotationAdmin):
    list_display = ("recommendation", "action", "created_by", "created_at")
    list_filter = ("action", "recommendation__code")
    list_select_related = ("recommendation", "created_by")
    search_fields = ("comment", "edited_title")


@admin.register(AdviceRating)
class AdviceRatingAdmin(ReadOnlyAnnotationAdmin):
    list_display = ("advice", "rating", "created_by", "created_at")
    list_filter = ("rating",)
    list_select_related = ("advice", "created_by")


@admin.register(LabelOverride)
class LabelOverrideAdmin(ReadOnlyAnnotationAdmin):
    list_display = ("business", "cutoff", "label", "created_by", "created_at")
    list_filter = ("label",)
    list_select_related = ("business", "created_by")
    search_fields = ("business__ruc", "reason")


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAnnotationAdmin):
    list_display = ("business", "date", "action_taken", "sales_change", "created_by")
    list_select_related = ("business", "created_by")
    search_fields = ("business__ruc", "action_taken", "result")


@admin.register(OwnerReport)
class OwnerReportAdmin(ReadOnlyAnnotationAdmin):
    """The audit trail of owner reports: read-only, like every advisor record."""

    list_display = ("business", "created_by", "created_at", "advice", "language", "pages")
    list_filter = ("language", "created_at")
    list_select_related = ("business", "created_by", "advice")
    search_fields = ("business__ruc", "business__legal_name", "created_by__username")
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAnnotationAdmin):
    list_display = ("business", "date", "channel", "created_by", "created_at")
    list_filter = ("channel",)
    list_select_related = ("business", "created_by")
    raw_id_fields = ("business",)


from feedback.dataset import admin as _dataset_admin  # noqa: E402,F401 - registers DatasetExport
