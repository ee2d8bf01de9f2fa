"""A steward's or superuser's session that gave only the password reaches nothing but the
log-in, code, log-out, language, static and health paths: every URL pattern of the project is
tried (enumerated from the URL resolver, not a hand-picked list), then the attacks of issue 19
one by one — the caseload export, the API list, a PATCH, a bulk upload. Partner API keys are a
separate credential and are not asked for a code; advisors who enrolled an app are."""

import re
from re import _constants as sre_constants  # the parser behind re (sre_* are deprecated)
from re import _parser as sre_parse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from businesses.models import Business
from businesses.partners import partner_api_key_issue, partner_create, partner_grant_business
from core.two_factor import ALLOWED_URL_NAMES
from tests.unit.api.conftest import key_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.ADMIN_2FA = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- Every URL of the project, from the resolver ------------------------------------------------

_SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x/y", "uuid": "0" * 32}
_SAMPLE_RE = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _example_of_regex(parsed) -> str:
    """A short string that matches a parsed regular expression (first branch, least repeats,
    at least one of anything that may repeat)."""
    out = []
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.SUBPATTERN:
            out.append(_example_of_regex(arg[-1]))
        elif op is sre_constants.BRANCH:
            out.append(_example_of_regex(arg[1][0]))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_example_of_regex(sub) * max(low, 1))
        elif op is sre_constants.IN:
            negated = any(o is sre_constants.NEGATE for o, _a in arg)
            first = next((a for o, a in arg if o is sre_constants.LITERAL), None)
            out.append(chr(first) if first is not None and not negated else "1")
        elif op in (sre_constants.ANY, sre_constants.CATEGORY, sre_constants.NOT_LITERAL):
            out.append("1")
        # AT (^, $) and the like add nothing
    return "".join(out)


def _example(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _SAMPLE_RE.sub(lambda m: _SAMPLES.get(m["conv"] or "str", "1"), str(pattern))
    assert isinstance(pattern, RegexPattern)
    return _example_of_regex(sre_parse.parse(pattern.regex.pattern))


def _every_url(patterns=None, prefix="/", namespace=""):
    """(view name, an URL that resolves to it) for every pattern, includes followed."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + _example(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _every_url(entry.url_patterns, here, ns)
        else:
            assert isinstance(entry, URLPattern)
            yield f"{namespace}{entry.name or entry.lookup_str}", here


def test_the_enumeration_reaches_the_views_it_names():
    urls = dict(_every_url())
    assert len(urls) > 100  # the portal, the API and the whole admin
    for name in ("businesses:caseload_export", "api-business-list", "admin:index", "login"):
        assert name in urls, name
    unresolved = []
    for _name, url in urls.items():
        try:
            resolve(url)
        except Exception:
            unresolved.append(url)
    assert not unresolved


def _refused(response, url: str) -> bool:
    if url.startswith("/api/"):
        return response.status_code == 403 and (
            response.json()["error"]["code"] == "two_factor_required"
        )
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(
        (reverse("two_factor_verify"), reverse("two_factor_setup"))
    )


@pytest.mark.parametrize("who", ["steward", "superuser"])
def test_every_url_refuses_a_session_without_the_second_factor(client, steward, admin_user, who):
    user = steward if who == "steward" else admin_user
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)  # the password given, the code not
    let_through = []
    allowed = 0
    for name, url in _every_url():
        if name in ALLOWED_URL_NAMES:
            allowed += 1
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if not _refused(response, url):
                let_through.append(f"{method.upper()} {url} ({name}) {response.status_code}")
    assert not let_through, "\n".join(let_through)
    assert allowed == len(ALLOWED_URL_NAMES)  # the allow-list names real views only


def test_the_allow_list_is_reachable_without_the_code(client, steward):
    TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    assert client.get(reverse("two_factor_verify")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and "two-factor" not in response["Location"]
    assert "_auth_user_id" not in client.session


# --- The attacks of the issue, one by one ---------------------------------------------------------


@pytest.fixture
def lima(business):
    return business


def test_caseload_export_redirects_to_the_code_page_with_next(client, steward, lima):
    TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    response = client.get("/businesses/export.csv?q=x")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("two_factor_verify") + "?next=%2Fbusinesses%2Fexport.csv%3Fq%3Dx"
    )
    assert lima.ruc not in response.content.decode()


def test_a_superuser_without_a_device_is_sent_to_enrolment_from_the_export(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/businesses/export.csv")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup") + "?next=")


def test_the_session_api_answers_403_with_where_to_give_the_code(client, steward, lima):
    TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    for language, word in (("es", "segundo factor"), ("en", "second factor")):
        response = client.get("/api/v1/businesses/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "two_factor_required"
        assert word in error["message"] and "/account/two-factor/" in error["message"]
        assert lima.ruc not in response.content.decode()


def test_a_patch_through_the_session_api_changes_nothing(client, steward, lima):
    TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    response = client.patch(
        f"/api/v1/businesses/{lima.ruc}/",
        {"trade_name": "Cambiado sin segundo factor"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Business.objects.get(pk=lima.pk).trade_name != "Cambiado sin segundo factor"


def test_a_bulk_upload_through_the_session_api_stores_nothing(client, steward, lima):
    client.force_login(steward)
    rows = [{"ruc": lima.ruc, "period": "2030-01", "sales": 1}]
    response = client.post(
        "/api/v1/monthly-records/bulk/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not lima.records.filter(period__year=2030).exists()


def test_after_the_code_the_same_session_gets_everything(client, steward, lima):
    device = TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    response = client.post(
        reverse("two_factor_verify"), {"token": _code(device), "next": "/businesses/export.csv"}
    )
    assert response.status_code == 302 and response["Location"] == "/businesses/export.csv"
    export = client.get("/businesses/export.csv")
    assert export.status_code == 200 and lima.ruc in export.getvalue().decode()
    assert client.get("/api/v1/businesses/").status_code == 200


def test_a_bad_api_key_never_falls_back_to_the_unverified_session(client, steward, lima):
    TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    client.force_login(steward)
    response = client.get("/api/v1/businesses/", HTTP_AUTHORIZATION="Api-Key abc.def")
    assert response.status_code == 401
    assert lima.ruc not in response.content.decode()


def test_partner_api_keys_are_not_asked_for_a_code(lima):
    partner = partner_create(name="Gobierno Regional de Piura", contact_email="ti@example.pe")
    _api_key, key = partner_api_key_issue(partner=partner, name="producción")
    partner_grant_business(partner=partner, business=lima)
    # the partner's user even has an app: its API key is a credential of its own all the same
    TOTPDevice.objects.create(user=partner.user, name="app", confirmed=True)
    response = key_client(key).get("/api/v1/businesses/")
    assert response.status_code == 200 and lima.ruc in response.content.decode()


def test_the_switch_off_leaves_stewards_with_the_password_alone(client, steward, settings):
    settings.ADMIN_2FA = False
    client.force_login(steward)
    assert client.get("/businesses/export.csv").status_code == 200


# --- Advisors and supervisors: a choice, then a requirement ----------------------------------


def test_an_advisor_without_an_app_is_not_asked(client, advisor, lima):
    client.force_login(advisor)
    assert client.get("/businesses/export.csv").status_code == 200
    assert client.get("/api/v1/businesses/").status_code == 200


def test_an_advisor_who_enrolled_an_app_is_asked_on_every_path(client, advisor, lima):
    TOTPDevice.objects.create(user=advisor, name="app", confirmed=True)
    client.force_login(advisor)
    page = client.get(reverse("businesses:detail", args=[lima.pk]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor_verify"))
    assert client.get("/api/v1/businesses/").status_code == 403
    # with the app switched off by the setting for stewards, her own choice still holds
    assert client.get("/businesses/export.csv").status_code == 302
