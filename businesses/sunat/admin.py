"""Admin pages of SUNAT's padrón: the runs (state, progress, counts, duration, the bad lines with
their numbers), the statuses and revisions it wrote (read-only: the padrón writes them), and the
onboarding candidates (a steward chooses their sector, then registers them). Registered from
:mod:`businesses.admin`."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from businesses.models import SunatCandidate, SunatPadronRun, SunatRevision, SunatStatus
from businesses.sunat.onboarding import sunat_candidates_register


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the padrón's runs, never by hand."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB"


def _duration(start, end) -> str:
    if start is None:
        return "—"
    seconds = int(((end or timezone.now()) - start).total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


@admin.register(SunatPadronRun)
class SunatPadronRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "created_at",
        "state",
        "source",
        "seen_on",
        "lines",
        "downloaded",
        "matched",
        "changed",
        "bad_lines",
        "onboarded",
        "duration",
        "progress_at",
    ]
    list_display_links = ["pk", "created_at"]
    list_filter = ["status", "source", "seen_on"]
    list_select_related = ["source"]
    search_fields = ["sha256", "file_name"]
    date_hierarchy = "created_at"
    fields = [
        "state",
        "message",
        "source",
        "file_name",
        "sha256",
        "seen_on",
        "created_at",
        "progress_at",
        "finished_at",
        "duration",
        "downloaded",
        "read",
        "lines",
        "matched",
        "changed",
        "onboarded",
        "bad_lines",
        "bad_line_samples",
    ]
    readonly_fields = fields

    @admin.display(description=_("state"), ordering="status")
    def state(self, obj):
        colour = {
            SunatPadronRun.Status.FAILED: "#b00020",
            SunatPadronRun.Status.SUCCEEDED: "#1b7a33",
        }.get(obj.status, "inherit")
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_status_display())

    @admin.display(description=_("downloaded"), ordering="bytes_downloaded")
    def downloaded(self, obj):
        return _megabytes(obj.bytes_downloaded) if obj.bytes_downloaded else "—"

    @admin.display(description=_("text read"), ordering="bytes_read")
    def read(self, obj):
        return _megabytes(obj.bytes_read)

    @admin.display(description=_("duration"))
    def duration(self, obj):
        return _duration(obj.created_at, obj.finished_at)

    @admin.display(description=_("bad lines (first 200)"))
    def bad_line_samples(self, obj):
        problems = obj.problems or []
        if not problems:
            return _("none")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((p.get("line", "?"), p.get("reason", "")) for p in problems),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("line"),
            _("reason"),
            rows,
        )


@admin.register(SunatStatus)
class SunatStatusAdmin(ReadOnlyAdmin):
    list_display = [
        "business",
        "ruc",
        "status",
        "status_since",
        "condition",
        "condition_since",
        "ubigeo",
        "ubigeo_differs",
        "legal_name_differs",
        "seen_on",
    ]
    list_select_related = ["business"]
    list_filter = ["status", "condition", "ubigeo_differs", "legal_name_differs", "seen_on"]
    search_fields = ["business__ruc", "business__legal_name"]
    readonly_fields = [
        "business",
        "status",
        "status_since",
        "condition",
        "condition_since",
        "ubigeo",
        "ubigeo_differs",
        "legal_name",
        "legal_name_differs",
        "address",
        "seen_on",
        "run",
        "revisions",
    ]
    fields = readonly_fields

    @admin.display(description=_("RUC"), ordering="business__ruc")
    def ruc(self, obj):
        return obj.business.ruc

    @admin.display(description=_("revisions"))
    def revisions(self, obj):
        url = reverse("admin:businesses_sunatrevision_changelist")
        return format_html(
            '<a href="{}?business__id__exact={}">{}</a>', url, obj.business_id, _("all of them")
        )


@admin.register(SunatRevision)
class SunatRevisionAdmin(ReadOnlyAdmin):
    list_display = ["business", "ruc", "field", "old", "new", "seen_on", "run"]
    list_select_related = ["business", "run"]
    list_filter = ["field", "seen_on"]
    search_fields = ["business__ruc", "business__legal_name"]
    date_hierarchy = "seen_on"

    @admin.display(description=_("RUC"), ordering="business__ruc")
    def ruc(self, obj):
        return obj.business.ruc


class RegisteredFilter(admin.SimpleListFilter):
    title = _("registered")
    parameter_name = "registered"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(business__isnull=self.value() == "no")
        return queryset


@admin.register(SunatCandidate)
class SunatCandidateAdmin(admin.ModelAdmin):
    """Taxpayers matching the onboarding criteria: only their sector is edited (the padrón has
    none), then “Register as businesses” creates them."""

    list_display = [
        "ruc",
        "legal_name",
        "ubigeo",
        "region",
        "status",
        "condition",
        "first_seen_on",
        "seen_on",
        "sector",
        "business",
    ]
    list_editable = ["sector"]
    list_select_related = ["region", "sector", "business"]
    list_filter = [RegisteredFilter, "region", "seen_on"]
    search_fields = ["ruc", "legal_name"]
    autocomplete_fields = ["sector"]
    show_full_result_count = False
    actions = ["register"]
    readonly_fields = [
        "ruc",
        "legal_name",
        "status",
        "condition",
        "ubigeo",
        "region",
        "address",
        "first_seen_on",
        "seen_on",
        "run",
        "business",
        "registered_by",
        "registered_at",
    ]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Register as businesses (those with a sector)"))
    def register(self, request, queryset):
        outcome = sunat_candidates_register(
            candidates=queryset.select_related("sector", "run"), user=request.user
        )
        if outcome.created:
            self.message_user(
                request,
                ngettext(
                    "%(n)d business registered from the SUNAT padrón.",
                    "%(n)d businesses registered from the SUNAT padrón.",
                    len(outcome.created),
                )
                % {"n": len(outcome.created)},
            )
        for code, text in (
            ("sector", _("%(n)d without a sector were left as candidates: choose one first.")),
            ("registered", _("%(n)d were already registered.")),
        ):
            n = sum(1 for _candidate, why in outcome.skipped if why == code)
            if n:
                self.message_user(request, text % {"n": n}, messages.WARNING)
        for candidate, why in outcome.skipped:
            if why in ("sector", "registered"):
                continue
            self.message_user(
                request,
                _("%(ruc)s not registered: %(reason)s") % {"ruc": candidate.ruc, "reason": why},
                messages.WARNING,
            )
