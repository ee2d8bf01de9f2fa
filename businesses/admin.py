"""Admin pages for the registry. At 100,000 businesses and millions of records every list page
selects its related rows in the same query, skips the full count and uses raw id widgets."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Business,
    DataImport,
    MarketIndicator,
    MonthlyRecord,
    Region,
    Sector,
    SupervisedRegion,
    SupportProgramme,
    UITValue,
)


class FastListAdmin(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class DivisionInline(admin.TabularInline):
    model = Sector
    fk_name = "section"
    extra = 0
    fields = ["code", "name"]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "section"]
    list_select_related = ["section"]
    list_filter = [("section", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    inlines = [DivisionInline]


@admin.register(UITValue)
class UITValueAdmin(admin.ModelAdmin):
    list_display = ["year", "value"]


@admin.register(SupportProgramme)
class SupportProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "axis", "active", "is_demo"]
    list_filter = ["axis", "active", "is_demo"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}


class MonthlyRecordInline(admin.TabularInline):
    model = MonthlyRecord
    extra = 0
    fields = ["period", "sales", "costs", "employees", "satisfaction", "source_import"]
    raw_id_fields = ["source_import"]
    ordering = ["-period"]
    show_change_link = False


@admin.register(Business)
class BusinessAdmin(FastListAdmin):
    list_display = [
        "ruc",
        "legal_name",
        "trade_name",
        "sector",
        "region",
        "size_class",
        "advisor",
        "source",
    ]
    list_select_related = ["sector", "region", "advisor"]
    list_filter = ["size_class", "region", "sector__section", "source", "women_led", "sells_online"]
    search_fields = ["=ruc", "legal_name", "trade_name"]
    raw_id_fields = ["sector", "advisor", "source_import"]
    readonly_fields = ["size_class", "created_at", "updated_at"]
    inlines = [MonthlyRecordInline]
    actions = ["refresh_size_classes"]

    @admin.action(description=_("Recompute size class from the last 12 months"))
    def refresh_size_classes(self, request, queryset):
        from .services import business_refresh_size_classes

        changed = business_refresh_size_classes(business_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d size classes changed.") % {"n": changed})


@admin.register(MonthlyRecord)
class MonthlyRecordAdmin(FastListAdmin):
    list_display = ["business", "period", "sales", "costs", "employees", "satisfaction"]
    list_select_related = ["business"]
    list_filter = ["satisfaction", "business__region"]
    search_fields = ["=business__ruc"]
    raw_id_fields = ["business", "source_import"]
    date_hierarchy = "period"


@admin.register(MarketIndicator)
class MarketIndicatorAdmin(FastListAdmin):
    list_display = ["name", "sector", "region", "period", "value"]
    list_select_related = ["sector", "region"]
    list_filter = ["name", "region"]
    search_fields = ["name", "=sector__code"]
    raw_id_fields = ["sector", "source_import"]
    date_hierarchy = "period"


@admin.register(DataImport)
class DataImportAdmin(FastListAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "file_name",
        "uploaded_by",
        "created_at",
        "rows_read",
        "rows_created",
        "rows_updated",
        "rows_rejected",
    ]
    list_select_related = ["uploaded_by"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = [f.name for f in DataImport._meta.fields]


@admin.register(SupervisedRegion)
class SupervisedRegionAdmin(admin.ModelAdmin):
    list_display = ["user", "region"]
    list_select_related = ["user", "region"]
    list_filter = ["region"]
    raw_id_fields = ["user"]
