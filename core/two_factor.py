"""Two-factor authentication (TOTP, django-otp) on every path of the product.

Whose session needs a second factor (:func:`two_factor_required`): stewards and superusers
(unless ``ASESOR_ADMIN_2FA=0``, which only ``make run``, the local demo, sets), and any user who
enrolled an authenticator app of their own accord (advisors and supervisors may, from their
account page). Until such a session is verified by a one-time code, :class:`TwoFactorMiddleware`
— one layer that every request goes through, pages, downloads, the session-authenticated API and
the admin alike — lets it reach only the allow-list below (log in and out, the code pages, the
language switch, static files and the health probes). Pages redirect to :func:`two_factor_verify`
(or :func:`two_factor_setup` for a required user with no device yet) with ``?next=``; API calls
get 403 with a JSON error saying what is missing and where to give it. Partner API keys are a
separate credential and are not affected: a request carrying ``Authorization: Api-Key`` is
authenticated by the key alone (``businesses.api_auth``), never by the session.

The setup page shows a QR code rendered here as SVG (the qrcode package, nothing from the
internet) and the secret for manual entry, and confirms the device with a first code. Enrolling
a new device needs a verified session once a device exists, so a stolen password alone cannot
add the thief's phone. django-otp throttles wrong codes (1, 2, 4… seconds); while throttled the
forms say so and for how long rather than calling the code wrong.
"""

from __future__ import annotations

import base64
import math
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.api_errors import API_PATH_PREFIX, error_body
from core.audit import OTP_DEVICE_CONFIRMED, OTP_DEVICES_REMOVED, audit_record
from core.roles import STEWARD, has_role

# URL names an unverified session may still reach: logging in and out, giving the second factor,
# choosing the language of those pages, and the probes. Static files are allowed by prefix.
ALLOWED_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "two_factor_verify",
        "two_factor_setup",
        "set_language",
        "favicon",
        "health",
        "healthz",
        "readyz",
        "metrics",
        "admin:logout",
    }
)


def two_factor_required_by_role(user) -> bool:
    """Whether ``user``'s role makes a second factor compulsory (stewards and superusers, while
    the ``ADMIN_2FA`` switch is on)."""
    return bool(
        getattr(settings, "ADMIN_2FA", True)
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or has_role(user, STEWARD))
    )


def two_factor_required(user) -> bool:
    """Whether ``user``'s session must be verified by a one-time code: required by role, or
    chosen by the user (a confirmed device enrolled)."""
    if not user.is_authenticated:
        return False
    return two_factor_required_by_role(user) or user_has_device(user, confirmed=True)


def _allowed_unverified(request) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    if request.path_info.startswith(static):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in ALLOWED_URL_NAMES


def verify_url_for(user, next_path: str = "") -> str:
    """Where ``user`` gives the second factor: the code page, or enrolment when they have no
    device yet; with ``?next=`` when given."""
    target = "two_factor_verify" if user_has_device(user, confirmed=True) else "two_factor_setup"
    url = reverse(target)
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


class TwoFactorMiddleware:
    """Every request of a session that needs a second factor and has not given it yet is
    refused, but for the allow-list: pages redirect to the code page with ``?next=``, the API
    answers 403 with a JSON error (the API's one error shape)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not _allowed_unverified(request)
            and not _api_key_request(request)
            and two_factor_required(user)
        ):
            return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, user):
        if request.path_info.startswith(API_PATH_PREFIX):
            where = request.build_absolute_uri(verify_url_for(user))
            message = _(
                "A second factor is needed: this session has not been verified with a code "
                "from your authenticator app. Give it at %(url)s, then try again."
            ) % {"url": where}
            body = error_body(code="two_factor_required", message=message)
            return JsonResponse(body, status=403)
        return redirect(verify_url_for(user, request.get_full_path()))


def _api_key_request(request) -> bool:
    """A partner's API-key call: the key is the credential, the session is not used."""
    words = request.META.get("HTTP_AUTHORIZATION", "").split()
    return (
        request.path_info.startswith(API_PATH_PREFIX)
        and bool(words)
        and (words[0].lower() == "api-key")
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the 6 digits your app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


def throttled_for(devices) -> int | None:
    """Seconds until one of ``devices`` accepts a code again, or None if one accepts it now.

    django-otp refuses every code, right or wrong, for 1, 2, 4… seconds after each wrong one
    (``verify_is_allowed``); the forms say so instead of calling a right code wrong."""
    waits = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if allowed:
            return None
        locked_until = (info or {}).get("locked_until")
        seconds = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        waits.append(max(1, math.ceil(seconds)))
    return min(waits) if waits else None


def _throttled_message(wait: int) -> str:
    return ngettext(
        "Too many wrong codes: codes are not checked for now. Try again in %(seconds)d second.",
        "Too many wrong codes: codes are not checked for now. Try again in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}


def _wrong_code_message() -> str:
    return _("That code is wrong or has expired: enter the one your app shows now.")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def qr_svg(text: str) -> str:
    """``text`` as an inline SVG QR code, drawn locally."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def two_factor_verify(request):
    """Ask for the current code of one of the user's devices and mark the session verified."""
    if not user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        devices = list(devices_for_user(request.user, confirmed=True))
        wait = throttled_for(devices)
        device = None if wait else match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _throttled_message(wait) if wait else _wrong_code_message())
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "next": _next_url(request),
            "title": _("Two-factor authentication"),
            "required_by_role": two_factor_required_by_role(request.user),
        },
    )


@never_cache
@login_required
def two_factor_setup(request):
    """Enrol a TOTP device: show its QR code and secret, confirm it with a first code."""
    user = request.user
    has_device = user_has_device(user, confirmed=True)
    if has_device and not user.is_verified():
        # a password alone must not be enough to add another device
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = throttled_for([device])
        if not wait and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(user, OTP_DEVICE_CONFIRMED, user, {"device": device.name})
            return redirect(_next_url(request))
        form.add_error("token", _throttled_message(wait) if wait else _wrong_code_message())
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "title": _("Set up two-factor authentication"),
            "qr_svg": mark_safe(qr_svg(device.config_url)),  # noqa: S308 - our own SVG
            "secret": base64.b32encode(device.bin_key).decode(),
            "has_device": has_device,
        },
    )


@never_cache
@login_required
@require_POST
def two_factor_disable(request):
    """Remove the user's authenticator apps: only for a user who chose two-factor (not one whose
    role requires it), and only from a session verified by a code."""
    user = request.user
    if two_factor_required_by_role(user) or not user.is_verified():
        return redirect("account")
    names = [d.name for d in devices_for_user(user, confirmed=None)]
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(user, OTP_DEVICES_REMOVED, user, {"devices": names})
    return redirect("account")
