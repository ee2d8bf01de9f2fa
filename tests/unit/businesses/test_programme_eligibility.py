"""Support programme eligibility (sector, size class, region): edited in the admin, respected
when advice links a recommendation to a programme."""

import pytest
from django.urls import reverse

from businesses.models import SupportProgramme
from forecasting.advice.rules import Draft, eligible_programmes
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def _programme(code="tu-empresa", **kwargs) -> SupportProgramme:
    return SupportProgramme.objects.create(
        code=code, name=code.title(), axis=SupportProgramme.Axis.FORMALISATION, **kwargs
    )


def test_a_programme_without_rules_fits_everyone():
    assert _programme().is_eligible(BusinessFactory(region_id="04", ubigeo="040101"))


def test_sector_rules_accept_the_division_or_its_section():
    by_section, by_division = _programme("a"), _programme("b")
    by_section.sectors.set(["G"])
    by_division.sectors.set(["10"])
    shop = BusinessFactory(sector_id="47")
    assert by_section.is_eligible(shop) and not by_division.is_eligible(shop)


def test_size_rules_exclude_known_other_sizes_but_not_unknown_ones():
    programme = _programme(size_classes=["micro"])
    small, unknown = BusinessFactory(), BusinessFactory()
    type(small).objects.filter(pk=small.pk).update(size_class="small")
    small.refresh_from_db()
    assert not programme.is_eligible(small)
    assert programme.is_eligible(unknown)  # unknown size: the advisor checks


def test_region_rules_and_inactive_programmes():
    programme = _programme()
    programme.regions.set(["15"])
    assert programme.is_eligible(BusinessFactory(region_id="15"))
    assert not programme.is_eligible(BusinessFactory(region_id="04", ubigeo="040101"))
    programme.active = False
    assert not programme.is_eligible(BusinessFactory(region_id="15"))


def test_advice_links_only_programmes_the_business_is_eligible_for(django_assert_num_queries):
    lima_only = _programme("tu-empresa")
    _programme("cde-articulacion")  # no rules: fits everyone
    lima_only.regions.set(["15"])
    arequipa = BusinessFactory(region_id="04", ubigeo="040101")
    drafts = [Draft("go_online", 3), Draft("slower_than_sector", 2), Draft("seasonal_peak", 2)]
    arequipa = type(arequipa).objects.select_related("sector", "sunat").get(pk=arequipa.pk)
    with django_assert_num_queries(3):
        linked = eligible_programmes(drafts, arequipa)
    assert set(linked) == {"cde-articulacion"}
    lima = type(arequipa).objects.select_related("sector").get(pk=BusinessFactory().pk)
    assert set(eligible_programmes(drafts, lima)) == {"tu-empresa", "cde-articulacion"}


def test_stewards_edit_eligibility_in_the_admin(client, steward):
    programme = _programme()
    client.force_login(steward)
    url = reverse("admin:businesses_supportprogramme_change", args=[programme.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Tu Empresa", "code": "tu-empresa", "axis": "formalisation",
            "agency": "PRODUCE", "description": "", "how_to_apply": "En tuempresa.gob.pe",
            "url": "https://www.tuempresa.gob.pe/", "sectors": ["G", "10"],
            "size_classes": ["micro", "small"], "regions": ["15", "04"], "active": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    programme.refresh_from_db()
    assert programme.size_classes == ["micro", "small"]
    assert set(programme.sectors.values_list("pk", flat=True)) == {"G", "10"}
    assert set(programme.regions.values_list("pk", flat=True)) == {"15", "04"}
    assert programme.agency == "PRODUCE" and programme.how_to_apply


# --- the process's copy of the active programmes (businesses.programmes) ---------------------


GO_ONLINE = [Draft("go_online", 3)]  # its programme: tu-empresa
SLOWER = [Draft("slower_than_sector", 2)]  # cde-articulacion


def _loaded(**kwargs):
    """A business as the advice loads it (its sector and SUNAT status with it)."""
    from businesses.models import Business

    pk = BusinessFactory(**kwargs).pk
    return Business.objects.select_related("sector", "sunat").get(pk=pk)


def test_the_programmes_are_read_once_while_this_processs_copy_is_fresh(
    django_assert_num_queries,
):
    _programme("tu-empresa")
    shop = _loaded(region_id="04", ubigeo="040101")
    with django_assert_num_queries(3):  # programmes, their sectors, their regions
        assert set(eligible_programmes(GO_ONLINE, shop)) == {"tu-empresa"}
    with django_assert_num_queries(0):
        assert set(eligible_programmes(GO_ONLINE, shop)) == {"tu-empresa"}


def test_a_change_saved_in_this_process_is_read_at_once():
    programme = _programme("tu-empresa")
    shop = _loaded(region_id="04", ubigeo="040101", sector_id="47")
    assert set(eligible_programmes(GO_ONLINE, shop)) == {"tu-empresa"}
    programme.sectors.set(["10"])  # its sectors: a many-to-many change
    assert eligible_programmes(GO_ONLINE, shop) == {}
    programme.sectors.clear()
    programme.active = False
    programme.save()
    assert eligible_programmes(GO_ONLINE, shop) == {}
    _programme("cde-articulacion")  # a new one
    assert set(eligible_programmes(SLOWER, shop)) == {"cde-articulacion"}


def test_another_processs_change_is_read_once_the_copy_is_stale(settings, monkeypatch):
    import time

    settings.PROGRAMMES_CACHE_SECONDS = 60
    _programme("tu-empresa")
    shop = _loaded(region_id="04", ubigeo="040101")
    assert set(eligible_programmes(GO_ONLINE, shop)) == {"tu-empresa"}
    SupportProgramme.objects.filter(code="tu-empresa").update(active=False)  # no signal: elsewhere
    assert set(eligible_programmes(GO_ONLINE, shop)) == {"tu-empresa"}
    now = time.monotonic()
    monkeypatch.setattr("core.process_cache.time.monotonic", lambda: now + 61)
    assert eligible_programmes(GO_ONLINE, shop) == {}


def test_the_programmes_copy_can_be_switched_off(settings, django_assert_num_queries):
    settings.PROGRAMMES_CACHE_SECONDS = 0
    _programme("tu-empresa")
    shop = _loaded(region_id="04", ubigeo="040101")
    for _ in range(2):
        with django_assert_num_queries(3):
            eligible_programmes(GO_ONLINE, shop)
