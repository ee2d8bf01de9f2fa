"""The business page: profile, the latest advice with its chart, benchmarks, market and
recommendations, feedback forms, past advice; scoped, in Spanish, in a flat number of
queries; and the advice request and status endpoints behind its script."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from feedback.models import RecommendationFeedback
from forecasting.models import Advice
from tests.factories import MonthlyRecordFactory
from tests.unit.feedback.advice_data import ready_advice

pytestmark = pytest.mark.django_db


def test_owner_sees_the_advice_in_spanish(client, business, advisor):
    advice = ready_advice(business, user=advisor)
    client.force_login(advisor)
    response = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Registros mensuales" in html  # Spanish by default
    with translation.override("es"):  # our strings, whether or not the catalogue has them yet
        assert gettext("Request fresh advice") in html
        assert gettext("Margin below its peers") in html
    assert "<svg" in html and 'class="band"' in html and 'class="forecast"' in html
    assert "S/ 10,500.00" in html  # the first forecast month, es-PE
    assert "42 %" in html  # growth probability
    # the reason in words, with its value (the stored driver's label is not what is shown)
    assert "la baja: Su margen promedio de los últimos 12 meses es 8.0 %." in html
    assert "8.0 %" in html and "18.0 %" in html  # the rationale quotes the numbers
    assert f'value="{advice.recommendations.first().pk}"' in html
    assert "js/advice.js" in html


def test_drivers_follow_the_active_language(client, business, advisor):
    ready_advice(business, user=advisor)
    client.force_login(advisor)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    html = response.content.decode()
    assert "lowers it: Its average margin over the last 12 months is 8.0 %." in html
    assert "Margin below its peers" in html


def test_another_advisor_gets_404_everywhere(client, business, other_advisor):
    advice = ready_advice(business)
    rec = advice.recommendations.first()
    client.force_login(other_advisor)
    pk = {"pk": business.pk}
    assert client.get(reverse("businesses:detail", kwargs=pk)).status_code == 404
    assert client.get(reverse("businesses:advice_status", kwargs=pk)).status_code == 404
    assert client.get(reverse("businesses:advice_section", kwargs=pk)).status_code == 404
    assert client.post(reverse("businesses:advice_request", kwargs=pk)).status_code == 404
    posts = {
        "recommendation_feedback": {"recommendation": rec.pk, "action": "accepted"},
        "advice_rating": {"advice": advice.pk, "rating": 5},
        "label_override": {"advice": advice.pk, "label": "grows", "reason": "x"},
        "outcome_record": {"action_taken": "x", "date": "2024-12-01"},
    }
    for name, data in posts.items():
        assert client.post(reverse(f"businesses:{name}", kwargs=pk), data).status_code == 404
    assert not RecommendationFeedback.objects.exists()
    assert Advice.objects.count() == 1


def test_page_queries_do_not_grow_with_recommendations_records_or_history(
    client, business, advisor, django_assert_max_num_queries
):
    advice = ready_advice(business, user=advisor, recommendations=1)
    url = reverse("businesses:detail", kwargs={"pk": business.pk})
    client.force_login(advisor)
    client.get(url)
    # the SUNAT status comes with the business: neither freshness nor the badge asks again;
    # the comments come with the verdicts, the last record's month with the records shown
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    for _ in range(8):
        ready_advice(business, user=advisor, recommendations=0)
    latest = ready_advice(business, user=advisor, recommendations=8)
    for rec in latest.recommendations.all():
        RecommendationFeedback.objects.create(
            recommendation=rec, action="edited", edited_title="Otro", created_by=advisor
        )
    for month in range(1, 13):
        MonthlyRecordFactory(business=business, period=dt.date(2023, month, 1))
    assert latest.pk != advice.pk
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="recommendation priority-2"') == 8


def test_request_then_poll_until_ready(
    client, business, advisor, django_capture_on_commit_callbacks
):
    client.force_login(advisor)
    status_url = reverse("businesses:advice_status", kwargs={"pk": business.pk})
    assert client.get(status_url).json()["advice"] is None
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("businesses:advice_request", kwargs={"pk": business.pk}),
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 202 and len(callbacks) == 1
    queued = Advice.objects.get()
    state = client.get(status_url).json()
    assert state == {
        "business": business.pk,
        "advice": queued.pk,
        "status": "queued",
        "status_label": "En cola",
        "finished": False,
        "error": "",
        "section_url": reverse("businesses:advice_section", kwargs={"pk": business.pk}),
    }
    # Without JavaScript: the plain page shows the waiting request.
    page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk})).content.decode()
    assert f'data-advice-pending="{queued.pk}"' in page
    # the page's script brings the advice in when it is ready: no one is told to reload
    assert "Aparecerá aquí sola cuando esté lista" in page and "recargue" not in page
    Advice.objects.filter(pk=queued.pk).update(status="ready", cutoff=dt.date(2024, 12, 1))
    assert client.get(status_url).json()["finished"] is True
    section = client.get(state["section_url"]).content.decode()
    assert "data-advice-pending" not in section
    with translation.override("es"):
        assert gettext("Rate this advice") in section


def test_request_without_javascript_redirects_back(client, business, advisor):
    client.force_login(advisor)
    response = client.post(reverse("businesses:advice_request", kwargs={"pk": business.pk}))
    assert response.status_code == 302
    assert response.url.endswith(f"/businesses/{business.pk}/#advice")


def test_feedback_forms_post_and_return_to_the_page(client, business, advisor):
    advice = ready_advice(business, user=advisor)
    rec = advice.recommendations.first()
    client.force_login(advisor)
    pk = {"pk": business.pk}
    response = client.post(
        reverse("businesses:recommendation_feedback", kwargs=pk),
        {"recommendation": rec.pk, "action": "edited", "edited_title": "Revisar precios",
         "edited_rationale": "", "comment": "con la dueña"},
    )  # fmt: skip
    assert response.status_code == 302
    client.post(reverse("businesses:advice_rating", kwargs=pk), {"advice": advice.pk, "rating": 4})
    client.post(
        reverse("businesses:outcome_record", kwargs=pk),
        {"action_taken": "Subió precios", "date": "15/01/2025", "sales_change": "3.5"},
    )
    html = client.get(reverse("businesses:detail", kwargs=pk)).content.decode()
    assert "Revisar precios" in html
    with translation.override("es"):
        assert gettext("Original text") in html
    assert "Subió precios" in html and "3.5 %" in html
    assert advice.ratings.get().rating == 4
    assert business.outcomes.get().sales_change == Decimal("3.50")
    bad = client.post(
        reverse("businesses:advice_rating", kwargs=pk), {"advice": advice.pk, "rating": 9}
    )
    assert bad.status_code == 302 and advice.ratings.get().rating == 4


def test_status_json_of_a_failed_advice_says_why(client, business, advisor):
    Advice.objects.create(business=business, status="failed", error="No hay modelo")
    client.force_login(advisor)
    state = client.get(reverse("businesses:advice_status", kwargs={"pk": business.pk})).json()
    assert state["finished"] is True and state["error"] == "No hay modelo"
    page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk})).content.decode()
    assert "No hay modelo" in page
    assert json.loads(json.dumps(state))


def test_the_chart_breaks_the_line_at_missing_months_and_draws_the_band():
    from types import SimpleNamespace

    from forecasting.templatetags.advice_charts import sales_chart
    from tests.unit.feedback.advice_data import FORECAST

    months = [dt.date(2024, m, 1) for m in (1, 2, 3, 6, 7, 8, 9, 10, 11, 12)]
    records = [SimpleNamespace(period=p, sales=Decimal("9000")) for p in months]
    svg = sales_chart(records, FORECAST)
    history = svg.split('class="history" d="')[1].split('"')[0]
    assert history.count("M") == 2  # January–March, then June onwards: April and May unknown
    assert svg.count("<polygon") == 1 and "<polyline" in svg
    assert "S/ 0" in svg and "01/2024" in svg
    assert sales_chart([], []) == ""


def test_reasons_are_facts_with_values_grouped_and_only_those_that_count(client, business, advisor):
    advice = ready_advice(business, user=advisor)
    advice.drivers = [  # as seen in the field: four columns about one fact, no values, raw name
        {"feature": "employees_growth_yoy", "label_es": "Variación anual del personal",
         "label_en": "Yearly change in staff", "value": 0.0, "contribution": 0.5,
         "direction": "up"},
        {"feature": "employees_trend_12", "label_es": "Tendencia del personal",
         "label_en": "Staff trend", "value": 0.0, "contribution": 0.3, "direction": "up"},
        {"feature": "employees_growth", "label_es": "Variación reciente del personal",
         "label_en": "Recent change in staff", "value": 0.0, "contribution": 0.2,
         "direction": "up"},
        {"feature": "employees_last", "label_es": "Número de trabajadores",
         "label_en": "Number of employees", "value": 1.0, "contribution": 0.1,
         "direction": "up"},
        {"feature": "mkt_sector_production_index_chg_12",
         "label_es": "Variación del indicador «sector_production_index» en 12 meses",
         "label_en": "Change of indicator «sector_production_index» over 12 months",
         "value": 0.0953101798, "contribution": -0.2, "direction": "down"},
        {"feature": "women_led", "label_es": "Empresa liderada por mujeres",
         "label_en": "Women-led business", "value": 1.0, "contribution": 0.004,
         "direction": "up"},
    ]  # fmt: skip
    advice.save(update_fields=["drivers"])
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", kwargs={"pk": business.pk})).content.decode()
    drivers = html.split('<ul class="drivers">')[1].split("</ul>")[0]
    assert drivers.count("<li") == 2  # staff once; the 0.004 of women_led is no reason
    assert "Personal sin cambios en los últimos dos años: 1 trabajador." in drivers
    assert "Índice de producción de su sector: 10.0 % sobre el de hace un año." in drivers
    assert "«" not in drivers and "sector_production_index" not in drivers
    assert "Tendencia del personal" not in drivers


def test_a_recommendation_shows_its_programme_in_full(client, business, advisor):
    from businesses.models import SupportProgramme

    ready_advice(business, user=advisor, recommendations=1)
    SupportProgramme.objects.filter(code="cite-asistencia").update(
        agency="Instituto Tecnológico de la Producción (ITP)",
        how_to_apply="Solicite la asistencia en el CITE más cercano con su RUC.",
        url="https://www.gob.pe/itp",
    )
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", kwargs={"pk": business.pk})).content.decode()
    programme = html.split('class="programme"')[1].split("</p>")[0]
    assert "Asistencia técnica de la Red CITE" in programme
    assert "Instituto Tecnológico de la Producción (ITP)" in programme
    assert "Solicite la asistencia en el CITE más cercano con su RUC." in programme
    assert 'href="https://www.gob.pe/itp"' in programme


def test_a_programme_is_explained_in_the_page_language_with_spanish_as_fallback(
    client, business, advisor
):
    from businesses.models import SupportProgramme

    ready_advice(business, user=advisor, recommendations=1)
    cite = SupportProgramme.objects.filter(code="cite-asistencia")
    cite.update(
        how_to_apply="Solicite la asistencia en el CITE más cercano con su RUC.",
        how_to_apply_en="Ask for assistance at the nearest CITE with your RUC.",
    )
    client.force_login(advisor)
    url = reverse("businesses:detail", kwargs={"pk": business.pk})

    def programme(language: str) -> str:
        client.cookies["django_language"] = language
        html = client.get(url).content.decode()
        return html.split('class="programme"')[1].split("</p>")[0]

    assert "Ask for assistance at the nearest CITE with your RUC." in programme("en")
    assert "Solicite la asistencia" not in programme("en")
    spanish = programme("es")
    assert "Solicite la asistencia en el CITE más cercano con su RUC." in spanish
    assert "Ask for assistance" not in spanish
    # no English text written: the English page shows the Spanish one rather than nothing
    cite.update(how_to_apply_en="")
    assert "Solicite la asistencia en el CITE más cercano con su RUC." in programme("en")
    # no text to apply with at all: the description, in the page's language
    cite.update(how_to_apply="", description="Asistencia técnica.", description_en="Assistance.")
    assert "Assistance." in programme("en") and "Asistencia técnica." in programme("es")
