"""Services over model versions: promotion and rollback, recorded with who and why."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import MODEL_PROMOTED, MODEL_ROLLED_BACK, audit_record
from forecasting.models import ModelEvent, ModelVersion


class PromotionError(Exception):
    pass


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PromotionError(_("Say why: a promotion or a rollback is recorded with its reason."))
    return reason


@transaction.atomic
def model_version_promote(*, version: ModelVersion, user=None, reason: str = "") -> ModelVersion:
    """Make ``version`` the production model of its kind; the previous one is archived.
    ``reason`` is required (a blank one raises :class:`PromotionError`); the promotion is
    recorded as a ModelEvent and in the audit log."""
    promoted = _promote(version=version, user=user, reason=_require_reason(reason))
    audit_record(user, MODEL_PROMOTED, promoted, {"kind": promoted.kind,
                 "version": promoted.version, "reason": reason.strip()})  # fmt: skip
    return promoted


def _promote(*, version: ModelVersion, user, reason: str) -> ModelVersion:
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in (ModelVersion.Status.CANDIDATE, ModelVersion.Status.ARCHIVED):
        raise PromotionError(
            _("Only a candidate or archived version can be promoted (%(v)s is %(s)s).")
            % {"v": version, "s": version.get_status_display()}
        )
    current = (
        ModelVersion.objects.select_for_update()
        .filter(kind=version.kind, status=ModelVersion.Status.PRODUCTION)
        .first()
    )
    if current is not None:
        current.status = ModelVersion.Status.ARCHIVED
        current.save(update_fields=["status"])
        ModelEvent.objects.create(
            model_version=current,
            action=ModelEvent.Action.ARCHIVED,
            user=user,
            reason=_("Replaced by version %(n)d.") % {"n": version.version},
        )
    version.status = ModelVersion.Status.PRODUCTION
    version.promoted_at = timezone.now()
    version.save(update_fields=["status", "promoted_at"])
    ModelEvent.objects.create(
        model_version=version, action=ModelEvent.Action.PROMOTED, user=user, reason=reason
    )
    return version


@transaction.atomic
def model_version_rollback(*, kind: str, user=None, reason: str = "") -> ModelVersion:
    """Put back the version that was in production before the current one (``reason``
    required; recorded as ModelEvents and in the audit log)."""
    reason = _require_reason(reason)
    current = ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.PRODUCTION).first()
    previous = (
        ModelVersion.objects.filter(
            kind=kind,
            status=ModelVersion.Status.ARCHIVED,
            promoted_at__isnull=False,
            **({"promoted_at__lt": current.promoted_at} if current else {}),
        )
        .order_by("-promoted_at")
        .first()
    )
    if previous is None:
        raise PromotionError(_("There is no earlier production version to roll back to."))
    replaced = current.version if current else None
    promoted = _promote(version=previous, user=user, reason=reason)
    ModelEvent.objects.create(
        model_version=promoted, action=ModelEvent.Action.ROLLED_BACK, user=user, reason=reason
    )
    audit_record(
        user,
        MODEL_ROLLED_BACK,
        promoted,
        {"kind": kind, "version": promoted.version, "replaced": replaced, "reason": reason},
    )
    return promoted


def next_version_number(kind: str) -> int:
    last = ModelVersion.objects.filter(kind=kind).order_by("-version").first()
    return (last.version + 1) if last else 1
