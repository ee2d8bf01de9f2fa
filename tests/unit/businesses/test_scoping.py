"""Scoping: who sees which business, and a business outside one's scope is a 404 on every URL
that shows one."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from businesses.scoping import visible_businesses
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_each_role_sees_its_own_scope(advisor, other_advisor, supervisor, steward, partner):
    mine = BusinessFactory(advisor=advisor, region_id="04", ubigeo="040101")
    theirs = BusinessFactory(advisor=other_advisor, region_id="15", ubigeo="150101")
    unassigned_lima = BusinessFactory(region_id="15", ubigeo="150102")
    cusco = BusinessFactory(region_id="08", ubigeo="080101")

    assert set(visible_businesses(advisor)) == {mine}
    assert set(visible_businesses(other_advisor)) == {theirs}
    assert set(visible_businesses(supervisor)) == {theirs, unassigned_lima}
    assert set(visible_businesses(steward)) == {mine, theirs, unassigned_lima, cusco}
    assert set(visible_businesses(partner)) == set()


def test_inactive_and_anonymous_users_see_nothing(advisor):
    from django.contrib.auth.models import AnonymousUser

    BusinessFactory(advisor=advisor)
    advisor.is_active = False
    assert not visible_businesses(advisor).exists()
    assert not visible_businesses(AnonymousUser()).exists()


def _business_urls():
    """Every named URL pattern that takes a business id (``pk`` under businesses, or
    ``business_pk`` anywhere)."""
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
                walk(p.url_patterns, ns or namespace)
            elif isinstance(p, URLPattern) and p.name:
                params = set(p.pattern.converters)
                name = f"{namespace}:{p.name}" if namespace else p.name
                if "business_pk" in params or (namespace == "businesses" and "pk" in params):
                    found.append((name, "business_pk" if "business_pk" in params else "pk"))

    walk(get_resolver().url_patterns, "")
    return found


def test_there_are_business_urls_to_check():
    assert ("businesses:detail", "pk") in _business_urls()


@pytest.mark.parametrize(("name", "kwarg"), _business_urls())
def test_another_advisor_gets_404_on_every_business_url(
    client, business, other_advisor, name, kwarg
):
    url = reverse(name, kwargs={kwarg: business.pk})
    client.force_login(business.advisor)
    response = client.get(url)
    post_only = response.status_code == 405  # actions (forms) are checked with POST
    if post_only:
        response = client.post(url)
    assert response.status_code in ((200, 302) if post_only else (200,))
    client.force_login(other_advisor)
    assert (client.post(url) if post_only else client.get(url)).status_code == 404


def test_caseload_lists_only_my_businesses(client, advisor, other_advisor):
    mine = BusinessFactory(advisor=advisor, trade_name="Mi Bodega")
    BusinessFactory(advisor=other_advisor, trade_name="Bodega Ajena")
    client.force_login(advisor)
    response = client.get(reverse("businesses:caseload"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    assert b"Bodega Ajena" not in response.content


def test_caseload_query_count_does_not_grow_with_rows(
    client, advisor, django_assert_max_num_queries
):
    BusinessFactory.create_batch(3, advisor=advisor)
    client.force_login(advisor)
    # session, user, roles, filter choices (2), alert counts (1) and examples (up to 2), the
    # page's count and rows: the same whatever the number of businesses.
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("businesses:caseload"))
    BusinessFactory.create_batch(30, advisor=advisor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("businesses:caseload"))
