"""The steward's dataset export: "Export the dataset" starts a job for a worker, its page shows
the progress (refreshing itself until it ends, as training runs do) and then the archive to
download. Stewards and superusers only (the admin's two-factor middleware covers the rest)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.audit import EXPORT, audit_record
from core.queueing import QueueUnavailableError
from core.roles import STEWARD, has_role
from feedback.models import DatasetExport


def is_dataset_steward(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or has_role(user, STEWARD))
    )


class DatasetExportForm(forms.Form):
    since = forms.CharField(
        label=_("From month (yyyy-mm)"),
        required=False,
        max_length=7,
        help_text=_("Leave empty to export every month."),
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("auto", _("Parquet when available, else gzipped CSV")),
            ("parquet", "Parquet"),
            ("csv", _("Gzipped CSV")),
        ],
        initial="auto",
    )

    def clean_since(self):
        from feedback.dataset.exporter import DatasetExportError, parse_since

        try:
            return parse_since(self.cleaned_data.get("since"))
        except DatasetExportError as error:
            raise ValidationError(str(error)) from None


@admin.register(DatasetExport)
class DatasetExportAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "stage", "percent", "since", "requested_by", "created_at",
                    "finished_at"]  # fmt: skip
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    fields = ["status", "stage", "percent", "since", "file_format", "archive", "size_bytes",
              "archive_sha256", "summary", "log", "error", "requested_by", "created_at",
              "started_at", "finished_at"]  # fmt: skip
    readonly_fields = fields
    change_form_template = "admin/feedback/datasetexport/change_form.html"
    change_list_template = "admin/feedback/datasetexport/change_list.html"
    refresh_seconds = 3

    def has_module_permission(self, request):
        return is_dataset_steward(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_dataset_steward(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_dataset_steward(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # an export is started and followed, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="feedback_datasetexport_download",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Start an export: create it and queue it for a worker."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DatasetExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            from feedback.dataset.jobs import dataset_export_create, dataset_export_enqueue

            try:
                with transaction.atomic():
                    export = dataset_export_create(
                        user=request.user,
                        since=form.cleaned_data["since"],
                        file_format=form.cleaned_data["file_format"],
                    )
                    dataset_export_enqueue(export)
            except QueueUnavailableError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Dataset export #%(id)d is queued for a worker.") % {"id": export.pk}
                )
                return redirect("admin:feedback_datasetexport_change", export.pk)
        return TemplateResponse(
            request,
            "admin/feedback/datasetexport/start.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Export the dataset for data scientists"),
                "form": form,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        export = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if export is not None:
            extra["refresh_seconds"] = None if export.is_finished else self.refresh_seconds
            from feedback.dataset.jobs import archive_path

            extra["archive_ready"] = archive_path(export) is not None
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def download_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        from feedback.dataset.jobs import archive_path

        export = self.get_object(request, unquote(object_id))
        path = archive_path(export) if export is not None else None
        if path is None:
            raise Http404(_("This export has no archive."))
        audit_record(
            request.user,
            EXPORT,
            export,
            {"kind": "dataset", "format": export.summary.get("format"),
             "rows": export.summary.get("rows"), "via": "admin download"},
        )  # fmt: skip
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
