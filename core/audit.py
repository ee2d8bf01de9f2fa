"""The audit log: who did what to which data, models, roles and keys.

A small model of our own (:class:`core.models.AuditEntry`) rather than django-auditlog: most
of what must be recorded is not a row changing (an export, a promotion with its reason, a
file import with its counts, a key issued), and django-auditlog records field diffs of
registered models. One function writes it, :func:`audit_record`, called by the services that
do the recorded things; role and assignment changes made anywhere (admin, portal, API, shell)
are caught by the signal receivers below, which learn the acting user from
:class:`AuditActorMiddleware` (no user outside a request: the system acted).
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

# The actions the product records (others may record their own names too).
IMPORT = "import"
EXPORT = "export"
MODEL_PROMOTED = "model_promoted"
MODEL_ROLLED_BACK = "model_rolled_back"
TRAINING_STARTED = "training_started"
ROLE_ADDED = "role_added"
ROLE_REMOVED = "role_removed"
USER_FLAGS_CHANGED = "user_flags_changed"
REGION_ASSIGNED = "region_assigned"
REGION_UNASSIGNED = "region_unassigned"
ADVISOR_CHANGED = "advisor_changed"
API_KEY_CREATED = "api_key_created"
API_KEY_REVOKED = "api_key_revoked"
OTP_DEVICE_CONFIRMED = "otp_device_confirmed"
OTP_DEVICES_REMOVED = "otp_devices_removed"

ACTION_LABELS = {
    IMPORT: _("Data import"),
    EXPORT: _("Data export"),
    MODEL_PROMOTED: _("Model promoted"),
    MODEL_ROLLED_BACK: _("Model rolled back"),
    TRAINING_STARTED: _("Training started"),
    ROLE_ADDED: _("Role (group) added"),
    ROLE_REMOVED: _("Role (group) removed"),
    USER_FLAGS_CHANGED: _("Staff or superuser status changed"),
    REGION_ASSIGNED: _("Supervised region assigned"),
    REGION_UNASSIGNED: _("Supervised region removed"),
    ADVISOR_CHANGED: _("Business advisor changed"),
    API_KEY_CREATED: _("API key created"),
    API_KEY_REVOKED: _("API key revoked"),
    OTP_DEVICE_CONFIRMED: _("Two-factor device enrolled"),
    OTP_DEVICES_REMOVED: _("Two-factor turned off (devices removed)"),
}

_current_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


def current_actor():
    """The user of the request being served, or None (a command, a worker, a migration)."""
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    return user if getattr(user, "is_authenticated", False) else None


class AuditActorMiddleware:
    """Makes the request's user known to the audit receivers for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _target_fields(target: Any) -> dict:
    if target is None:
        return {}
    if isinstance(target, models.Model):
        return {
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk or ""),
            "target_repr": str(target)[:255],
        }
    return {"target_repr": str(target)[:255]}


def audit_record(actor, action: str, target: Any = None, detail: dict | None = None):
    """Record that ``actor`` (a user, or None for the system) did ``action`` to ``target``
    (a model instance or a short text), with ``detail`` (JSON-friendly) saying how.

    Written in the caller's transaction: an action that rolls back leaves no entry."""
    from core.models import AuditEntry

    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        detail=detail or {},
        **_target_fields(target),
    )


# ---------------------------------------------------------------------------- signal receivers


def _group_membership_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """User ↔ group changes, from either side (``user.groups.add`` or ``group.user_set.add``)."""
    if action == "pre_clear":
        # a clear sends no pk_set afterwards: remember what is being removed
        related = instance.user_set if reverse else instance.groups
        instance._audit_cleared = set(related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        pk_set = getattr(instance, "_audit_cleared", set())
    if not pk_set:
        return
    verb = ROLE_ADDED if action == "post_add" else ROLE_REMOVED
    actor = current_actor()
    from django.contrib.auth.models import Group

    if reverse:  # instance is a group, pk_set are users
        for user in get_user_model().objects.filter(pk__in=pk_set):
            audit_record(actor, verb, user, {"group": instance.name, "user": user.username})
    else:
        for name in Group.objects.filter(pk__in=pk_set).values_list("name", flat=True):
            audit_record(actor, verb, instance, {"group": name, "user": instance.username})


_USER_FLAGS = ("is_superuser", "is_staff", "is_active")


def _user_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._audit_flags = None
    if raw or not instance.pk:
        return
    if update_fields is not None and not set(update_fields) & set(_USER_FLAGS):
        return  # e.g. a login's last_login: no query
    old = sender.objects.filter(pk=instance.pk).values(*_USER_FLAGS).first()
    instance._audit_flags = old


def _user_post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    old = getattr(instance, "_audit_flags", None)
    if not created and old is None:
        return
    new = {flag: getattr(instance, flag) for flag in _USER_FLAGS}
    if created:
        changed = {f: [False, v] for f, v in new.items() if f != "is_active" and v}
    else:
        changed = {f: [old[f], new[f]] for f in _USER_FLAGS if old and old[f] != new[f]}
    if changed:
        audit_record(
            current_actor(), USER_FLAGS_CHANGED, instance,
            {"user": instance.username, "changed": changed},
        )  # fmt: skip


def connect_receivers() -> None:
    """Called from ``CoreConfig.ready``: role and staff changes, made anywhere."""
    from django.db.models.signals import m2m_changed, post_save, pre_save

    user_model = get_user_model()
    m2m_changed.connect(
        _group_membership_changed, sender=user_model.groups.through, dispatch_uid="audit_groups"
    )
    pre_save.connect(_user_pre_save, sender=user_model, dispatch_uid="audit_user_pre")
    post_save.connect(_user_post_save, sender=user_model, dispatch_uid="audit_user_post")
