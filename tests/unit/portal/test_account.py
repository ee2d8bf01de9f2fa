"""The account page: password, and two-factor authentication as a choice for advisors and
supervisors (enrol an app, then every session of theirs needs its code; turn it off only from a
verified session) and a requirement, which cannot be turned off, for stewards."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.ADMIN_2FA = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_header_links_to_the_account_page(client, advisor):
    client.force_login(advisor)
    assert reverse("account") in client.get(reverse("businesses:caseload")).content.decode()


def test_an_advisor_enrols_an_app_from_her_account_page(client, advisor, business):
    client.force_login(advisor)
    page = client.get(reverse("account")).content.decode()
    assert "Autenticación de doble factor" in page and reverse("two_factor_setup") in page
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=advisor, confirmed=False)
    done = client.post(
        reverse("two_factor_setup"), {"token": _code(device), "next": reverse("account")}
    )
    assert done.status_code == 302 and done["Location"] == reverse("account")
    assert client.get(reverse("businesses:caseload")).status_code == 200  # this session: verified
    # a new session with her password alone is asked for the code
    client.logout()
    client.force_login(advisor)
    response = client.get(reverse("businesses:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_an_advisor_turns_it_off_only_from_a_verified_session(client, advisor):
    device = TOTPDevice.objects.create(user=advisor, name="app", confirmed=True)
    client.force_login(advisor)
    client.post(reverse("two_factor_disable"))  # password alone: refused (sent to the code)
    assert TOTPDevice.objects.filter(user=advisor).exists()
    client.post(reverse("two_factor_verify"), {"token": _code(device)})
    page = client.get(reverse("account")).content.decode()
    assert reverse("two_factor_disable") in page
    response = client.post(reverse("two_factor_disable"))
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert not TOTPDevice.objects.filter(user=advisor).exists()
    assert AuditEntry.objects.filter(action="otp_devices_removed", actor=advisor).exists()


def test_a_steward_cannot_turn_it_off(client, steward):
    device = TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    client.post(reverse("two_factor_verify"), {"token": _code(device)})
    page = client.get(reverse("account")).content.decode()
    assert reverse("two_factor_disable") not in page
    client.post(reverse("two_factor_disable"))
    assert TOTPDevice.objects.filter(user=steward).exists()
