"""Sector titles in the page's language: ISIC Rev.4's English titles on pages in English, INEI's
Spanish ones otherwise, wherever a title is shown (caseload, business page, market page and its
cached ranking, filters); exports and the registry keep the Spanish."""

import pytest
from django.urls import reverse
from django.utils import translation

from businesses.models import Sector
from businesses.reference_data import CIIU_REV4, CIIU_REV4_ENGLISH

# the market tests' own setting and cache clearing (an autouse fixture), and their panel
from tests.unit.businesses.test_market import _fresh_cache, panel  # noqa: F401

pytestmark = pytest.mark.django_db

RETAIL_ES = "Comercio al por menor, excepto el de vehículos automotores y motocicletas"
RETAIL_EN = "Retail trade, except of motor vehicles and motorcycles"


def test_every_section_and_division_has_its_english_title():
    codes = {s for s, _n, _d in CIIU_REV4} | {c for _s, _n, d in CIIU_REV4 for c, _n2 in d}
    assert set(CIIU_REV4_ENGLISH) == codes
    assert not Sector.objects.filter(code__in=codes, name_en="").exists()
    retail = Sector.objects.get(code="47")
    assert retail.name == RETAIL_ES and retail.name_en == RETAIL_EN
    with translation.override("en"):
        assert str(retail) == f"47 {RETAIL_EN}" and Sector.names()["G"].startswith("Wholesale")
    with translation.override("es"):
        assert str(retail) == f"47 {RETAIL_ES}" and Sector.names()["G"].startswith("Comercio")
    # a sector without an English title shows its Spanish one
    Sector.objects.filter(code="47").update(name_en="")
    with translation.override("en"):
        assert Sector.objects.get(code="47").name_shown == RETAIL_ES


def _page(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def test_caseload_and_business_page_name_the_sector_in_the_page_language(client, advisor):
    from tests.factories import BusinessFactory

    business = BusinessFactory(advisor=advisor, sector_id="47", region_id="15", ubigeo="150101")
    client.force_login(advisor)
    caseload = reverse("businesses:caseload")
    detail = reverse("businesses:detail", kwargs={"pk": business.pk})
    english = _page(client, caseload, "en")
    assert f'title="{RETAIL_EN}"' in english and RETAIL_ES not in english
    assert f"47 {RETAIL_EN}" in english  # the sector filter's options
    spanish = _page(client, caseload, "es")
    assert f'title="{RETAIL_ES}"' in spanish and RETAIL_EN not in spanish
    assert f"Trend of {RETAIL_EN} in Lima" in _page(client, detail, "en")
    assert RETAIL_ES in _page(client, detail, "es")


def test_the_market_page_names_sectors_in_each_language_from_its_cache(client, advisor):
    panel(advisor, sector="47", growth=0.10)
    client.force_login(advisor)
    url = reverse("businesses:market_trends") + "?region=15&sector=47"
    # Spanish first: the ranking computed then is cached; the English page must not reuse it
    spanish = _page(client, url, "es")
    assert RETAIL_ES in spanish and RETAIL_EN not in spanish
    assert "47 Comercio al por menor" in spanish  # the ranking's row
    english = _page(client, url, "en")
    assert RETAIL_EN in english and RETAIL_ES not in english
    assert "47 Retail trade" in english and "47 Comercio" not in english
