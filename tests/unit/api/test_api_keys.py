"""Partner API keys: hashed at rest, revocable, expiring; throttled per key; bad keys limited
per IP; managed by stewards in the admin."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from businesses.models import Partner, PartnerAPIKey
from businesses.partners import partner_api_key_issue, partner_api_key_revoke
from tests.unit.api.conftest import key_client


def test_the_raw_key_is_nowhere_in_the_database(partner_a):
    prefix, _dot, secret = partner_a.key.partition(".")
    assert len(prefix) == 8 and len(secret) == 32
    with connection.cursor() as cursor:
        for table in ("portal_partnerapikey",):
            cursor.execute(f"SELECT * FROM {table}")
            for row in cursor.fetchall():
                for value in row:
                    assert secret not in str(value)
    stored = PartnerAPIKey.objects.get(prefix=prefix)
    assert stored.hashed_key.startswith("sha512$$")


def test_a_valid_key_authenticates_as_its_partner(client_a, partner_a):
    response = client_a.get("/api/v1/businesses/")
    assert response.status_code == 200


def test_revoked_key_is_401(partner_a):
    api_key = PartnerAPIKey.objects.get(partner=partner_a.partner)
    partner_api_key_revoke(api_key=api_key)
    response = key_client(partner_a.key).get("/api/v1/businesses/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def _key_reads(client, path="/api/v1/businesses/") -> tuple[int, int]:
    """The answer's status and how many queries read the API-key table."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, sum("portal_partnerapikey" in q["sql"] for q in queries.captured_queries)


def test_a_key_is_read_once_then_served_from_the_process_cache(partner_a):
    client = key_client(partner_a.key)
    assert _key_reads(client) == (200, 1)
    assert _key_reads(client) == (200, 0)


def test_a_revocation_in_this_process_is_refused_at_once(partner_a):
    client = key_client(partner_a.key)
    assert _key_reads(client) == (200, 1)
    partner_api_key_revoke(api_key=PartnerAPIKey.objects.get(partner=partner_a.partner))
    assert client.get("/api/v1/businesses/").status_code == 401


@pytest.mark.parametrize("change", ["revoke", "deactivate_partner", "deactivate_user"])
def test_another_process_refuses_the_key_once_its_cached_copy_is_stale(
    partner_a, settings, monkeypatch, change
):
    """A change saved by another process sends no signal here: the key is refused when this
    process's copy is API_KEY_CACHE_SECONDS old."""
    import time

    settings.API_KEY_CACHE_SECONDS = 5
    client = key_client(partner_a.key)
    assert client.get("/api/v1/businesses/").status_code == 200
    partner = partner_a.partner
    if change == "revoke":  # an update() sends no signal, as another process's save
        PartnerAPIKey.objects.filter(partner=partner).update(revoked=True)
    elif change == "deactivate_partner":
        Partner.objects.filter(pk=partner.pk).update(active=False)
    else:
        type(partner.user).objects.filter(pk=partner.user_id).update(is_active=False)
    assert client.get("/api/v1/businesses/").status_code == 200  # within the cache time
    now = time.monotonic()
    monkeypatch.setattr("core.process_cache.time.monotonic", lambda: now + 5.1)
    assert client.get("/api/v1/businesses/").status_code == 401


def test_the_key_cache_can_be_switched_off(partner_a, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    client = key_client(partner_a.key)
    assert _key_reads(client) == (200, 1)
    assert _key_reads(client) == (200, 1)


def test_a_cached_key_still_checks_its_secret_and_expiry(partner_a, monkeypatch):
    prefix = partner_a.key.split(".")[0]
    assert key_client(partner_a.key).get("/api/v1/businesses/").status_code == 200
    assert key_client(f"{prefix}.{'x' * 32}").get("/api/v1/businesses/").status_code == 401
    later = timezone.now() + dt.timedelta(days=400)  # past the default lifetime of 365 days
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert key_client(partner_a.key).get("/api/v1/businesses/").status_code == 401


def test_expired_key_is_401(partner_a):
    api_key = PartnerAPIKey.objects.get(partner=partner_a.partner)
    api_key.expiry_date = timezone.now() - dt.timedelta(seconds=1)
    api_key.save()
    assert key_client(partner_a.key).get("/api/v1/businesses/").status_code == 401


def test_keys_expire_by_default(partner_a):
    api_key, _key = partner_api_key_issue(partner=partner_a.partner, name="otra")
    assert api_key.expiry_date is not None
    assert api_key.expiry_date > timezone.now() + dt.timedelta(days=300)


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key nonsense",
        "Api-Key abcdefgh.wrongsecretwrongsecretwrongsecr",
        "Api-Key",
        "Api-Key a b",
    ],
)
def test_bad_keys_are_401(header, db):
    client = Client()
    response = client.get("/api/v1/businesses/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_wrong_secret_with_a_real_prefix_is_401(partner_a):
    prefix = partner_a.key.split(".")[0]
    response = key_client(f"{prefix}.{'x' * 32}").get("/api/v1/businesses/")
    assert response.status_code == 401


def test_throttled_per_key_with_retry_after(partner_a, partner_b, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_key": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        client = key_client(partner_a.key)
        codes = [client.get("/api/v1/businesses/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/api/v1/businesses/")
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 60
        assert response.json()["error"]["code"] == "throttled"
        # another key is counted on its own
        assert key_client(partner_b.key).get("/api/v1/businesses/").status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_bad_keys_from_one_ip_are_locked_out(partner_a, settings):
    settings.API_KEY_FAILURE_LIMIT = 3
    client = key_client("abcdefgh." + "y" * 32)
    codes = [client.get("/api/v1/businesses/").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = client.get("/api/v1/businesses/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "invalid API keys" in response.json()["error"]["message"]
    # another address is not affected
    other = key_client("abcdefgh." + "y" * 32)
    assert other.get("/api/v1/businesses/", REMOTE_ADDR="10.0.0.9").status_code == 401


def test_a_valid_key_is_served_from_an_address_locked_out_by_wrong_ones(partner_a, settings):
    # Another client behind the same NAT or proxy sent the wrong keys: the valid key still works.
    settings.API_KEY_FAILURE_LIMIT = 3
    wrong = key_client("abcdefgh." + "y" * 32)
    assert [wrong.get("/api/v1/businesses/").status_code for _ in range(5)][-1] == 429
    assert key_client(partner_a.key).get("/api/v1/businesses/").status_code == 200
    assert wrong.get("/api/v1/businesses/").status_code == 429


def test_x_forwarded_for_does_not_escape_the_limit_without_trusted_proxies(partner_a, settings):
    # The attack of issue 19: a different X-Forwarded-For on every wrong key.
    settings.API_KEY_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXIES = []
    client = key_client("abcdefgh." + "y" * 32)
    codes = [
        client.get("/api/v1/businesses/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(1, 11)
    ]
    assert codes == [401] * 5 + [429] * 5
    valid = key_client(partner_a.key)
    assert valid.get("/api/v1/businesses/", HTTP_X_FORWARDED_FOR="198.51.100.10").status_code == 200


def test_behind_a_trusted_proxy_each_client_is_counted_apart(partner_a, settings):
    settings.API_KEY_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    client = key_client("abcdefgh." + "y" * 32)

    def wrong(forwarded: str) -> int:
        return client.get(
            "/api/v1/businesses/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert [wrong("203.0.113.5") for _ in range(3)] == [401, 401, 429]
    # a value the client made up, left of what the proxy appended, changes nothing
    assert wrong("1.2.3.4, 203.0.113.5") == 429
    assert wrong("9.9.9.9, 203.0.113.5, 10.0.0.1") == 429
    # another client behind the same proxy is not affected
    assert wrong("203.0.113.6") == 401


def test_the_limits_are_not_kept_in_one_process_memory(partner_a, settings):
    # Without Redis the cache is this process's memory; the counters must not be (each gunicorn
    # worker would count on its own). Emptying the local cache must change nothing.
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    from core.models import RateCounter

    settings.API_KEY_FAILURE_LIMIT = 2
    wrong = key_client("abcdefgh." + "y" * 32)
    assert [wrong.get("/api/v1/businesses/").status_code for _ in range(2)] == [401, 401]
    cache.clear()
    assert wrong.get("/api/v1/businesses/").status_code == 429
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_key": "2/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        valid = key_client(partner_a.key)
        assert [valid.get("/api/v1/businesses/").status_code for _ in range(2)] == [200, 200]
        cache.clear()
        assert valid.get("/api/v1/businesses/").status_code == 429
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert RateCounter.objects.filter(key__startswith="api-key-failures:").exists()


def test_session_users_are_throttled_too(advisor, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    from tests.unit.api.conftest import session_client

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "2/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        client = session_client(advisor)
        codes = [client.get("/api/v1/businesses/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


# --- The admin -------------------------------------------------------------------------------


def test_steward_creates_a_partner_and_a_key_shown_once(steward):
    client = Client()
    client.force_login(steward)
    response = client.post(
        "/admin/businesses/partner/add/",
        {
            "name": "CDE Cusco",
            "active": "on",
            "contact_email": "",
            "notes": "",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    partner = Partner.objects.get(name="CDE Cusco")
    assert partner.user.groups.filter(name="partner").exists()
    assert not partner.user.has_usable_password()

    expiry = timezone.localtime() + dt.timedelta(days=90)
    response = client.post(
        "/admin/businesses/partnerapikey/add/",
        {
            "partner": partner.pk,
            "name": "sistema regional",
            "expiry_date_0": expiry.strftime("%d/%m/%Y"),
            "expiry_date_1": expiry.strftime("%H:%M:%S"),
        },
        follow=True,
    )
    assert response.status_code == 200
    api_key = PartnerAPIKey.objects.get(partner=partner)
    shown = [str(m) for m in response.context["messages"]]
    assert any(api_key.prefix + "." in m for m in shown)
    raw = next(m for m in shown if api_key.prefix + "." in m).split("<code>")[1].split("</code>")[0]
    assert key_client(raw).get("/api/v1/businesses/").status_code == 200
    # the change page never shows it again
    page = client.get(f"/admin/businesses/partnerapikey/{api_key.pk}/change/")
    assert raw.split(".")[1] not in page.content.decode()


def test_steward_revokes_keys_in_the_admin(steward, partner_a):
    client = Client()
    client.force_login(steward)
    api_key = PartnerAPIKey.objects.get(partner=partner_a.partner)
    response = client.post(
        "/admin/businesses/partnerapikey/",
        {"action": "revoke_keys", "_selected_action": [api_key.pk]},
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked
    assert key_client(partner_a.key).get("/api/v1/businesses/").status_code == 401


def test_advisors_do_not_see_partners_in_the_admin(advisor):
    advisor.is_staff = True
    advisor.save()
    client = Client()
    client.force_login(advisor)
    assert client.get("/admin/businesses/partner/").status_code == 403
    assert client.get("/admin/businesses/partnerapikey/").status_code == 403
