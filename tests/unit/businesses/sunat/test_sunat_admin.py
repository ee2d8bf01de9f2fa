"""What a steward sees of SUNAT's padrón in the admin: the source (its URL confirmed before it
can be enabled, its onboarding option), the runs (state, counts, the bad lines with their
numbers), the statuses and revisions (filters, search by RUC, read-only) and the candidates."""

import pytest
from django.urls import reverse
from django.utils import translation

from businesses.models import (
    DataSource,
    SunatCandidate,
    SunatPadronRun,
    SunatStatus,
)
from businesses.sunat.reconcile import sunat_padron_import
from tests.factories import BusinessFactory, valid_ruc
from tests.sunat_padron import padron_line, random_lines, write_padron

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(admin_client):
    admin_client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def imported(tmp_path):
    a = BusinessFactory()
    b = BusinessFactory(ubigeo="150101")
    path = write_padron(
        tmp_path / "p.zip",
        [
            padron_line(a.ruc, name="OTRO NOMBRE", status="BAJA DE OFICIO"),
            *random_lines(50, seed=3),
            "20100000001|LINEA ROTA|ACTIVO",
            padron_line(b.ruc, name=b.legal_name, ubigeo="150122"),
        ],
    )
    sunat_padron_import(path=path)
    return a, b


def _sunat_source():
    return DataSource.objects.get(kind=DataSource.Kind.SUNAT_PADRON)


def _source_form(source, **changes):
    data = {
        "name": source.name,
        "provider": source.provider,
        "kind": source.kind,
        "url": source.url,
        "language": source.language,
        "contact": source.contact,
        "licence": source.licence,
        "description": source.description,
        "update_frequency": source.update_frequency,
        "sunat_onboarding-TOTAL_FORMS": "1",
        "sunat_onboarding-INITIAL_FORMS": "1",
        "sunat_onboarding-MIN_NUM_FORMS": "0",
        "sunat_onboarding-MAX_NUM_FORMS": "1",
        "sunat_onboarding-0-source": str(source.pk),
        "sunat_onboarding-0-ubigeo_prefixes": "",
        "sunat_onboarding-0-companies": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_source_is_enabled_only_with_its_url_confirmed(admin_client, admin_user):
    source = _sunat_source()
    url = reverse("admin:businesses_datasource_change", args=[source.pk])
    page = admin_client.get(url).content.decode()
    assert "I confirm this URL" in page and "Onboarding from the padrón" in page
    assert "not confirmed: the source cannot be enabled" in page
    refused = admin_client.post(url, _source_form(source, enabled="on"))
    assert refused.status_code == 200
    assert "Confirm the padrón&#x27;s URL" in refused.content.decode()
    source.refresh_from_db()
    assert not source.enabled
    done = admin_client.post(url, _source_form(source, enabled="on", confirm_url="on"))
    assert done.status_code == 302
    source.refresh_from_db()
    assert source.enabled and source.url_is_confirmed and source.url_confirmed_by == admin_user
    assert source.schedule.enabled and source.schedule.crontab.hour == "3"


def test_onboarding_needs_a_prefix_in_the_admin(admin_client):
    source = _sunat_source()
    url = reverse("admin:businesses_datasource_change", args=[source.pk])
    answer = admin_client.post(url, _source_form(source, **{"sunat_onboarding-0-enabled": "on"}))
    assert answer.status_code == 200 and "at least one ubigeo prefix" in answer.content.decode()
    answer = admin_client.post(
        url,
        _source_form(
            source,
            **{"sunat_onboarding-0-enabled": "on", "sunat_onboarding-0-ubigeo_prefixes": "04"},
        ),
    )
    assert answer.status_code == 302
    assert source.sunat_onboarding.__class__.objects.get(source=source).prefixes() == ["04"]


def test_runs_list_and_page_show_state_counts_and_bad_lines(admin_client, imported):
    run = SunatPadronRun.objects.get()
    listing = admin_client.get(reverse("admin:businesses_sunatpadronrun_changelist"))
    assert listing.status_code == 200 and "Succeeded" in listing.content.decode()
    page = admin_client.get(
        reverse("admin:businesses_sunatpadronrun_change", args=[run.pk])
    ).content.decode()
    assert "<td>53</td><td>2 separators where the padrón has 15 fields</td>" in page
    assert run.sha256 in page
    assert admin_client.get(reverse("admin:businesses_sunatpadronrun_add")).status_code == 403


def test_statuses_filter_by_status_and_flags_and_search_by_ruc(admin_client, imported):
    a, b = imported
    url = reverse("admin:businesses_sunatstatus_changelist")

    def listed(**query):
        answer = admin_client.get(url, query)
        assert answer.status_code == 200
        return {s.business_id for s in answer.context["cl"].result_list}

    assert listed(status="BAJA DE OFICIO") == {a.pk}
    assert listed(ubigeo_differs__exact="1") == {b.pk}
    assert listed(legal_name_differs__exact="1") == {a.pk}
    assert listed(q=b.ruc) == {b.pk}
    change = reverse("admin:businesses_sunatstatus_change", args=[a.pk])
    assert admin_client.post(change, {"status": "ACTIVO"}).status_code == 403
    assert SunatStatus.objects.get(pk=a.pk).status == "BAJA DE OFICIO"
    revisions = admin_client.get(reverse("admin:businesses_sunatrevision_changelist"), {"q": a.ruc})
    assert {r.business_id for r in revisions.context["cl"].result_list} == {a.pk}


def test_candidates_are_registered_from_the_list(admin_client, imported):
    run = SunatPadronRun.objects.get()
    candidate = SunatCandidate.objects.create(
        ruc=valid_ruc(777),
        legal_name="NUEVA S.A.C.",
        status="ACTIVO",
        condition="HABIDO",
        ubigeo="040101",
        region_id="04",
        first_seen_on=run.seen_on,
        seen_on=run.seen_on,
        run=run,
        sector_id="10",
    )
    url = reverse("admin:businesses_sunatcandidate_changelist")
    assert admin_client.get(url).status_code == 200
    answer = admin_client.post(
        url, {"action": "register", "_selected_action": [candidate.pk]}, follow=True
    )
    assert "1 business registered from the SUNAT padrón." in answer.content.decode()
    candidate.refresh_from_db()
    assert candidate.business.source == "sunat" and candidate.business.region_id == "04"
