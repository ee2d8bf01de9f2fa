"""The market analyst: aggregated statistics only. Every business URL (pages, records, advice,
reports, exports) answers 404 and every business endpoint of the API 403, whatever scope the
view would apply; no admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver

from businesses.models import Business
from core import roles
from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db


def _business_urls(pk: int, ruc: str) -> list[str]:
    """Every URL of the business pages (portal.business_urls) and of the API, filled in with
    one business's id or RUC."""
    out = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                out.append(route)

    walk(get_resolver().url_patterns, "/")
    urls = []
    for route in out:
        if not (route.startswith("/businesses/") or route.startswith("/api/v1/")):
            continue
        if any(k in route for k in ("statistics", "market-trends", "schema", "docs")):
            continue
        url = (
            route.replace("<int:pk>", str(pk))
            .replace("<str:ruc>", ruc)
            .replace("<int:advice_id>", "1")
            .replace("<str:fmt>", "csv")
            .replace("^", "")
            .replace("$", "")
        )
        if "<" in url or "(?P" in url:
            url = url.split("(?P")[0].split("<")[0]
        urls.append(url)
    return sorted(set(urls))


def test_the_analyst_group_exists_without_permissions():
    group = Group.objects.get(name=roles.ANALYST)
    assert group.permissions.count() == 0


def test_analyst_gets_404_on_every_business_page_and_403_on_the_api(client, analyst):
    business = BusinessFactory()
    MonthlyRecordFactory(business=business)
    client.force_login(analyst)
    urls = _business_urls(business.pk, business.ruc)
    assert f"/businesses/{business.pk}/" in urls and "/api/v1/businesses/" in urls
    for url in urls:
        for method in (client.get, client.post):
            status = method(url).status_code
            want = (403,) if url.startswith("/api/") else (404,)
            assert status in want, (method.__name__, url, status)
    assert client.get("/admin/").status_code == 404
    assert client.get("/supervision/").status_code == 404
    assert Business.objects.count() == 1  # nothing was created or changed


def test_other_roles_still_reach_their_pages(client, advisor):
    business = BusinessFactory(advisor=advisor)
    client.force_login(advisor)
    assert client.get(f"/businesses/{business.pk}/").status_code == 200
    assert client.get("/api/v1/businesses/").status_code == 200


def test_demo_users_include_the_analyst():
    from businesses.demo import DEMO_USERS

    assert ("analista.mercado", roles.ANALYST) in [(u[0], u[2]) for u in DEMO_USERS]
