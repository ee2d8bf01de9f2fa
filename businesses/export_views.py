"""HTTP answers for exports: a streaming CSV, or an xlsx written to a temporary file first (a
zip cannot be streamed before it is complete), and the admin actions that use them."""

from __future__ import annotations

import tempfile

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from businesses.exports import CSV, XLSX, export_csv_stream, export_file_name, export_write

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(
    *, kind: str, fmt: str, user, queryset: QuerySet | None = None, via: str = "admin"
) -> HttpResponse:
    """The download of an export of ``kind`` in ``fmt`` for ``user`` (scoped and audited)."""
    name = export_file_name(kind, fmt)
    if fmt == CSV:
        response = StreamingHttpResponse(
            export_csv_stream(kind=kind, user=user, queryset=queryset, detail={"via": via}),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so removes) it
    export_write(kind=kind, fmt=XLSX, out=handle, user=user, queryset=queryset,
                 detail={"via": via})  # fmt: skip
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_TYPE)


def export_actions(kind: str) -> list:
    """Admin actions exporting the selected rows (within the user's scope) as CSV and xlsx."""

    def make(fmt: str, label):
        @admin.action(description=label)
        def action(modeladmin, request, queryset):
            return export_response(kind=kind, fmt=fmt, user=request.user, queryset=queryset)

        action.__name__ = f"export_{kind}_{fmt}"
        return action

    return [
        make(CSV, _("Export the selection as CSV")),
        make(XLSX, _("Export the selection as Excel (xlsx)")),
    ]
