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
    assert "margen bruto promedio de 12 meses" in html
    assert "8.0 %" in html and "18.0 %" in html  # the rationale quotes the numbers
    assert f'value="{advice.recommendations.first().pk}"' in html
    assert "js/advice.js" in html


def test_drivers_follow_the_active_language(client, business, advisor):
    ready_advice(business, user=advisor)
    client.force_login(advisor)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    html = response.content.decode()
    assert "average gross margin over 12 months" in html
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
    with django_assert_max_num_queries(20) as few:
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


def test_driver_values_in_plain_words():
    from portal.advice_presenter import driver_value_text

    with translation.override("en"):
        assert driver_value_text("margin_mean_12", 0.08) == "8.0 %"
        assert driver_value_text("growth_12m", 0.0953101798) == "10.0 %"  # log(1.1)
        assert driver_value_text("log_sales_mean_12", 9.21044036697651) == "S/ 10,000.00"
        assert driver_value_text("age_months", 123.0) == "123 months"
        assert driver_value_text("satisfaction_mean_12", 0.2) == "low"
        assert driver_value_text("employees_growth", 0.5) == ""  # scale not plain: label only
        assert driver_value_text("margin_last", None) == ""
