"""The business page's forms as an advisor meets them in the browser (Spanish): a wrong outcome
or visit comes back open where it was, with the message beside the field and the input kept; a
comment given with a verdict is read beside the recommendation, with who and when, and by the
region's supervisor on the supervision dashboard (issue 16, items 9 and 11)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _manage, _site_env, login

# Run inside the site: advice for a business of asesor.lima with at least one recommendation,
# computed now (not through the worker: this module is about the forms, not the queue). This
# module works as asesor.lima so that the advisor-day scenario (asesora.lima: a business with no
# advice yet, her verdicts counted on the dashboard) finds her data as it left it, in any order.
_ADVICE_FOR_A_BUSINESS = """
from businesses.models import Business
from django.contrib.auth import get_user_model
from forecasting.advice.services import advice_compute_now
user = get_user_model().objects.get(username="asesor.lima")
picked = None
for b in Business.objects.filter(advisor=user).exclude(pk={skip}).order_by("-pk")[:40]:
    advice = advice_compute_now(business=b, user=user)
    if advice.status == "ready" and advice.recommendations.exists():
        picked = b.pk
        break
print("PICKED", picked)
"""


@pytest.fixture(scope="module")
def advised_business(site) -> int:
    env = _site_env(site.data_dir)
    script = _ADVICE_FOR_A_BUSINESS.format(skip=site.advice_business or 0)
    out = _manage(env, "shell", "-c", script, log=site.logs["setup"]).split("PICKED")[-1]
    assert out.strip().isdigit(), "no business of asesor.lima got a recommendation"
    return int(out)


def _future_day() -> str:
    # two days ahead: in the future in Lima whatever this machine's time zone
    return (dt.date.today() + dt.timedelta(days=2)).isoformat()


def _assert_beside(page, field, message: str) -> None:
    """``message`` is shown right by ``field``, which points to it (aria-describedby)."""
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby")
    assert described, "the field does not point to its error"
    error = page.locator("#" + described.split()[-1])
    expect(error).to_contain_text(message)
    expect(error).to_be_visible()
    field_box, error_box = field.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40, (field_box, error_box)


def test_a_wrong_outcome_stays_open_with_the_message_beside_the_field(site, page):
    pk = site.business_of("asesor.lima")
    login(page, "asesor.lima")
    page.goto(f"/businesses/{pk}/")
    page.get_by_text("Registrar un resultado").click()
    form = page.locator("#record-outcome form")
    form.get_by_label("Acción tomada").fill("Subió sus precios")
    form.get_by_label("Fecha").fill(_future_day())
    form.get_by_label("Resultado").fill("Vendió más en campaña")
    form.get_by_label("Variación de ventas (%)").fill("-150")
    form.get_by_role("button", name="Registrar resultado").click()

    # The page came back at the open form, not at the top with a message out of view.
    expect(page).to_have_url(re.compile(r"#record-outcome$"))
    expect(page.locator("#record-outcome")).to_have_attribute("open", "")
    date = form.get_by_label("Fecha")
    expect(date).to_be_in_viewport()
    _assert_beside(page, date, "Un resultado no puede tener fecha futura.")
    _assert_beside(page, form.get_by_label("Variación de ventas (%)"), "menor que −100 %")
    expect(page.locator(".messages, .message").filter(has_text="futura")).to_have_count(0)
    # What the advisor typed is all still there.
    expect(form.get_by_label("Acción tomada")).to_have_value("Subió sus precios")
    expect(date).to_have_value(_future_day())
    expect(form.get_by_label("Resultado")).to_have_value("Vendió más en campaña")
    expect(form.get_by_label("Variación de ventas (%)")).to_have_value("-150")
    assert not site.query("SELECT id FROM feedback_outcome WHERE business_id = ?", (pk,))

    # Corrected, it is recorded and listed.
    date.fill(dt.date.today().replace(day=1).isoformat())
    form.get_by_label("Variación de ventas (%)").fill("-15")
    form.get_by_role("button", name="Registrar resultado").click()
    expect(page.locator("#outcomes table")).to_contain_text("Subió sus precios")


def test_a_future_visit_stays_open_with_the_message_beside_the_field(site, page):
    pk = site.business_of("asesor.lima")
    login(page, "asesor.lima")
    page.goto(f"/businesses/{pk}/")
    page.get_by_text("Registrar una visita").click()
    form = page.locator("#record-visit form")
    form.get_by_label("Fecha").fill(_future_day())
    form.get_by_label("Modalidad").select_option("phone")
    form.get_by_label("Nota").fill("Revisar el inventario")
    form.get_by_role("button", name="Registrar visita").click()

    expect(page).to_have_url(re.compile(r"#record-visit$"))
    expect(page.locator("#record-visit")).to_have_attribute("open", "")
    date = form.get_by_label("Fecha")
    expect(date).to_be_in_viewport()
    _assert_beside(page, date, "Una visita no puede tener fecha futura.")
    expect(date).to_have_value(_future_day())
    expect(form.get_by_label("Modalidad")).to_have_value("phone")
    expect(form.get_by_label("Nota")).to_have_value("Revisar el inventario")
    expect(page.locator("#record-outcome")).not_to_have_attribute("open", "")


def test_a_verdict_comment_is_read_on_the_page_and_by_the_supervisor(
    site, new_page, advised_business
):
    pk = advised_business
    page = new_page()
    login(page, "asesor.lima")
    page.goto(f"/businesses/{pk}/")
    item = page.locator("li.recommendation").first
    item.get_by_placeholder("Comentario (opcional)").fill("La dueña ya pidió la cita")
    item.get_by_role("button", name="Aceptar").click()
    expect(page.get_by_text("Se guardó su decisión sobre la recomendación.")).to_be_visible()
    comments = page.locator("li.recommendation").first.locator(".verdict-comments")
    expect(comments).to_contain_text("La dueña ya pidió la cita")
    expect(comments).to_contain_text("Aceptada")
    expect(comments).to_contain_text("Jorge Huamán")
    expect(comments).to_contain_text(dt.date.today().strftime("%d/%m/%Y")[:5])

    boss = new_page()
    login(boss, "coordinadora.lima")
    boss.goto(f"/businesses/{pk}/")
    expect(boss.locator("li.recommendation").first.locator(".verdict-comments")).to_contain_text(
        "La dueña ya pidió la cita"
    )
    boss.get_by_role("navigation").get_by_role("link", name="Supervisión").click()
    row = boss.locator("#verdict-comments tbody tr", has_text="La dueña ya pidió la cita")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Jorge Huamán")
    expect(row).to_contain_text("Aceptada")
    row.get_by_role("link").click()
    expect(boss).to_have_url(re.compile(rf"/businesses/{pk}/#rec-\d+$"))
