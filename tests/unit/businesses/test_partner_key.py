"""`manage.py partner_key NAME`: a partner system's API key from the command line (creating the
partner when it does not exist), printed once, alone on the last line; and the demo partner
that `seed_demo` (so `make run`) creates under the name the README gives, `aliado.gore`."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from businesses.demo import DEMO_PARTNER_USERNAME, DEMO_PASSWORD
from businesses.models import Business, Partner, PartnerAPIKey, PartnerGrant, Source
from businesses.partners import partner_create
from core import roles
from tests.factories import BusinessFactory, valid_ruc

pytestmark = pytest.mark.django_db
KEY = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}")


def _partner_key(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("partner_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _api(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="es")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_a_new_partner_is_created_with_an_empty_scope_and_its_key_printed_once_last(db):
    BusinessFactory(ruc=valid_ruc(700_001), region_id="04", ubigeo="040101")
    out, err = _partner_key("Aliado Prueba")
    lines = [line for line in out.splitlines() if line.strip()]
    assert KEY.fullmatch(lines[-1]), out
    key = lines[-1]
    assert (out + err).count(key) == 1  # shown once, never repeated in the explanations
    partner = Partner.objects.get(name="Aliado Prueba")
    assert partner.active and roles.PARTNER in {g.name for g in partner.user.groups.all()}
    assert not partner.user.has_usable_password()
    stored = PartnerAPIKey.objects.get(partner=partner)
    assert stored.is_valid(key) and stored.expiry_date is not None
    assert key not in str(stored.hashed_key)
    # Scope: nothing but what it registers itself.
    answer = _api(key).get("/api/v1/businesses/")
    assert answer.status_code == 200 and answer.json()["count"] == 0
    created = _api(key).post(
        "/api/v1/businesses/",
        {"ruc": valid_ruc(700_002), "legal_name": "Prueba SAC", "sector": "47",
         "ubigeo": "040101"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert _api(key).get("/api/v1/businesses/").json()["count"] == 1
    assert "Aliado Prueba" in err  # the explanation says which partner, on stderr
    # and when the key expires, on the Lima clock
    from django.utils import timezone

    assert f"vence el {timezone.localtime(stored.expiry_date):%d/%m/%Y %H:%M}" in err


def test_an_existing_partner_gets_another_key_found_by_name_or_user_name(db):
    partner = partner_create(name="Caja Municipal Piura")
    first, _ = _partner_key("caja municipal piura")
    second, _ = _partner_key(partner.user.username)
    assert Partner.objects.count() == 1
    keys = [first.split()[-1], second.split()[-1]]
    assert keys[0] != keys[1]
    assert PartnerAPIKey.objects.filter(partner=partner).count() == 2
    assert all(_api(k).get("/api/v1/businesses/").status_code == 200 for k in keys)


def test_an_inactive_partner_gets_no_key(db):
    partner_create(name="Aliado Dormido", active=False)
    with pytest.raises(CommandError, match="Aliado Dormido"):
        _partner_key("Aliado Dormido")
    assert not PartnerAPIKey.objects.exists()


def test_a_blank_name_is_refused(db):
    with pytest.raises(CommandError):
        _partner_key("   ")
    assert not Partner.objects.exists()


def test_seed_demo_creates_the_readme_partner_with_its_region_granted(db):
    call_command("seed_demo", businesses=150, months=24, seed=3, verbosity=0)
    partner = Partner.objects.get(user__username=DEMO_PARTNER_USERNAME)
    assert partner.active
    granted = PartnerGrant.objects.filter(partner=partner)
    region = Business.objects.filter(pk__in=granted.values("business")).values_list(
        "region_id", flat=True
    )
    assert granted.exists() and set(region) == {"04"}
    assert granted.count() == Business.objects.filter(source=Source.DEMO, region_id="04").count()
    # The API only: no portal login with the demo password.
    assert not partner.user.check_password(DEMO_PASSWORD)
    assert not partner.user.has_usable_password()
    out, _ = _partner_key(DEMO_PARTNER_USERNAME)
    answer = _api(out.split()[-1]).get("/api/v1/businesses/")
    assert answer.status_code == 200 and answer.json()["count"] == granted.count()
    # A second (if-empty) run keeps the one partner and its grants.
    call_command("seed_demo", businesses=150, months=24, seed=3, if_empty=True, verbosity=0)
    assert Partner.objects.filter(user__username=DEMO_PARTNER_USERNAME).count() == 1
    assert PartnerGrant.objects.filter(partner=partner).count() == granted.count()
