"""The business page's record forms (outcomes, visits) as an advisor uses them without
JavaScript: a wrong value brings the page back with the form open where it was, the message
beside its field (aria-invalid, aria-describedby) and what was typed kept; nothing is saved."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import Outcome, Visit
from tests.unit.feedback.advice_data import ready_advice

pytestmark = pytest.mark.django_db


def _field_html(html: str, name: str, form: str = "id") -> str:
    match = re.search(rf'<(input|textarea|select)[^>]*id="{form}_{name}"[^>]*>', html)
    assert match, f"no field {name}"
    return match.group(0)


def _described_by(html: str, name: str, form: str = "id") -> str:
    """The text of the element(s) a field's aria-describedby points to."""
    tag = _field_html(html, name, form)
    assert 'aria-invalid="true"' in tag, tag
    ids = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    texts = []
    for element_id in ids:
        found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(ul|span|div)>', html, re.S)
        assert found, f"{element_id} is not on the page"
        texts.append(re.sub(r"<[^>]+>", " ", found.group(1)))
    return " ".join(texts)


def test_a_future_outcome_comes_back_beside_its_field_with_the_input_kept(
    client, business, advisor
):
    advice = ready_advice(business, user=advisor)
    rec = advice.recommendations.first()
    client.force_login(advisor)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("businesses:outcome_record", args=[business.pk]),
        {
            "recommendation": rec.pk,
            "action_taken": "Subió sus precios 5 %",
            "date": tomorrow.isoformat(),
            "result": "Vendió más en diciembre",
            "sales_change": "12.5",
        },
    )
    assert response.status_code == 200 and not Outcome.objects.exists()
    html = response.content.decode()
    # the form is open, and it is where the browser lands (the form's action carries the anchor)
    assert '<details id="record-outcome" open>' in html
    assert "#record-outcome" in re.search(r'action="([^"]*outcome[^"]*)"', html).group(1)
    # the message beside the date, tied to it; not at the top of the page
    assert "Un resultado no puede tener fecha futura." in _described_by(html, "date")
    assert html.count("Un resultado no puede tener fecha futura.") == 1
    assert "autofocus" in _field_html(html, "date")
    # what was typed is still there
    assert f'value="{tomorrow.isoformat()}"' in _field_html(html, "date")
    assert 'value="Subió sus precios 5 %"' in _field_html(html, "action_taken")
    assert "Vendió más en diciembre</textarea>" in html
    assert 'value="12.5"' in _field_html(html, "sales_change")
    assert f'<option value="{rec.pk}" selected>' in html
    # the other form stays closed
    assert '<details id="record-visit">' in html


def test_an_impossible_sales_change_is_refused_beside_its_field(client, business, advisor):
    client.force_login(advisor)
    url = reverse("businesses:outcome_record", args=[business.pk])
    response = client.post(
        url, {"action_taken": "Cerró un mes", "date": "15/01/2025", "sales_change": "-150"}
    )
    assert response.status_code == 200 and not Outcome.objects.exists()
    message = _described_by(response.content.decode(), "sales_change")
    assert "no puede ser menor que −100 %" in message
    client.cookies["django_language"] = "en"
    response = client.post(
        url, {"action_taken": "Cerró un mes", "date": "15/01/2025", "sales_change": "5000"}
    )
    assert "cannot be above +1,000 %" in _described_by(response.content.decode(), "sales_change")
    assert not Outcome.objects.exists()


def test_an_outcome_before_the_business_started_is_refused(client, business, advisor):
    business.founded = dt.date(2019, 1, 1)
    business.save(update_fields=["founded"])
    client.force_login(advisor)
    response = client.post(
        reverse("businesses:outcome_record", args=[business.pk]),
        {"action_taken": "Abrió", "date": "2018-12-31"},
    )
    message = _described_by(response.content.decode(), "date")
    assert "anterior al inicio de actividades de la empresa" in message and "2019" in message
    assert not Outcome.objects.exists()


def test_a_valid_outcome_still_redirects_to_its_list(client, business, advisor):
    client.force_login(advisor)
    response = client.post(
        reverse("businesses:outcome_record", args=[business.pk]),
        {"action_taken": "Subió precios", "date": "2025-01-15", "sales_change": "-100"},
    )
    assert response.status_code == 302 and response.url.endswith("#outcomes")
    assert Outcome.objects.get().sales_change == -100


def test_a_future_visit_comes_back_beside_its_field_with_the_input_kept(client, business, advisor):
    client.force_login(advisor)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("businesses:visit_record", args=[business.pk]),
        {"date": tomorrow.isoformat(), "channel": "phone", "note": "Llamar por el stock"},
    )
    assert response.status_code == 200 and not Visit.objects.exists()
    html = response.content.decode()
    assert '<details id="record-visit" open>' in html
    assert "#record-visit" in re.search(r'action="([^"]*visits[^"]*)"', html).group(1)
    assert "Una visita no puede tener fecha futura." in _described_by(html, "date", "visit")
    assert f'value="{tomorrow.isoformat()}"' in _field_html(html, "date", "visit")
    assert "Llamar por el stock</textarea>" in html
    assert '<option value="phone" selected>' in html
    assert '<details id="record-outcome">' in html
