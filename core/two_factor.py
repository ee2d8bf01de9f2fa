"""Two-factor authentication (TOTP, django-otp) for the admin.

Stewards and superusers reach the admin only with a session verified by a one-time code from
their authenticator app; everyone else is unaffected (advisors, supervisors and partners never
use the admin). :class:`AdminTwoFactorMiddleware` sends such a user who is not
verified yet to :func:`two_factor_verify`, or to :func:`two_factor_setup` when they have no
device: the setup page shows a QR code rendered here as SVG (the qrcode package, nothing from
the internet) and the secret for manual entry, and confirms the device with a first code.

Enrolling a new device needs a verified session once a device exists, so a stolen password
alone cannot add the thief's phone. ``ASESOR_ADMIN_2FA=0`` switches the requirement off: only
``make run`` (the demo, on 127.0.0.1) does that.
"""

from __future__ import annotations

import base64

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import OTP_DEVICE_CONFIRMED, audit_record
from core.roles import STEWARD, has_role


def requires_two_factor(user) -> bool:
    """Whether ``user`` must present a one-time code to use the admin."""
    return bool(
        getattr(settings, "ADMIN_2FA", True)
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or has_role(user, STEWARD))
    )


class AdminTwoFactorMiddleware:
    """Admin pages for a steward or superuser whose session is not verified by a one-time code
    redirect to the code page (or to enrolment when they have no device yet)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        if request.path.startswith(admin_root) and request.path not in (
            reverse("admin:logout"),
            reverse("admin:login"),
        ):
            user = getattr(request, "user", None)
            if user is not None and requires_two_factor(user) and not user.is_verified():
                target = (
                    "two_factor_verify"
                    if user_has_device(user, confirmed=True)
                    else "two_factor_setup"
                )
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


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


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


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
        return redirect(f"{reverse('two_factor_setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", _("That code is wrong or has expired: enter the one your app shows now.")
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "title": _("Two-factor authentication")},
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
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(user, OTP_DEVICE_CONFIRMED, user, {"device": device.name})
            return redirect(_next_url(request))
        form.add_error(
            "token", _("That code is wrong or has expired: enter the one your app shows now.")
        )
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
