"""Issue 21, item 3: what SUNAT's padrón changes for people — the caseload filters by it, the
advice's recommendations take it into account (no programme for a deregistered business, Tu
Empresa for one SUNAT cannot find), and the stale-data rule withholds a deregistered business's
forecast with SUNAT's reason, on every surface."""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from businesses.freshness import (
    SUNAT_REASON,
    business_freshness,
    deregistered_flags,
    stale_condition,
    stale_flags,
    stored_reason_code,
)
from businesses.models import Business, SunatPadronRun, SunatStatus, SupportProgramme
from forecasting.advice import rules
from forecasting.scoring.snapshot import BusinessScore
from portal.caseload import CaseloadQuery, caseload_alerts, caseload_list, sunat_filter_counts
from tests.factories import BusinessFactory, MonthlyRecordFactory
from tests.unit.feedback.advice_data import ready_advice

pytestmark = pytest.mark.django_db
SEEN = dt.date(2025, 3, 14)


def said(business, status="ACTIVO", condition="HABIDO") -> SunatStatus:
    run, _ = SunatPadronRun.objects.get_or_create(
        sha256="a" * 64, defaults={"seen_on": SEEN, "status": "succeeded"}
    )
    return SunatStatus.objects.create(
        business=business,
        status=status,
        status_since=SEEN,
        condition=condition,
        condition_since=SEEN,
        seen_on=SEEN,
        run=run,
    )


@pytest.fixture
def current(advisor):
    """A business reporting up to 06/2026 (the registry's latest month)."""
    b = BusinessFactory(advisor=advisor, region_id="15", ubigeo="150101")
    MonthlyRecordFactory(business=b, period=dt.date(2026, 6, 1))
    return b


# ---------------------------------------------------------------- the stale-data rule


def test_a_deregistered_business_is_withheld_with_sunats_reason(current):
    said(current, "BAJA DE OFICIO")
    fresh = business_freshness(current)
    assert fresh.stale and fresh.months_silent == 0
    assert fresh.reason_code == SUNAT_REASON
    with translation.override("en"):
        assert fresh.reason.startswith("SUNAT deregistered it on 14/03/2025 or earlier")
        assert "BAJA DE OFICIO" in fresh.reason
    with translation.override("es"):
        assert fresh.reason.startswith("SUNAT lo dio de baja el 14/03/2025 o antes")


@pytest.mark.parametrize(
    ("status", "condition"),
    [("ACTIVO", "NO HABIDO"), ("SUSPENSION TEMPORAL", "HABIDO"), ("ACTIVO", "HABIDO")],
)
def test_other_sunat_states_do_not_withhold(current, status, condition):
    said(current, status, condition)
    assert not business_freshness(current).stale


@pytest.mark.parametrize("status", ["BAJA PROV. POR OFICIO", "BAJA DEFINITIVA", "BAJA DE OFICIO"])
def test_every_baja_is_a_deregistration_in_the_vector_and_the_query(current, advisor, status):
    calm = BusinessFactory(advisor=advisor)
    said(current, status)
    said(calm)
    flags = deregistered_flags([calm.pk, current.pk, 10**9])
    assert flags.tolist() == [False, True, False]
    reference = dt.date(2026, 6, 1)
    assert stale_flags([reference, reference, None], reference, flags).tolist() == [
        False,
        True,
        False,
    ]
    assert set(Business.objects.filter(stale_condition()).values_list("pk", flat=True)) == {
        current.pk
    }


def test_silence_and_sunat_are_one_rule(business, current):
    """A silent business (12/2024 against 06/2026) stays stale for its silence's reason."""
    assert business_freshness(business).reason_code == "no_recent_data"
    said(business, "BAJA DE OFICIO")
    assert business_freshness(business).reason_code == SUNAT_REASON  # SUNAT's comes first
    assert stored_reason_code(True, 18) == "no_recent_data"
    assert stored_reason_code(True, 0) == SUNAT_REASON
    assert stored_reason_code(False, 18) == ""
    assert stale_flags(np.array([None]), dt.date(2026, 6, 1), [True]).tolist() == [True]


def test_the_business_page_and_the_api_say_why(client, current, advisor):
    ready_advice(current, user=advisor)  # advice with a programme, computed before the padrón
    said(current, "BAJA DE OFICIO")
    client.force_login(advisor)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("businesses:detail", kwargs={"pk": current.pk})).content.decode()
    assert "SUNAT deregistered it on 14/03/2025 or earlier" in html
    assert "data-forecast-withheld" in html
    assert "Forecast withheld: SUNAT has deregistered the business" in html
    assert "Growth probability withheld: SUNAT has deregistered the business." in html
    assert 'data-programme="' not in html  # no programme for a deregistered business
    api = APIClient()
    api.force_authenticate(advisor)
    with translation.override("en"):
        data = api.get(f"/api/v1/businesses/{current.ruc}/").json()
    assert data["data_freshness"]["stale"] is True
    assert data["data_freshness"]["reason_code"] == SUNAT_REASON


# ---------------------------------------------------------------- the caseload


def test_the_caseload_filters_by_sunat_with_counts(client, advisor):
    baja, lost, gone, calm = (BusinessFactory(advisor=advisor) for _ in range(4))
    said(baja, "BAJA DE OFICIO")
    said(lost, "ACTIVO", "NO HALLADO")
    said(gone, "SUSPENSION TEMPORAL", "NO HABIDO")
    said(calm)
    BusinessFactory(advisor=advisor)  # never read from the padrón

    def keeps(code):
        qs = caseload_list(user=advisor, query=CaseloadQuery(sunat=code))
        return set(qs.values_list("pk", flat=True))

    assert keeps("not_active") == {baja.pk, gone.pk}
    assert keeps("not_located") == {lost.pk, gone.pk}
    assert keeps("any") == {baja.pk, lost.pk, gone.pk}
    assert len(keeps("")) == 5
    assert sunat_filter_counts(user=advisor) == {"not_active": 2, "not_located": 2, "any": 3}
    alerts = {a.code: a.count for a in caseload_alerts(user=advisor)}
    assert alerts["sunat"] == 3
    client.force_login(advisor)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("businesses:caseload"), {"sunat": "not_located"}).content.decode()
    assert "NO HABIDO / NO HALLADO (2)" in html and "Any SUNAT alert (3)" in html
    assert "3 businesses SUNAT does not list as ACTIVO and HABIDO" in html
    assert 'data-stale="sunat_deregistered"' not in html  # the BAJA one is filtered out
    html = client.get(reverse("businesses:caseload"), {"sunat": "not_active"}).content.decode()
    assert 'data-stale="sunat_deregistered"' in html
    assert "deregistered by SUNAT: forecast withheld" in html
    client.cookies["django_language"] = "es"
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert "Cualquier alerta de SUNAT (3)" in html


# ---------------------------------------------------------------- the advice


def _score(sunat: SunatStatus | None, **kw) -> BusinessScore:
    return BusinessScore(
        business_id=1,
        growth_probability=0.9,
        profile={"last_3_mean": 10_000.0, "months_observed": 36, "sells_online": True},
        forecast=[{"horizon": h, "mean": 10_000.0} for h in range(1, 7)],
        sunat=sunat,
        **kw,
    )


def _status(status="ACTIVO", condition="HABIDO") -> SunatStatus:
    return SunatStatus(
        status=status, status_since=SEEN, condition=condition, condition_since=SEEN, seen_on=SEEN
    )


def test_a_deregistered_business_is_told_to_verify_and_offered_no_programme():
    assert rules.recommendations_for(_score(None))[0].code == "growth_opportunity"
    drafts = rules.recommendations_for(_score(_status("BAJA DE OFICIO")))
    assert [d.code for d in drafts] == ["sunat_deregistered"]
    assert drafts[0].programme_code is None
    with translation.override("en"):
        assert drafts[0].title == "Verify the business's situation"
        assert drafts[0].rationale.startswith("SUNAT: BAJA DE OFICIO since 03/2025.")
    with translation.override("es"):
        assert drafts[0].rationale.startswith("SUNAT: BAJA DE OFICIO desde 03/2025.")


@pytest.mark.parametrize("condition", ["NO HABIDO", "NO HALLADO"])
def test_a_business_sunat_cannot_find_is_pointed_to_tu_empresa(condition):
    drafts = rules.recommendations_for(_score(_status("ACTIVO", condition)))
    codes = [d.code for d in drafts]
    assert "sunat_not_located" in codes and "growth_opportunity" in codes
    draft = drafts[codes.index("sunat_not_located")]
    assert draft.programme_code == "tu-empresa"
    with translation.override("en"):
        assert draft.rationale.startswith(f"SUNAT: {condition} since 03/2025.")
    assert rules.rule_sunat(_score(_status("SUSPENSION TEMPORAL"))) is None


def test_no_programme_is_eligible_for_a_deregistered_business(advisor):
    programme = SupportProgramme.objects.create(
        code="tu-empresa-financiamiento", name="Tu Empresa: financiamiento", axis="financing"
    )
    b = BusinessFactory(advisor=advisor)
    assert programme.is_eligible(Business.objects.get(pk=b.pk))
    said(b, "BAJA PROV. POR OFICIO")
    assert not programme.is_eligible(Business.objects.select_related("sunat").get(pk=b.pk))
    assert not programme.offered_to(b.sunat)
    drafts = [rules.Draft("growth_opportunity", 1)]
    assert rules.eligible_programmes(drafts, Business.objects.get(pk=b.pk)) == {}
