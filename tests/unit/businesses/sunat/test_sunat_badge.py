"""What people see of SUNAT's padrón: a badge on the business page and in the caseload when SUNAT
says the business is not ACTIVO/HABIDO, and the status in the API."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import BusinessFactory
from tests.sunat_padron import padron_line, write_padron

pytestmark = pytest.mark.django_db


@pytest.fixture
def padron(tmp_path, business):
    calm = BusinessFactory(advisor=business.advisor, legal_name="Tranquila S.A.C.")
    lines = [
        padron_line(business.ruc, name=business.legal_name, status="BAJA DE OFICIO"),
        padron_line(calm.ruc, name=calm.legal_name),
    ]
    call_command(
        "import_sunat_padron", str(write_padron(tmp_path / "p.zip", lines)), "--date", "2025-03-14"
    )
    return calm


def test_the_business_page_and_the_caseload_show_the_badge(client, business, advisor, padron):
    client.force_login(advisor)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    calm = client.get(reverse("businesses:detail", kwargs={"pk": padron.pk}))
    caseload = client.get(reverse("businesses:caseload"))
    assert "SUNAT: BAJA DE OFICIO since 03/2025" in page.content.decode()
    assert "sunat-flag" not in calm.content.decode()
    assert "ACTIVO · HABIDO" in calm.content.decode()
    html = caseload.content.decode()
    assert html.count('class="badge sunat-flag"') == 1
    assert "BAJA DE OFICIO" in html


def test_the_badge_in_spanish(client, business, advisor, padron):
    client.force_login(advisor)
    page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    assert "SUNAT: BAJA DE OFICIO desde 03/2025" in page.content.decode()


def test_the_api_gives_the_status(business, advisor, padron):
    api = APIClient()
    api.force_authenticate(advisor)
    with translation.override("en"):
        data = api.get(f"/api/v1/businesses/{business.ruc}/").json()
    assert data["sunat"]["status"] == "BAJA DE OFICIO"
    assert data["sunat"]["status_since"] == "2025-03-14"
    assert (data["sunat"]["flagged"], data["sunat"]["condition"]) == (True, "HABIDO")
    other = BusinessFactory(advisor=advisor)
    assert api.get(f"/api/v1/businesses/{other.ruc}/").json()["sunat"] is None
