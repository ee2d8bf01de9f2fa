"""The owner's report: a PDF of the business's advice for its owner, from the business page.

It quotes the page's figures in the page's format, prints the recommendations the advisor
accepted or edited (never the rejected ones) with their programme, says plainly when there is no
advice or too short a history, follows the advisor's language, is scoped like the page (404
outside it), fetches nothing from the network, and every report produced is recorded."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from businesses.models import SupportProgramme
from core.pdf import local_url_fetcher
from core.templatetags.asesor_format import percent, soles
from feedback.models import OwnerReport, RecommendationFeedback
from forecasting.models import Advice
from tests.factories import BusinessFactory, MonthlyRecordFactory
from tests.unit.feedback.advice_data import FORECAST, ready_advice

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)  # one space between words, whatever wraps


def _report(client, business):
    return client.get(reverse("businesses:owner_report", kwargs={"pk": business.pk}))


def _verdicts(advice, user):
    """Accept the first recommendation, edit the second, reject the third."""
    accepted, edited, rejected = advice.recommendations.order_by("position")
    # Distinct texts, so each one can be looked for in the PDF.
    type(rejected).objects.filter(pk=rejected.pk).update(
        params={}, title="Cerrar el local los domingos", rationale="Texto rechazado."
    )
    for rec, action, extra in [
        (accepted, "accepted", {}),
        (
            edited,
            "edited",
            {
                "edited_title": "Revisar precios y costos con el CITE",
                "edited_rationale": "Comparar precios con tres proveedores de Huancayo.",
            },
        ),
        (rejected, "rejected", {}),
    ]:
        RecommendationFeedback.objects.create(
            recommendation=rec, action=action, created_by=user, **extra
        )
    return accepted, edited, rejected


@pytest.fixture
def long_business(business):
    """``business`` (12 months of 2024) with 2023 too: 24 months."""
    for m in range(1, 13):
        MonthlyRecordFactory(business=business, period=dt.date(2023, m, 1))
    return business


@pytest.fixture
def programme_details():
    SupportProgramme.objects.update_or_create(
        code="cite-asistencia",
        defaults={
            "name": "Asistencia técnica de la Red CITE",
            "axis": "innovation",
            "agency": "Instituto Tecnológico de la Producción (ITP) — Red CITE",
            "how_to_apply": "Pida asistencia técnica en el CITE de su sector más cercano.",
        },
    )


def test_report_quotes_the_page_and_prints_only_agreed_recommendations(
    client, long_business, advisor, programme_details
):
    advisor.first_name, advisor.last_name = "Ñusta", "Quispe Huamán"
    advisor.save()
    advice = ready_advice(long_business, user=advisor)
    accepted, edited, _rejected = _verdicts(advice, advisor)
    client.force_login(advisor)

    response = _report(client, long_business)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"informe-{long_business.ruc}-" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text, pages = _pdf_text(response.content)
    assert pages == 1  # a typical business fits on one A4 page
    page = client.get(reverse("businesses:detail", kwargs={"pk": long_business.pk}))
    html = page.content.decode()
    # The figures of the business page, formatted the same way (es-PE).
    for f in FORECAST:
        assert soles(f["mean"]) in html and soles(f["mean"]) in text
        assert soles(f["p90"]) in html and soles(f["p90"]) in text
    assert "42 %" in html and "42 %" in text
    assert "Probabilidad media de crecer (42 %)" in text
    assert "-2.0 %" in html and "-2.0 %" in text  # its year-on-year growth among its peers
    assert "4.0 %" in text and "25.0 %" in text  # the peers' medians
    # Name, RUC, accents and ñ survive the round trip through the PDF.
    assert str(long_business) in text and long_business.ruc in text
    assert "Ñusta Quispe Huamán" in text
    # Accepted (original text) and edited (edited text) are printed, with the programme.
    with translation.override("es"):
        from forecasting.advice.rules import recommendation_text

        original_title, _ = recommendation_text(accepted.code, accepted.params)
    assert original_title in text
    assert "Revisar precios y costos con el CITE" in text
    assert "Comparar precios con tres proveedores de Huancayo." in text
    assert "Asistencia técnica de la Red CITE" in text
    assert "Instituto Tecnológico de la Producción (ITP)" in text
    assert "Pida asistencia técnica en el CITE de su sector más cercano." in text
    # The rejected one is not.
    assert "Cerrar el local los domingos" not in text
    # The model versions' line and the data month are in the small print.
    assert "12/2024" in text

    report = OwnerReport.objects.get()
    assert report.created_by == advisor and report.business == long_business
    assert report.advice == advice and report.language == "es"
    assert sorted(report.recommendations) == sorted([accepted.pk, edited.pk])
    assert report.pages == 1 and report.size_bytes == len(response.content)


def test_a_later_rejection_takes_a_recommendation_off_the_report(client, business, advisor):
    advice = ready_advice(business, user=advisor, recommendations=1)
    rec = advice.recommendations.get()
    RecommendationFeedback.objects.create(recommendation=rec, action="accepted", created_by=advisor)
    RecommendationFeedback.objects.create(recommendation=rec, action="rejected", created_by=advisor)
    client.force_login(advisor)

    text, _ = _pdf_text(_report(client, business).content)

    assert "Todavía no se ha acordado ninguna recomendación con su asesor." in text
    assert OwnerReport.objects.get().recommendations == []


def test_report_follows_the_advisors_language(client, business, advisor):
    advice = ready_advice(business, user=advisor)
    _verdicts(advice, advisor)
    client.force_login(advisor)
    client.cookies["django_language"] = "en"

    response = _report(client, business)

    text, pages = _pdf_text(response.content)
    assert pages == 1
    assert f"report-{business.ruc}-" in response["Content-Disposition"]
    assert "What we agreed to do" in text and "Growth opportunity" in text
    assert "Moderate probability of growing (42 %)" in text
    # the reason as the business page says it, with its value
    assert (
        "Its average margin over the last 12 months is 8.0 % — lowers its chances of growing."
        in text
    )
    assert "Margin below its peers" in text  # the accepted recommendation, in English
    assert OwnerReport.objects.get().language == "en"


def test_short_history_says_so_instead_of_a_chart(client, advisor):
    business = BusinessFactory(advisor=advisor)
    for m in (10, 11, 12):
        MonthlyRecordFactory(business=business, period=dt.date(2024, m, 1))
    advice = ready_advice(business, user=advisor, recommendations=0)
    Advice.objects.filter(pk=advice.pk).update(
        forecast=[{**f, "short_history": True} for f in FORECAST]
    )
    client.force_login(advisor)

    text, pages = _pdf_text(_report(client, business).content)

    assert pages == 1
    assert "Solo hay 3 meses de ventas registrados: muy pocos para un pronóstico confiable." in text
    assert "Ventas registradas" not in text  # no chart legend: no chart
    assert soles(FORECAST[0]["mean"]) not in text  # nor forecast figures drawn from 3 months
    assert "Probabilidad media de crecer (42 %)" in text  # the score is still given


def test_no_advice_yet_says_so(client, business, advisor):
    client.force_login(advisor)

    response = _report(client, business)

    text, pages = _pdf_text(response.content)
    assert pages == 1
    assert "Esta empresa todavía no tiene una asesoría preparada" in text
    assert "12 meses de ventas registrados" in text
    report = OwnerReport.objects.get()
    assert report.advice is None and report.business == business


def test_outside_the_scope_is_404_and_nothing_is_recorded(client, business, other_advisor):
    ready_advice(business)
    client.force_login(other_advisor)

    assert _report(client, business).status_code == 404
    assert client.get(reverse("businesses:owner_report", kwargs={"pk": 999_999})).status_code == 404
    assert not OwnerReport.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, business):
    response = _report(client, business)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not OwnerReport.objects.exists()


def test_the_business_page_links_to_the_report(client, business, advisor):
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", kwargs={"pk": business.pk})).content.decode()
    assert reverse("businesses:owner_report", kwargs={"pk": business.pk}) in html
    assert "Descargar informe PDF" in html


def test_supervisors_see_the_reports_of_their_region_and_advisors_only_their_own(
    client, business, advisor, other_advisor, supervisor
):
    ready_advice(business, user=advisor)
    client.force_login(advisor)
    _report(client, business)
    elsewhere = BusinessFactory(advisor=other_advisor, region_id="04", ubigeo="040101")
    client.force_login(other_advisor)
    _report(client, elsewhere)
    assert OwnerReport.objects.count() == 2

    client.force_login(supervisor)  # coordinates region 15 (Lima), where `business` is
    dashboard = client.get(reverse("supervision:dashboard")).content.decode()
    assert reverse("businesses:owner_reports") in dashboard
    html = client.get(reverse("businesses:owner_reports")).content.decode()
    assert business.ruc in html and elsewhere.ruc not in html
    client.force_login(other_advisor)
    html = client.get(reverse("businesses:owner_reports")).content.decode()
    assert elsewhere.ruc in html and business.ruc not in html


def test_the_admin_list_is_read_only(client, business, advisor, steward):
    ready_advice(business, user=advisor)
    client.force_login(advisor)
    _report(client, business)
    report = OwnerReport.objects.get()
    client.force_login(steward)

    assert client.get(reverse("admin:feedback_ownerreport_changelist")).status_code == 200
    assert client.get(reverse("admin:feedback_ownerreport_add")).status_code == 403
    delete = reverse("admin:feedback_ownerreport_delete", args=[report.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert OwnerReport.objects.filter(pk=report.pk).exists()


def test_the_renderer_fetches_static_files_only():
    fetcher = local_url_fetcher()
    for url in (
        "http://example.com/logo.png",
        "https://fonts.example.com/font.woff2",
        "file:///etc/passwd",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError, match=r"refused|disallowed"):
            fetcher.fetch(url)
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "report.css").resolve().as_uri()
    assert b"@page" in fetcher.fetch(css).read()
    assert fetcher.fetch("data:text/plain,hola").read() == b"hola"


@pytest.mark.slow
@pytest.mark.usefixtures("trained")
def test_demo_businesses_with_long_and_short_histories(client, advisor):
    """On the trained demo: real advice, the page's forecast figures in the PDF, one page each."""
    from django.db.models import Count

    from businesses.models import Business
    from forecasting.advice.services import advice_compute_now

    counted = Business.objects.annotate(n=Count("records"))
    long_business = counted.order_by("-n", "pk").first()
    short_business = counted.filter(n__gt=0, n__lt=6).order_by("pk").first()
    assert long_business.n >= 24 and short_business is not None
    Business.objects.filter(pk__in=[long_business.pk, short_business.pk]).update(advisor=advisor)
    client.force_login(advisor)

    advice = advice_compute_now(business=long_business, user=advisor)
    assert advice.status == Advice.Status.READY and len(advice.forecast) == 6
    for rec in advice.recommendations.all():
        RecommendationFeedback.objects.create(recommendation=rec, action="accepted")
    html = client.get(reverse("businesses:detail", kwargs={"pk": long_business.pk})).content
    text, pages = _pdf_text(_report(client, long_business).content)
    assert pages <= 2
    for f in advice.forecast:
        assert soles(f["mean"]).encode() in html and soles(f["mean"]) in text
    assert percent(advice.growth_probability, 0) in text
    for rec in advice.recommendations.all():
        assert rec.title[:30] in text

    short_advice = advice_compute_now(business=short_business, user=advisor)
    assert short_advice.status == Advice.Status.READY
    text, pages = _pdf_text(_report(client, short_business).content)
    assert pages == 1
    assert f"Solo hay {short_business.n} mes" in text
    assert OwnerReport.objects.filter(created_by=advisor).count() == 2
