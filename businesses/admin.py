"""Admin pages for the registry. At 100,000 businesses and millions of records every list page
selects its related rows in the same query, skips the full count and uses raw id widgets."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from businesses.export_views import export_actions, export_response
from businesses.exports import EXPORTS, FORMATS
from businesses.forms import BusinessAdminForm
from businesses.imports import ImportRefusedError, data_import_run
from businesses.imports.forms import DataImportConfirmForm, DataImportUploadForm
from businesses.imports.importers import IMPORTERS
from businesses.imports.report import data_import_rejections_csv
from businesses.imports.uploads import upload_discard, upload_path, upload_store
from businesses.models import (
    Business,
    BusinessAssignment,
    DataImport,
    MarketIndicator,
    MonthlyRecord,
    Region,
    Sector,
    SizeClass,
    SupervisedRegion,
    SupportProgramme,
    UITValue,
)


class SupportProgrammeForm(forms.ModelForm):
    size_classes = forms.MultipleChoiceField(
        label=_("eligible size classes"),
        choices=[c for c in SizeClass.choices if c[0] != SizeClass.UNKNOWN],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every size. A business of unknown size is not excluded."),
    )

    class Meta:
        model = SupportProgramme
        fields = [
            "name", "code", "axis", "agency", "description", "description_en", "how_to_apply",
            "how_to_apply_en", "url", "sectors", "size_classes", "regions", "active", "is_demo",
        ]  # fmt: skip


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"), choices=[(k, spec.label) for k, spec in EXPORTS.items()]
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[(f, f.upper()) for f in FORMATS], initial=FORMATS[0]
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
    list_display = ["name", "code", "axis", "agency", "active", "is_demo"]
    list_filter = ["axis", "active", "is_demo"]
    search_fields = ["name", "code", "description", "description_en", "agency"]
    prepopulated_fields = {"code": ["name"]}
    form = SupportProgrammeForm
    filter_horizontal = ["sectors", "regions"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "code",
                    "axis",
                    "agency",
                    "description",
                    "description_en",
                    "how_to_apply",
                    "how_to_apply_en",
                    "url",
                ]
            },
        ),
        (
            _("Eligibility"),
            {
                "fields": ["sectors", "size_classes", "regions"],
                "description": _(
                    "Advice links a recommendation to this programme only for businesses that "
                    "meet all three; leave one empty for “any”."
                ),
            },
        ),
        (None, {"fields": ["active", "is_demo"]}),
    ]


class MonthlyRecordInline(admin.TabularInline):
    model = MonthlyRecord
    extra = 0
    fields = ["period", "sales", "costs", "employees", "satisfaction", "source_import"]
    raw_id_fields = ["source_import"]
    ordering = ["-period"]
    show_change_link = False


@admin.register(Business)
class BusinessAdmin(FastListAdmin):
    form = BusinessAdminForm
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
    actions = ["refresh_size_classes", *export_actions("businesses")]

    @admin.action(description=_("Recompute size class from the last 12 months"))
    def refresh_size_classes(self, request, queryset):
        from businesses.services import business_refresh_size_classes

        changed = business_refresh_size_classes(business_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d size class changed.", "%(n)d size classes changed.", changed)
            % {"n": changed},
        )


@admin.register(MonthlyRecord)
class MonthlyRecordAdmin(FastListAdmin):
    list_display = ["business", "period", "sales", "costs", "employees", "satisfaction"]
    list_select_related = ["business"]
    list_filter = ["satisfaction", "business__region"]
    search_fields = ["=business__ruc"]
    raw_id_fields = ["business", "source_import"]
    date_hierarchy = "period"
    actions = export_actions("monthly")


@admin.register(MarketIndicator)
class MarketIndicatorAdmin(FastListAdmin):
    list_display = ["name", "sector", "region", "period", "value", "source", "pulled_at"]
    list_select_related = ["sector", "region", "source"]
    list_filter = ["name", "region", "source"]
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
        "rows_unchanged",
        "rows_rejected",
    ]
    list_select_related = ["uploaded_by"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = [f.name for f in DataImport._meta.fields]
    change_list_template = "admin/businesses/dataimport/change_list.html"
    change_form_template = "admin/businesses/dataimport/change_form.html"
    # The preview lists this many problems; the stored report and its CSV keep them all.
    preview_problems = 1000

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="businesses_dataimport_import"),
            path(
                "import/confirm/",
                view(self.import_confirm_view),
                name="businesses_dataimport_import_confirm",
            ),
            path("export/", view(self.export_view), name="businesses_dataimport_export"),
            path(
                "<path:object_id>/rejected.csv",
                view(self.rejected_csv_view),
                name="businesses_dataimport_rejected_csv",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # A data import is made by importing a file, never typed in.
        return redirect("admin:businesses_dataimport_import")

    def _context(self, request, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def import_view(self, request):
        """Upload a file, then show its dry run: the counts and every rejected row."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DataImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            uploaded = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            sha256 = None
            try:
                sha256 = upload_store(uploaded=uploaded)
                report = data_import_run(
                    kind=kind, path=upload_path(sha256=sha256), file_name=uploaded.name,
                    dry_run=True,
                )  # fmt: skip
            except ImportRefusedError as refused:
                if sha256:
                    upload_discard(sha256=sha256)
                form.add_error("file", str(refused))
            else:
                confirm = DataImportConfirmForm(
                    initial={"kind": kind, "sha256": sha256, "file_name": uploaded.name}
                )
                return TemplateResponse(
                    request,
                    "admin/businesses/dataimport/import_preview.html",
                    self._context(
                        request,
                        title=_("Preview of the import"),
                        report=report,
                        problems=report.problems[: self.preview_problems],
                        confirm_form=confirm,
                    ),
                )
        kinds = [
            (label, [c.names() for c in IMPORTERS[value].columns if c.required],
             [c.names() for c in IMPORTERS[value].columns if not c.required])
            for value, label in DataImport.Kind.choices
            if value in IMPORTERS
        ]  # fmt: skip
        return TemplateResponse(
            request,
            "admin/businesses/dataimport/import_form.html",
            self._context(request, title=_("Import data"), form=form, kinds=kinds),
        )

    @method_decorator(require_POST)
    def import_confirm_view(self, request):
        """Run the previewed import for real, then show its report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DataImportConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The import could not be confirmed: upload the file again."))
            return redirect("admin:businesses_dataimport_import")
        sha256 = form.cleaned_data["sha256"]
        try:
            report = data_import_run(
                kind=form.cleaned_data["kind"],
                path=upload_path(sha256=sha256),
                file_name=form.cleaned_data["file_name"],
                user=request.user,
                expected_sha256=sha256,
            )
        except ImportRefusedError as refused:
            messages.error(request, str(refused))
            return redirect("admin:businesses_dataimport_import")
        upload_discard(sha256=sha256)
        level = messages.WARNING if report.rows_rejected else messages.SUCCESS
        messages.add_message(request, level, report.summary())
        return redirect(reverse("admin:businesses_dataimport_change", args=[report.data_import.pk]))

    def export_view(self, request):
        """Export a whole kind (businesses, monthly records, advice, feedback) as CSV or xlsx:
        everything the user may see, formula-safe, recorded in the audit log."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return export_response(
                kind=form.cleaned_data["kind"], fmt=form.cleaned_data["format"], user=request.user
            )
        return TemplateResponse(
            request,
            "admin/businesses/dataimport/export_form.html",
            self._context(request, title=_("Export data"), form=form),
        )

    def rejected_csv_view(self, request, object_id):
        """The rejected rows of one import as CSV (formula-safe)."""
        data_import = self.get_object(request, unquote(object_id))
        if data_import is None:
            raise Http404
        if not self.has_view_permission(request, data_import):
            raise PermissionDenied
        response = StreamingHttpResponse(
            data_import_rejections_csv(data_import=data_import),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="import-{data_import.pk}-rejected-rows.csv"'
        )
        return response


@admin.register(SupervisedRegion)
class SupervisedRegionAdmin(admin.ModelAdmin):
    list_display = ["user", "region"]
    list_select_related = ["user", "region"]
    list_filter = ["region"]
    raw_id_fields = ["user"]


# Data sources, their series mappings and the indicator revisions (businesses.sources).
from businesses.sources import admin as _sources_admin  # noqa: E402, F401

# SUNAT's padrón: its runs, statuses, revisions and onboarding candidates (businesses.sunat).
from businesses.sunat import admin as _sunat_admin  # noqa: E402, F401


@admin.register(BusinessAssignment)
class BusinessAssignmentAdmin(FastListAdmin):
    """The history of who moved which business to whom and why: read-only (supervisors
    reassign from the caseload, where it is recorded)."""

    list_display = ("business", "from_advisor", "to_advisor", "created_by", "created_at")
    list_select_related = ("business", "from_advisor", "to_advisor", "created_by")
    search_fields = ("business__ruc", "business__legal_name", "reason")
    readonly_fields = ("business", "from_advisor", "to_advisor", "reason", "created_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Partner systems, their keys and grants: a page of their own.
from businesses import partner_admin  # noqa: E402, F401
