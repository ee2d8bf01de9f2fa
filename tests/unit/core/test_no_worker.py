"""A queue nobody serves (issue 19, item 4): with no worker alive for a minute, fresh work is
refused at once (portal message, API 503 with Retry-After, in both languages), /readyz says so,
and advice or jobs queued before the worker vanished end failed with the reason when polled.
A web process that has just started refuses nothing yet (make run's worker is still starting).

The same against a real worker process stopped by PID: tests/integration/test_no_worker.py."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from businesses.partners import partner_api_key_issue, partner_create, partner_grant_business
from core.models import WorkerHeartbeat
from forecasting.models import Advice, PredictionJob
from forecasting.predictions.jobs import prediction_job_create


@pytest.fixture
def check_on(settings):
    settings.WORKER_ABSENT_SECONDS = 60
    settings.WORKER_HEARTBEAT_SECONDS = 30
    settings.WORKER_START_GRACE_SECONDS = 0
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def partner_client(business):
    partner = partner_create(name="Gobierno Regional")
    partner_grant_business(partner=partner, business=business)
    _stored, key = partner_api_key_issue(partner=partner, name="k")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.partner = partner
    return client


def _beat(seconds_ago: float) -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname="celery@web",
        defaults={"seen_at": timezone.now() - dt.timedelta(seconds=seconds_ago)},
    )


def _advice_url(business) -> str:
    return f"/api/v1/businesses/{business.ruc}/advice/"


def test_with_a_worker_alive_advice_is_queued(check_on, business, partner_client):
    _beat(10)
    assert partner_client.post(_advice_url(business)).status_code == 202


@pytest.mark.parametrize("last_beat", [None, 120])  # never any worker; one gone 2 minutes ago
def test_without_a_worker_fresh_advice_is_refused_at_once(
    check_on, business, partner_client, last_beat
):
    if last_beat is not None:
        _beat(last_beat)
    response = partner_client.post(_advice_url(business))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "no_worker"
    assert "no worker is running" in error["message"]
    spanish = partner_client.post(_advice_url(business), HTTP_ACCEPT_LANGUAGE="es")
    assert "ningún proceso de cálculo" in spanish.json()["error"]["message"]
    assert not Advice.objects.filter(business=business).exists()  # nothing promised


def test_without_a_worker_a_prediction_job_is_refused(check_on, business, partner_client):
    response = partner_client.post(
        "/api/v1/prediction-jobs/", {"rucs": [business.ruc]}, format="json"
    )
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "no_worker"
    assert response["Retry-After"]
    assert not PredictionJob.objects.exists()


def test_a_fresh_web_process_refuses_nothing_in_its_grace(
    check_on, settings, business, partner_client
):
    settings.WORKER_START_GRACE_SECONDS = 10**6  # make run: the worker has not beaten yet
    assert partner_client.post(_advice_url(business)).status_code == 202
    settings.WORKER_START_GRACE_SECONDS = 0
    job = partner_client.post("/api/v1/prediction-jobs/", {"rucs": [business.ruc]}, format="json")
    assert job.status_code == 503


def test_the_portal_says_so(check_on, business, advisor):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(advisor)
    url = reverse("businesses:advice_request", kwargs={"pk": business.pk})
    answer = client.post(url, HTTP_ACCEPT="application/json")
    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert "ningún proceso de cálculo" in answer.json()["error"]
    page = client.post(url, follow=True)
    assert "ningún proceso de cálculo" in page.content.decode()
    assert "Se está calculando" not in page.content.decode()
    assert not Advice.objects.filter(business=business).exists()


def test_readyz_reports_it(check_on, client, db):
    body = client.get("/readyz").json()
    assert body["status"] != "ok"
    workers = body["checks"]["workers"]
    assert not workers["ok"] and "no Celery worker" in workers["error"]
    _beat(5)
    assert client.get("/readyz").json()["checks"]["workers"]["ok"]


def test_advice_queued_before_the_worker_vanished_fails_when_polled(
    check_on, business, partner_client, advisor
):
    _beat(10)
    assert partner_client.post(_advice_url(business)).status_code == 202
    advice = Advice.objects.get(business=business)
    poll = f"{_advice_url(business)}{advice.pk}/"
    assert partner_client.get(poll).json()["status"] == "queued"
    _beat(61)  # the worker went away: no beat for over a minute
    polled = partner_client.get(poll).json()
    assert polled["status"] == "failed"
    advice.refresh_from_db()
    assert advice.status == "failed" and "proceso de cálculo" in advice.error
    # the portal's polling sees it finished, with the reason
    client = Client()
    client.force_login(advisor)
    status = client.get(reverse("businesses:advice_status", kwargs={"pk": business.pk})).json()
    assert status["finished"] and status["status"] == "failed" and status["error"]


def test_the_portal_poll_fails_queued_advice_too(check_on, business, advisor):
    advice = Advice.objects.create(business=business, requested_by=advisor)
    client = Client()
    client.force_login(advisor)
    status = client.get(reverse("businesses:advice_status", kwargs={"pk": business.pk})).json()
    assert status["advice"] == advice.pk and status["finished"] and status["status"] == "failed"


def test_a_job_queued_before_the_worker_vanished_fails_when_polled(
    check_on, business, partner_client
):
    job = prediction_job_create(
        business_ids=[business.pk],
        user=partner_client.partner.user,
        partner=partner_client.partner,
        selection={},
        rejected=[],
    )
    _beat(30)
    poll = f"/api/v1/prediction-jobs/{job.pk}/"
    assert partner_client.get(poll).json()["status"] == "queued"
    _beat(90)
    body = partner_client.get(poll).json()
    assert body["status"] == "failed" and body["error"]
    assert not job.chunks.exclude(status="failed").exists()
