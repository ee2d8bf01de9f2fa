"""The two-factor pages: stewards and superusers need a TOTP code (every path:
test_two_factor_paths.py), advisors only if they enrol an app, enrolment shows a locally drawn
QR code and needs a verified session once a device exists, and a throttled code is called
throttled, with the wait, not wrong."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEntry

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.ADMIN_2FA = True


def _code(device: TOTPDevice) -> str:
    """The code the user's app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def test_a_steward_without_a_device_is_sent_to_enrolment(client, steward):
    client.force_login(steward)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_a_superuser_with_a_device_is_asked_for_a_code(client, admin_user):
    _device(admin_user)
    client.force_login(admin_user)
    response = client.get(reverse("admin:businesses_business_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_the_right_code_opens_the_admin_and_a_wrong_one_does_not(client, steward):
    device = _device(steward)
    client.force_login(steward)
    url = reverse("two_factor_verify")
    wrong = client.post(url, {"token": "000000" if _code(device) != "000000" else "111111",
                              "next": ADMIN})  # fmt: skip
    assert wrong.status_code == 200 and client.get(ADMIN).status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0  # a wrong code throttles the next try; reset for the test
    device.throttling_failure_timestamp = None
    device.save()
    right = client.post(url, {"token": _code(device), "next": ADMIN})
    assert right.status_code == 302 and right["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_enrolment_shows_a_local_svg_qr_code_and_confirms_with_a_first_code(client, steward):
    client.force_login(steward)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body
    assert page.context["secret"]
    device = TOTPDevice.objects.get(user=steward, confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"token": _code(device), "next": ADMIN})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(ADMIN).status_code == 200
    assert AuditEntry.objects.filter(action="otp_device_confirmed", actor=steward).exists()


def test_enrolment_page_loads_nothing_from_elsewhere(client, steward):
    client.force_login(steward)
    body = client.get(reverse("two_factor_setup")).content.decode()
    assert "googleapis" not in body and "chart.apis" not in body and "cdn" not in body.lower()


def test_a_password_alone_cannot_enrol_another_device(client, steward):
    _device(steward)
    client.force_login(steward)
    response = client.get(reverse("two_factor_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=steward).count() == 1


def test_advisors_without_an_app_are_unaffected(client, advisor):
    client.force_login(advisor)
    assert client.get(reverse("home")).status_code in (200, 302)
    response = client.get(ADMIN)
    # not staff: the admin's own login page, never the two-factor pages
    assert response.status_code == 302 and "two-factor" not in response["Location"]


def test_the_switch_turns_the_requirement_off_for_the_demo(client, steward, settings):
    settings.ADMIN_2FA = False
    client.force_login(steward)
    assert client.get(ADMIN).status_code == 200


def test_verify_ignores_an_external_next(client, steward):
    device = _device(steward)
    client.force_login(steward)
    response = client.post(
        reverse("two_factor_verify"), {"token": _code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_admin_logout_is_reachable_without_a_code(client, steward):
    client.force_login(steward)
    response = client.post(reverse("admin:logout"))
    assert "two-factor" not in response.get("Location", "")
    assert "_auth_user_id" not in client.session


def test_a_password_login_to_the_admin_still_asks_for_the_code(client, steward):
    _device(steward)
    response = client.post(
        reverse("admin:login"),
        {"username": "gestor", "password": "clave-segura-123", "next": ADMIN},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    assert client.get(ADMIN).status_code == 302


def _wrong(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_throttled_code_is_called_throttled_with_the_wait(client, steward, language):
    device = _device(steward)
    client.force_login(steward)
    url = reverse("two_factor_verify")
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    first = client.post(url, {"token": _wrong(device), "next": ADMIN}, **headers)
    wrong = {"es": "Ese código es incorrecto o ha vencido", "en": "That code is wrong"}[language]
    assert wrong in first.content.decode()
    # two more wrong codes: django-otp now refuses every code for 4 seconds
    device.refresh_from_db()
    device.throttling_failure_count = 3
    device.save()
    right = client.post(url, {"token": _code(device), "next": ADMIN}, **headers)
    body = right.content.decode()
    assert right.status_code == 200 and wrong not in body
    expected = {
        "es": r"Demasiados códigos incorrectos.*Vuelva a intentarlo en [1-4] segundos?\.",
        "en": r"Too many wrong codes.*Try again in [1-4] seconds?\.",
    }[language]
    assert re.search(expected, body), body
    assert client.get(ADMIN).status_code == 302  # still not verified


def test_enrolment_says_throttled_too(client, steward):
    client.force_login(steward)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=steward, confirmed=False)
    device.throttling_failure_count = 3
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post(reverse("two_factor_setup"), {"token": _code(device), "next": ADMIN})
    assert response.status_code == 200
    assert "Demasiados códigos incorrectos" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
