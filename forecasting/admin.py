from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from businesses.export_views import export_actions
from core.admin import ReadOnlyStewardAdmin
from core.audit import TRAINING_STARTED, audit_record
from core.queueing import QueueUnavailableError
from forecasting.lifecycle import reports as model_reports
from forecasting.lifecycle.reports import TRAINING_PRESETS
from forecasting.lifecycle.services import (
    PromotionError,
    model_version_promote,
    model_version_rollback,
)
from forecasting.models import (
    Advice,
    FeatureDrift,
    ModelEvent,
    ModelKind,
    ModelVersion,
    PredictionChunk,
    PredictionJob,
    PredictionResult,
    Recommendation,
    TrainingRun,
)


class ModelEventInline(admin.TabularInline):
    model = ModelEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "user", "reason", "at"]

    def has_add_permission(self, request, obj=None):
        return False


class PromotionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the promotion or rollback, with your name."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why."))
        return reason


class TrainingStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Models"), choices=TrainingRun.KINDS, initial="all")
    preset = forms.ChoiceField(
        label=_("Parameters"),
        choices=[(key, label) for key, (label, _params) in TRAINING_PRESETS.items()],
        initial="standard",
    )
    promote = forms.BooleanField(
        label=_("Promote the new versions even if they do not beat production"),
        required=False,
    )


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Model versions: read-only records of what was trained. The change page shows the
    measurements against the baselines, the search, importance, the configuration log and the
    feedback on the version; promotion, comparison and rollback have their own pages."""

    list_display = [
        "kind",
        "version",
        "status",
        "score",
        "data_version",
        "training_seconds",
        "created_at",
        "promoted_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    inlines = [ModelEventInline]
    change_list_template = "admin/forecasting/modelversion/change_list.html"

    def has_add_permission(self, request):
        return False  # versions come from training runs only; no endpoint accepts a model file

    def has_delete_permission(self, request, obj=None):
        return False  # the history of models stays

    @admin.display(description=_("held-out score"))
    def score(self, obj) -> str:
        value = model_reports.score_of(obj)
        return "—" if value is None else f"{value:.3f}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/compare/",
                view(self.compare_view),
                name="forecasting_modelversion_compare",
            ),
            path(
                "<path:object_id>/promote/",
                view(self.promote_view),
                name="forecasting_modelversion_promote",
            ),
            path(
                "rollback/<str:kind>/",
                view(self.rollback_view),
                name="forecasting_modelversion_rollback",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def _version_or_404(self, request, object_id) -> ModelVersion:
        version = self.get_object(request, unquote(object_id))
        if version is None:
            raise Http404
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        return version

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The version's report instead of a form: nothing here is edited by hand."""
        version = self._version_or_404(request, object_id)
        production = model_reports.production_version(version.kind)
        return TemplateResponse(
            request,
            "admin/forecasting/modelversion/report.html",
            self._context(
                request,
                title=str(version),
                original=version,
                version=version,
                production=production,
                score=model_reports.score_of(version),
                market_data=model_reports.market_data_note(version),
                horizons=model_reports.horizon_rows(version),
                baseline_labels=model_reports.BASELINE_LABELS,
                growth_scores=model_reports.growth_scores(version),
                growth_not_measured=model_reports.growth_not_measured(version),
                segments=model_reports.segment_rows(version),
                cross_validation=model_reports.cross_validation(version),
                importance=model_reports.importance_bars(version),
                **model_reports.report_sections(version),
                events=version.events.select_related("user"),
                run=version.training_run,
                can_change=self.has_change_permission(request, version),
                json_blocks=[
                    (_("Parameters"), model_reports.config_rows(version.parameters)),
                    (_("Preprocessing record"), model_reports.config_rows(version.preprocessing)),
                    (_("Training data"), model_reports.config_rows(version.data_summary)),
                    (_("Library versions"), model_reports.config_rows(version.library_versions)),
                ],
            ),
        )

    def compare_view(self, request, object_id):
        """A version beside the production version of its kind (or ``?with=<id>``)."""
        version = self._version_or_404(request, object_id)
        other_id = request.GET.get("with")
        if other_id:
            other = ModelVersion.objects.filter(kind=version.kind, pk=other_id).first()
            if other is None:
                raise Http404
        else:
            other = model_reports.production_version(version.kind)
        comparison = model_reports.compare(version, other)
        return TemplateResponse(
            request,
            "admin/forecasting/modelversion/compare.html",
            self._context(
                request,
                title=_("%(a)s compared with %(b)s")
                % {"a": version, "b": other or _("no production version")},
                comparison=comparison,
                baseline_labels=model_reports.BASELINE_LABELS,
                candidate_importance=model_reports.importance_bars(version),
                production_importance=model_reports.importance_bars(other),
                candidate_cv=model_reports.cross_validation(version),
                production_cv=model_reports.cross_validation(other),
                margin=getattr(settings, "PROMOTION_MARGIN", 0.01),
                can_change=self.has_change_permission(request, version),
            ),
        )

    def promote_view(self, request, object_id):
        """Promote with a required reason (recorded as a ModelEvent and in the audit log)."""
        version = self._version_or_404(request, object_id)
        if not self.has_change_permission(request, version):
            raise PermissionDenied
        form = PromotionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                model_version_promote(
                    version=version, user=request.user, reason=form.cleaned_data["reason"]
                )
            except PromotionError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("%(v)s is in production.") % {"v": version})
                return redirect("admin:forecasting_modelversion_change", version.pk)
        return TemplateResponse(
            request,
            "admin/forecasting/modelversion/reason_form.html",
            self._context(
                request,
                title=_("Promote %(v)s to production") % {"v": version},
                form=form,
                version=version,
                production=model_reports.production_version(version.kind),
                action_label=_("Promote"),
            ),
        )

    def rollback_view(self, request, kind):
        """Put back the previous production version of ``kind``, with a required reason."""
        if kind not in ModelKind.values:
            raise Http404
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = PromotionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                restored = model_version_rollback(
                    kind=kind, user=request.user, reason=form.cleaned_data["reason"]
                )
            except PromotionError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("%(v)s is in production again.") % {"v": restored})
                return redirect("admin:forecasting_modelversion_change", restored.pk)
        return TemplateResponse(
            request,
            "admin/forecasting/modelversion/reason_form.html",
            self._context(
                request,
                title=_("Roll back the %(kind)s") % {"kind": ModelKind(kind).label},
                form=form,
                version=None,
                production=model_reports.production_version(kind),
                action_label=_("Roll back"),
            ),
        )


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Training runs: started here (queued for a worker), followed on their page, which
    refreshes itself until the run ends."""

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
    fields = [
        "kind",
        "status",
        "stage",
        "percent",
        "promote",
        "parameters",
        "log",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/forecasting/trainingrun/change_form.html"
    refresh_seconds = 3

    def has_change_permission(self, request, obj=None):
        return False  # a run is started and followed, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Start a training run: create it and queue it for a worker."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TrainingStartForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            # imported here: the admin loads in every process, the ML stack only where needed
            from forecasting.lifecycle.training import training_run_create, training_run_enqueue

            kind, preset = form.cleaned_data["kind"], form.cleaned_data["preset"]
            try:
                with transaction.atomic():
                    run = training_run_create(
                        kind=kind,
                        promote=form.cleaned_data["promote"],
                        user=request.user,
                        parameters=model_reports.preset_parameters(preset, kind),
                    )
                    training_run_enqueue(run)
                    audit_record(
                        request.user, TRAINING_STARTED, run, {"kind": kind, "preset": preset}
                    )
            except QueueUnavailableError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Training run #%(id)d is queued for a worker.") % {"id": run.pk}
                )
                return redirect("admin:forecasting_trainingrun_change", run.pk)
        return TemplateResponse(
            request,
            "admin/forecasting/trainingrun/start.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Start a training run"),
                "form": form,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if run is not None:
            extra["refresh_seconds"] = None if run.is_finished else self.refresh_seconds
            extra["run_versions"] = list(run.model_versions.all())
        return super().change_view(request, object_id, form_url, extra_context=extra)


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
    actions = export_actions("advice")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Advice._meta.fields]

    def has_add_permission(self, request):
        return False


class PredictionChunkInline(admin.TabularInline):
    model = PredictionChunk
    extra = 0
    can_delete = False
    fields = ["index", "status", "done", "attempts", "worker", "seconds", "error", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PredictionJob)
class PredictionJobAdmin(admin.ModelAdmin):
    """Prediction jobs come from the API, the ``score`` command and the nightly schedule:
    read-only here, to follow them and see why one failed."""

    list_display = [
        "id",
        "status",
        "done",
        "total",
        "created_by",
        "partner",
        "cutoff",
        "created_at",
        "finished_at",
    ]
    list_select_related = ["created_by", "partner"]
    list_filter = ["status"]
    exclude = ["group_statistics"]
    inlines = [PredictionChunkInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("group_statistics")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PredictionJob._meta.fields if f.name != "group_statistics"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PredictionResult)
class PredictionResultAdmin(admin.ModelAdmin):
    list_display = ["job", "business", "cutoff", "growth_probability", "mean_h1", "computed_at"]
    list_select_related = ["job", "business"]
    list_filter = ["job__status"]
    search_fields = ["=business__ruc"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PredictionResult._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeatureDrift)
class FeatureDriftAdmin(ReadOnlyStewardAdmin):
    """Data drift of the production models, per feature (forecasting.scoring.drift), read-only:
    written by the drift_measure task, exposed on /metrics as asesor_feature_drift_psi."""

    list_display = ["model_version", "feature", "psi", "period", "measured_at"]
    list_filter = ["model_version__kind"]
    search_fields = ["feature"]
    ordering = ["-psi"]
    readonly_fields = ["model_version", "feature", "psi", "period", "measured_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # as before: a superuser may clear the rows (the next measurement writes them again)
        return request.user.is_superuser
