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
