"""Admin pages for data sources (with their series mappings and health) and for the revisions
that pulls and imports kept. Registered from :mod:`businesses.admin`."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from businesses.models import DataSource, IndicatorRevision, SourceSeries, SunatOnboarding
from businesses.sources.schedules import data_source_delete, data_source_save
from businesses.sources.selectors import FAILING_AFTER, source_backoff_until
from core.queueing import QueueUnavailableError, enqueue


class SourceSeriesInline(admin.TabularInline):
    model = SourceSeries
    extra = 1
    fields = ["code", "description", "indicator", "sector", "region", "enabled"]


class SunatOnboardingInline(admin.StackedInline):
    """The SUNAT source's onboarding option (one row, off by default)."""

    model = SunatOnboarding
    extra = 1
    max_num = 1
    can_delete = False
    fields = ["enabled", "ubigeo_prefixes", "companies", "persons"]
    verbose_name = verbose_name_plural = _("Onboarding from the padrón")


class DataSourceForm(forms.ModelForm):
    confirm_url = forms.BooleanField(
        label=_("I confirm this URL"),
        required=False,
        help_text=_(
            "SUNAT padrón: tick after checking that the URL above is where SUNAT publishes the "
            "padrón reducido del RUC (a zip). Changing the URL asks for a new confirmation."
        ),
    )

    class Meta:
        model = DataSource
        # The admin builds the form from its fieldsets (the URL field with its https scheme).
        fields = [
            *("name", "provider", "kind", "language", "contact", "licence"),
            *("description", "is_demo", "enabled", "update_frequency", "period_start"),
        ]

    def clean(self):
        cleaned = super().clean()
        # Before the model's own validation, which refuses to enable an unconfirmed SUNAT source.
        if cleaned.get("confirm_url") and cleaned.get("url"):
            self.instance.confirmed_url = cleaned["url"]
        return cleaned


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "provider",
        "kind",
        "enabled",
        "update_frequency",
        "health",
        "last_pull_at",
        "last_success_at",
        "last_failure_at",
        "failure_reason",
        "series_count",
    ]
    list_filter = ["kind", "enabled", "last_pull_status"]
    search_fields = ["name", "provider", "url"]
    form = DataSourceForm
    inlines = [SourceSeriesInline]
    actions = ["pull_now"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "last_pull_at",
        "last_pull_status",
        "last_pull_counts",
        "last_pull_message",
        "last_success_at",
        "last_failure_at",
        "last_failure_reason",
        "consecutive_failures",
        "pull_schedule",
        "next_pull",
        "period_end",
        "created_at",
        "updated_at",
        "url_confirmation",
        "padron_runs",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "provider",
                    "kind",
                    "url",
                    "language",
                    "contact",
                    "licence",
                    "description",
                    "is_demo",
                ]
            },
        ),
        (
            _("Schedule and coverage"),
            {
                "fields": [
                    "enabled",
                    "update_frequency",
                    "pull_schedule",
                    "next_pull",
                    "period_start",
                    "period_end",
                ]
            },
        ),
        (
            _("Health"),
            {
                "fields": [
                    "last_pull_at",
                    "last_pull_status",
                    "last_pull_counts",
                    "last_pull_message",
                    "last_success_at",
                    "last_failure_at",
                    "last_failure_reason",
                    "consecutive_failures",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.kind != DataSource.Kind.SUNAT_PADRON:
            return fieldsets
        sunat = (
            _("SUNAT padrón"),
            {"fields": ["confirm_url", "url_confirmation", "padron_runs"]},
        )
        return [fieldsets[0], sunat, *fieldsets[1:]]

    def get_inlines(self, request, obj):
        if obj is not None and obj.kind == DataSource.Kind.SUNAT_PADRON:
            return [SunatOnboardingInline]
        return [SourceSeriesInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("schedule__crontab", "schedule__interval")
            .annotate(n_series=Count("series"))
        )

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("confirm_url") and obj.url:
            obj.confirmed_url = obj.url
            obj.url_confirmed_by, obj.url_confirmed_at = request.user, timezone.now()
        data_source_save(source=obj)

    @admin.display(description=_("URL confirmation"))
    def url_confirmation(self, obj):
        if obj is None or not obj.confirmed_url:
            return _("not confirmed: the source cannot be enabled")
        if not obj.url_is_confirmed:
            return _("the URL changed since %(url)s was confirmed: confirm it again") % {
                "url": obj.confirmed_url
            }
        return _("confirmed by %(user)s on %(when)s") % {
            "user": obj.url_confirmed_by or "—",
            "when": formats.localize(timezone.localtime(obj.url_confirmed_at))
            if obj.url_confirmed_at
            else "—",
        }

    @admin.display(description=_("padrón runs"))
    def padron_runs(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:businesses_sunatpadronrun_changelist") + f"?source__id__exact={obj.pk}"
        last = obj.sunat_runs.order_by("-created_at").first()
        if last is None:
            return format_html('<a href="{}">{}</a>', url, _("none yet"))
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("last: #%(run)d, %(state)s") % {"run": last.pk, "state": last.get_status_display()},
        )

    def delete_model(self, request, obj):
        data_source_delete(source=obj)

    def delete_queryset(self, request, queryset):
        for source in queryset:
            data_source_delete(source=source)

    @admin.display(description=_("series"), ordering="n_series")
    def series_count(self, obj):
        return obj.n_series

    @admin.display(description=_("health"))
    def health(self, obj):
        if obj.last_pull_status == DataSource.PullStatus.NEVER:
            return _("never pulled")
        if obj.last_pull_status == DataSource.PullStatus.SUCCEEDED:
            return format_html('<span style="color:#1b7a33">{}</span>', _("OK"))
        label = (
            _("failing (%(n)d in a row)") % {"n": obj.consecutive_failures}
            if obj.consecutive_failures >= FAILING_AFTER
            else _("last pull failed")
        )
        return format_html('<strong style="color:#b00020">{}</strong>', label)

    @admin.display(description=_("why it last failed"))
    def failure_reason(self, obj):
        reason = obj.last_failure_reason
        return reason if len(reason) <= 120 else reason[:119] + "…"

    @admin.display(description=_("pull schedule"))
    def pull_schedule(self, obj):
        """When the source is pulled: its own beat entry, with a link to edit its times."""
        task = obj.schedule if obj.pk else None
        if task is None:
            if obj.kind == DataSource.Kind.MANUAL:
                return _("none: manual sources are imported by hand")
            return _("created when the source is saved")
        when = task.crontab or task.interval or task.solar or task.clocked
        url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
        state = _("active") if task.enabled else _("paused (the source is disabled)")
        return format_html('<a href="{}">{}</a> — {}', url, when or task.name, state)

    @admin.display(description=_("next scheduled pull"))
    def next_pull(self, obj):
        if not obj.enabled or obj.kind == DataSource.Kind.MANUAL or obj.schedule is None:
            return _("not scheduled")
        until = source_backoff_until(obj)
        if until is not None:
            return _("at the first scheduled time after %(until)s (backing off after failures)") % {
                "until": formats.localize(timezone.localtime(until))
            }
        return _("at the next time of its schedule")

    @admin.action(description=_("Pull now (on the worker)"))
    def pull_now(self, request, queryset):
        from businesses.tasks import source_pull_now

        names = []
        try:
            for source in queryset.exclude(kind=DataSource.Kind.MANUAL):
                enqueue(source_pull_now, source.pk, request.user.pk)
                names.append(source.name)
        except QueueUnavailableError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        if names:
            self.message_user(
                request,
                _("Pull queued for: %(names)s. Its outcome appears here under Health.")
                % {"names": ", ".join(names)},
            )
        else:
            self.message_user(request, _("Manual sources are not pulled."), messages.WARNING)


@admin.register(IndicatorRevision)
class IndicatorRevisionAdmin(admin.ModelAdmin):
    """History is kept, never edited."""

    list_display = [
        "indicator",
        "old_value",
        "new_value",
        "revised_at",
        "source",
        "new_import",
        "revised_by",
    ]
    list_select_related = ["indicator", "source", "new_import", "revised_by"]
    list_filter = ["source"]
    search_fields = ["indicator__name"]
    date_hierarchy = "revised_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
