"""Advice through the API: read the latest, request fresh advice (queued, or computed with
?wait=true), poll it; always through the caller's scope, 503 with Retry-After when the queue is
down, and the market trend endpoint agreeing with what the advice (the business page) shows."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.models import Count

from businesses.models import Business, MonthlyRecord
from businesses.partners import partner_grant_business
from forecasting.models import Advice
from tests.unit.api.conftest import key_client, session_client


def _advice_url(business) -> str:
    return f"/api/v1/businesses/{business.ruc}/advice/"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_foreign_ruc_is_404_for_a_partner_and_for_an_advisor(
    method, client_a, partner_b, advisor, world
):
    for client, foreign in (
        (client_a, world.of_partner_b),
        (client_a, world.of_advisor),
        (key_client(partner_b.key), world.of_partner_a),
        (session_client(advisor), world.of_partner_a),
    ):
        response = getattr(client, method)(_advice_url(foreign))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        detail = client.get(f"{_advice_url(foreign)}1/")
        assert detail.status_code == 404
    assert not Advice.objects.exists()


def test_no_advice_yet_is_a_404_that_says_so(client_a, partner_a, world):
    response = client_a.get(_advice_url(world.of_partner_a))
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "no_advice",
        "message": "This business has no advice yet.",
        "details": [],
    }
    spanish = key_client(partner_a.key, "es")
    assert spanish.get(_advice_url(world.of_partner_a)).json()["error"]["message"] == (
        "Esta empresa aún no tiene asesoría."
    )


def test_a_request_is_queued_with_a_url_to_poll(
    client_a, world, django_capture_on_commit_callbacks
):
    business = world.of_partner_a
    with (
        mock.patch("forecasting.tasks.advice_compute_task.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_a.post(_advice_url(business))
    assert response.status_code == 202, response.json()
    body = response.json()
    advice = Advice.objects.get(pk=body["id"])
    assert advice.business == business and advice.status == Advice.Status.QUEUED
    assert body["status"] == "queued" and body["business"] == business.ruc
    assert body["poll_url"].endswith(f"{_advice_url(business)}{advice.pk}/")
    assert response["Location"] == body["poll_url"]
    send.assert_called_once()
    assert send.call_args.args[0] == (advice.pk,)
    polled = client_a.get(f"{_advice_url(business)}{advice.pk}/")
    assert polled.status_code == 200
    assert polled.json()["status"] == "queued" and polled.json()["recommendations"] == []
    # a second request while this one waits reuses it
    with mock.patch("forecasting.tasks.advice_compute_task.apply_async"):
        again = client_a.post(_advice_url(business))
    assert again.json()["id"] == advice.pk


def test_a_session_user_requests_advice_too(advisor, world):
    client = session_client(advisor)
    client.enforce_csrf_checks = False
    with mock.patch("forecasting.tasks.advice_compute_task.apply_async"):
        response = client.post(_advice_url(world.of_advisor))
    assert response.status_code == 202
    assert Advice.objects.filter(business=world.of_advisor).count() == 1


@pytest.mark.parametrize("language,message", [("en", "cannot be queued"), ("es", "no se puede")])
def test_queue_down_is_503_with_retry_after_and_stores_nothing(language, message, partner_a, world):
    client = key_client(partner_a.key, language)
    with mock.patch("core.queueing.broker_check", return_value="ConnectionRefusedError"):
        response = client.post(_advice_url(world.of_partner_a))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "queue_unavailable"
    assert message in error["message"]
    assert not Advice.objects.exists()


def test_advice_computed_on_request_then_read_whole(trained, partner_a):
    business = (
        Business.objects.annotate(n=Count("records__costs")).order_by("-n", "pk").first()
    )  # a long, current series
    partner_grant_business(partner=partner_a.partner, business=business)
    client = key_client(partner_a.key)
    created = client.post(f"{_advice_url(business)}?wait=true")
    assert created.status_code == 201, created.json()
    advice = created.json()
    assert advice["status"] == "ready" and advice["business"] == business.ruc
    latest = client.get(_advice_url(business))
    assert latest.status_code == 200
    body = latest.json()
    assert body["id"] == advice["id"]
    assert [f["horizon"] for f in body["forecast"]] == [1, 2, 3, 4, 5, 6]
    for month in body["forecast"]:
        assert month["p10"] <= month["p50"] <= month["p90"]
    assert 0 <= body["growth_probability"] <= 1
    stored = Advice.objects.get(pk=advice["id"])
    # the stored reasons, each named and said in the request's language
    assert [{k: v for k, v in d.items() if k != "text"} for d in body["drivers"]] == [
        {**d, "label": d["label_en"]} for d in stored.drivers
    ]
    assert all(d["text"] for d in body["drivers"])
    assert body["model_versions"]["forecaster"]["kind"] == "forecaster"
    assert body["model_versions"]["growth"]["status"] == "production"
    assert body["recommendations"], "a long series gets recommendations"
    assert {"code", "priority", "title", "rationale", "programme"} <= set(
        body["recommendations"][0]
    )
    # drivers are named in the request's language
    stored.drivers = [
        {"feature": "growth_12m", "label_es": "Crecimiento", "label_en": "Growth", "value": 0.1,
         "contribution": 0.3, "direction": "up"}
    ]  # fmt: skip
    stored.save(update_fields=["drivers"])
    spanish = key_client(partner_a.key, "es").get(_advice_url(business)).json()
    assert [d["label"] for d in spanish["drivers"]] == ["Ventas frente al año anterior"]
    assert [d["text"] for d in spanish["drivers"]] == [
        "Las ventas de los últimos 12 meses están 10.5 % sobre las de los 12 meses anteriores."
    ]
    english = client.get(_advice_url(business)).json()["drivers"]
    assert [d["label"] for d in english] == ["Sales against the year before"]

    # the market trend endpoint gives the business page's numbers at the advice's month
    trend = body["market_trend"]
    rows = client.get(
        "/api/v1/market-trends/",
        {"sector": trend["sector"], "region": trend["region"], "page_size": 500},
    ).json()["results"]
    month = next(r for r in rows if r["period"] == body["cutoff"][:7])
    assert month["businesses_12m"] == trend["businesses"]
    if trend["businesses"] >= 3:
        assert month["yoy_growth_12m"] == pytest.approx(trend["yoy_growth"])


def test_a_stale_business_advice_withholds_its_forecast_and_says_why(trained, partner_a):
    """Issue 16, item 1: a business whose records stopped is not forecast as if it traded; the
    advice, the business and the prediction results carry the flag and the reason."""
    from django.db.models import Max

    from businesses.freshness import stale_after_months

    latest = MonthlyRecord.objects.aggregate(m=Max("period"))["m"]
    lasts = Business.objects.annotate(last=Max("records__period")).filter(last__isnull=False)
    stale = next(
        b
        for b in lasts.order_by("last", "pk")
        if (latest.year - b.last.year) * 12 + latest.month - b.last.month >= stale_after_months()
    )
    partner_grant_business(partner=partner_a.partner, business=stale)
    client = key_client(partner_a.key, "es")
    advice = client.post(f"{_advice_url(stale)}?wait=true").json()
    assert advice["status"] == "ready"
    assert advice["forecast"] == [] and advice["growth_probability"] is None
    assert advice["drivers"] == []
    fresh = advice["data_freshness"]
    assert fresh["stale"] is True and fresh["reason_code"] == "no_recent_data"
    assert fresh["last_period"] == stale.last.isoformat()
    assert fresh["reason"].startswith(f"Sin datos recientes: no reporta desde {stale.last:%m/%Y}")
    assert [r["code"] for r in advice["recommendations"]] == ["stale_data"]
    business = client.get(f"/api/v1/businesses/{stale.ruc}/").json()
    assert business["data_freshness"] == fresh
    listed = client.get("/api/v1/businesses/").json()["results"]
    assert [b["data_freshness"]["stale"] for b in listed if b["ruc"] == stale.ruc] == [True]
