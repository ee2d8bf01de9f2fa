"""Audit receivers of the registry: supervised regions and a business's advisor, changed
anywhere (admin, portal, API, shell), written to the audit log (:mod:`core.audit`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from core.audit import (
    ADVISOR_CHANGED,
    REGION_ASSIGNED,
    REGION_UNASSIGNED,
    audit_record,
    current_actor,
)


def _supervised_region_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    audit_record(
        current_actor(),
        REGION_ASSIGNED,
        instance.user,
        {"user": instance.user.username, "region": instance.region_id},
    )


def _supervised_region_deleted(sender, instance, **kwargs):
    user = get_user_model().objects.filter(pk=instance.user_id).first()
    audit_record(
        current_actor(),
        REGION_UNASSIGNED,
        user,
        {"user": getattr(user, "username", ""), "region": instance.region_id},
    )


def _business_pre_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if instance.pk:
        old = sender.objects.filter(pk=instance.pk).values_list("advisor_id", flat=True).first()
    else:
        old = None
    instance._audit_advisor_id = old


def _business_post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not hasattr(instance, "_audit_advisor_id"):
        return
    old, new = instance._audit_advisor_id, instance.advisor_id
    if old == new:
        return
    users = dict(
        get_user_model()
        .objects.filter(pk__in=[pk for pk in (old, new) if pk])
        .values_list("pk", "username")
    )
    audit_record(
        current_actor(),
        ADVISOR_CHANGED,
        instance,
        {"ruc": instance.ruc, "from": users.get(old), "to": users.get(new)},
    )
    del instance._audit_advisor_id


def connect_receivers() -> None:
    """Called from ``BusinessesConfig.ready``."""
    from django.db.models.signals import post_delete, post_save, pre_save

    from businesses.models import Business, SupervisedRegion

    post_save.connect(
        _supervised_region_saved, sender=SupervisedRegion, dispatch_uid="audit_region_saved"
    )
    post_delete.connect(
        _supervised_region_deleted, sender=SupervisedRegion, dispatch_uid="audit_region_deleted"
    )
    pre_save.connect(_business_pre_save, sender=Business, dispatch_uid="audit_business_pre")
    post_save.connect(_business_post_save, sender=Business, dispatch_uid="audit_business_post")
