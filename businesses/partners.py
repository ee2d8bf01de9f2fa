"""Partner systems and their API keys: services that write, and the one lookup that reads a key.

A key is ``<prefix>.<secret>``: an 8-character prefix (stored, to find the row) and a
32-character random secret (62-letter alphabet, ~190 bits). Only the SHA-512 of the whole key is
stored (djangorestframework-api-key): a fast hash is enough for a secret that long and random,
and it keeps every API request cheap, where a password hasher (Argon2) would cost ~50 ms each.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import slugify

from businesses.models import Business, Partner, PartnerAPIKey, PartnerGrant
from core.audit import API_KEY_CREATED, API_KEY_REVOKED, audit_record, current_actor
from core.process_cache import ProcessCache
from core.roles import PARTNER


def _partner_username(name: str) -> str:
    User = get_user_model()  # noqa: N806 - a model class
    base = "partner-" + (slugify(name)[:100] or "system")
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


@transaction.atomic
def partner_create(
    *,
    name: str,
    contact_email: str = "",
    notes: str = "",
    active: bool = True,
    username: str | None = None,
) -> Partner:
    """Create a partner with its own API user: a member of the ``partner`` group that cannot
    log in to the portal (no usable password). Its scope starts empty: the businesses it
    registers through the API, and those a steward grants it.

    ``username`` names the API user (by default ``partner-<name>``); a user of that name that
    is no partner's yet becomes this partner's (the demo's ``aliado.gore``)."""
    User = get_user_model()  # noqa: N806 - a model class
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        user = User(username=username or _partner_username(name), email=contact_email)
    elif Partner.objects.filter(user=user).exists():
        raise ValueError(f"user {username!r} already belongs to a partner")
    user.is_active = True
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=PARTNER))
    partner = Partner(name=name, user=user, contact_email=contact_email, notes=notes, active=active)
    partner.full_clean()
    partner.save()
    return partner


def partner_api_key_issue(
    *, partner: Partner, name: str, expires_at: dt.datetime | None = None, user=None
) -> tuple[PartnerAPIKey, str]:
    """Issue a key for ``partner``; returns the stored key and the raw key, which is shown to
    the steward once and never stored. Without ``expires_at`` the key expires after
    API_KEY_DEFAULT_LIFETIME_DAYS."""
    if expires_at is None:
        expires_at = timezone.now() + dt.timedelta(days=settings.API_KEY_DEFAULT_LIFETIME_DAYS)
    api_key, raw = PartnerAPIKey.objects.create_key(
        partner=partner, name=name, expiry_date=expires_at
    )
    api_key_audit_created(api_key=api_key, user=user)
    return api_key, raw


def api_key_audit_created(*, api_key: PartnerAPIKey, user=None) -> None:
    """Record that ``api_key`` was issued (never the key itself, only its prefix)."""
    audit_record(
        user or current_actor(),
        API_KEY_CREATED,
        api_key,
        {
            "partner": api_key.partner.name,
            "prefix": api_key.prefix,
            "name": api_key.name,
            "expires": api_key.expiry_date.isoformat() if api_key.expiry_date else None,
        },
    )


def partner_api_key_revoke(*, api_key: PartnerAPIKey, user=None) -> PartnerAPIKey:
    """Revoke ``api_key`` for good (a revoked key cannot be restored)."""
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
        api_key_audit_revoked(api_key=api_key, user=user)
    return api_key


def api_key_audit_revoked(*, api_key: PartnerAPIKey, user=None) -> None:
    audit_record(
        user or current_actor(),
        API_KEY_REVOKED,
        api_key,
        {"partner": api_key.partner.name, "prefix": api_key.prefix, "name": api_key.name},
    )


def partner_grant_business(
    *,
    partner: Partner,
    business: Business,
    reason: str = PartnerGrant.Reason.GRANTED,
    granted_by=None,
) -> PartnerGrant:
    """Put ``business`` in ``partner``'s scope (idempotent)."""
    grant, _created = PartnerGrant.objects.get_or_create(
        partner=partner,
        business=business,
        defaults={"reason": reason, "granted_by": granted_by if granted_by else None},
    )
    return grant


def partner_find(*, name: str) -> Partner | None:
    """The partner called ``name`` (case aside), or whose API user is ``name``."""
    return (
        Partner.objects.select_related("user").filter(name__iexact=name).first()
        or Partner.objects.select_related("user").filter(user__username=name).first()
    )


# Recently checked keys of this process, by prefix (the row with its partner and user): an API
# request then costs no query for its key — the ORM lookup with its two joins was ~0.7 ms of a
# ~5 ms forecast request (bench/api.py). A change to a key, partner or user saved in this process
# clears it at once (the receivers below); other processes see it when their copy is
# API_KEY_CACHE_SECONDS old, so a revoked key, a deactivated partner or user is refused by every
# web process within that many seconds.
_KEYS = ProcessCache("API_KEY_CACHE_SECONDS")


def partner_api_key_for(*, key: str) -> PartnerAPIKey | None:
    """The usable key matching the raw ``key``, or None (unknown, wrong secret, revoked,
    expired, or its partner or user inactive). One query, or none while this process read the
    key less than ``API_KEY_CACHE_SECONDS`` ago; the hash comparison (constant-time) and the
    checks of :meth:`PartnerAPIKey.is_usable` run on every call. Each call returns its own
    copies of the key, partner and user (a request may set attributes on them)."""
    prefix, dot, secret = key.partition(".")
    if not (dot and prefix and secret) or len(key) > 150:
        return None
    api_key = _KEYS.get(
        prefix,
        lambda: PartnerAPIKey.objects.select_related("partner__user").filter(prefix=prefix).first(),
    )
    if api_key is None:
        return None
    if not api_key.is_valid(key) or not api_key.is_usable():
        return None
    return _own_copy(api_key)


def _own_copy(api_key: PartnerAPIKey) -> PartnerAPIKey:
    """``api_key`` with its partner and the partner's user, as new instances of the same values
    (a shallow copy of each: ``copy.copy`` of a model goes through pickling's protocol and cost
    ~0.1 ms for the three)."""
    user, partner = _instance_copy(api_key.partner.user), _instance_copy(api_key.partner)
    partner.user = user
    api_key = _instance_copy(api_key)
    api_key.partner = partner
    return api_key


def _instance_copy(instance):
    new = instance.__class__.__new__(instance.__class__)
    new.__dict__.update(instance.__dict__)
    new._state = copy.copy(instance._state)
    new._state.fields_cache = {}
    return new


@receiver(post_save, sender=PartnerAPIKey)
@receiver(post_delete, sender=PartnerAPIKey)
@receiver(post_save, sender=Partner)
@receiver(post_delete, sender=Partner)
@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def api_key_cache_clear(**_kwargs) -> None:
    """Forget every key this process has cached (a key, partner or user changed here)."""
    _KEYS.clear()
