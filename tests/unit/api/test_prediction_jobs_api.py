"""The prediction-jobs endpoints: creation from RUCs, a filter or a file, always within the
caller's scope; status; results as paged JSON and as CSV; 503 when the queue is down."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from forecasting.models import FORECAST_HORIZONS, PredictionJob
from forecasting.predictions.io import RESULT_FORECAST, results_write
from forecasting.predictions.jobs import prediction_job_create
from tests.factories import valid_ruc
from tests.unit.api.conftest import session_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/prediction-jobs/"


def _job_of(answer) -> PredictionJob:
    return PredictionJob.objects.get(pk=answer.json()["id"])


def test_a_partner_scores_its_own_rucs_and_the_others_are_rejected_rows(client_a, partner_a, world):
    bad = "20123456789"
    rucs = [world.of_partner_a.ruc, world.of_partner_b.ruc, bad, world.of_partner_a.ruc]
    answer = client_a.post(URL, {"rucs": rucs}, format="json")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "queued" and body["total"] == 1 and body["done"] == 0
    rejected = {r["row"]: r for r in body["rejected"]}
    assert sorted(rejected) == [1, 2, 3]
    assert rejected[1]["code"] == "not_found" and rejected[1]["path"] == "rucs[1]"
    assert rejected[2]["code"] == "invalid_ruc" and "check digit" in rejected[2]["message"]
    assert rejected[3]["code"] == "duplicate"
    job = _job_of(answer)
    assert job.partner == partner_a.partner and job.created_by == partner_a.user
    assert job.chunks.get().business_ids == [world.of_partner_a.pk]


def test_only_foreign_rucs_is_a_400_naming_each_row(client_a, world):
    rucs = [world.of_partner_b.ruc, world.of_nobody.ruc]
    answer = client_a.post(URL, {"rucs": rucs}, format="json")
    assert answer.status_code == 400
    details = answer.json()["error"]["details"]
    assert [d["path"] for d in details] == ["rucs[0]", "rucs[1]"]
    assert not PredictionJob.objects.exists()


def test_a_filter_scores_the_callers_scope_only(advisor, world):
    answer = session_client(advisor).post(URL, {"filter": {}}, format="json")
    assert answer.status_code == 202, answer.content
    assert _job_of(answer).chunks.get().business_ids == [world.of_advisor.pk]
    narrow = session_client(advisor).post(URL, {"filter": {"region": "04"}}, format="json")
    assert narrow.status_code == 400  # the advisor has nobody in region 04


def test_rucs_and_filter_together_are_refused(client_a, world):
    answer = client_a.post(URL, {"rucs": [world.of_partner_a.ruc], "filter": {}}, format="json")
    assert answer.status_code == 400
    assert "no ambos" in answer.json()["error"]["message"] or "not both" in str(answer.json())


def test_an_empty_body_scores_the_whole_scope_as_the_readme_says(advisor, world):
    """`{}` means the caller's whole scope, as `{"filter": {}}` does (the README's promise)."""
    answer = session_client(advisor).post(URL, {}, format="json")
    assert answer.status_code == 202, answer.content
    job = _job_of(answer)
    assert job.chunks.get().business_ids == [world.of_advisor.pk]
    assert job.selection["filter"] == {}


def test_an_uploaded_csv_reports_rejected_rows_by_line(client_a, world):
    text = f"ruc;nombre\n{world.of_partner_a.ruc};mía\n12345;corta\n{world.of_nobody.ruc};ajena\n"
    upload = SimpleUploadedFile("rucs.csv", text.encode("cp1252"), content_type="text/csv")
    answer = client_a.post(URL, {"file": upload}, format="multipart")
    assert answer.status_code == 202, answer.content
    rejected = answer.json()["rejected"]
    assert [(r["row"], r["path"], r["code"]) for r in rejected] == [
        (3, "line 3", "invalid_ruc"),
        (4, "line 4", "not_found"),
    ]
    assert answer.json()["total"] == 1


def test_a_file_without_header_is_read_from_its_first_line(client_a, world):
    upload = SimpleUploadedFile("rucs.csv", f"{world.of_partner_a.ruc}\n".encode())
    answer = client_a.post(URL, {"file": upload}, format="multipart")
    assert answer.status_code == 202, answer.content
    assert answer.json()["total"] == 1


def test_an_unreadable_file_is_a_400_saying_why(client_a, world):
    upload = SimpleUploadedFile("rucs.csv", b"\x00\x01\x02binary\xff" * 10)
    answer = client_a.post(URL, {"file": upload}, format="multipart")
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["path"] == "file"


def test_another_callers_job_is_404(client_a, client_b, world):
    answer = client_a.post(URL, {"rucs": [world.of_partner_a.ruc]}, format="json")
    job_id = answer.json()["id"]
    assert client_a.get(f"{URL}{job_id}/").status_code == 200
    for path in ("", "results/", "results.csv"):
        assert client_b.get(f"{URL}{job_id}/{path}").status_code == 404


def test_the_queue_being_down_is_a_503_with_retry_after_and_no_job(client_a, world, monkeypatch):
    monkeypatch.setattr("core.queueing.broker_check", lambda *a, **k: "ConnectionError: down")
    answer = client_a.post(URL, {"rucs": [world.of_partner_a.ruc]}, format="json")
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) > 0
    assert answer.json()["error"]["code"] == "queue_unavailable"
    assert not PredictionJob.objects.exists()


def _finished_job_with_results(user, businesses) -> PredictionJob:
    """A job whose results are written directly (no models needed to test reading them)."""
    job = prediction_job_create(business_ids=[b.pk for b in businesses], user=user)
    n = len(businesses)
    forecasts = {name: np.linspace(100.0, 200.0, n) for name, _ in RESULT_FORECAST}
    forecasts["p10_h1"] = np.full(n, -0.0)
    results_write(
        job_id=job.pk,
        cutoff=dt.date(2024, 3, 1),
        forecaster_version_id=None,
        growth_version_id=None,
        computed_at=timezone.now(),
        business_ids=np.array([b.pk for b in businesses]),
        growth_probability=np.linspace(0.1, 0.9, n),
        months_observed=np.full(n, 3.0),
        intermittent=np.zeros(n, dtype=bool),
        forecasts=forecasts,
    )
    job.status, job.done, job.cutoff = PredictionJob.Status.SUCCEEDED, n, dt.date(2024, 3, 1)
    job.save()
    return job


def test_results_are_paged_json_in_the_callers_scope(advisor, world):
    from tests.factories import BusinessFactory

    mine = [world.of_advisor] + [
        BusinessFactory(ruc=valid_ruc(910_000 + i), advisor=advisor) for i in range(4)
    ]
    job = _finished_job_with_results(advisor, mine)
    client = session_client(advisor)
    page = client.get(f"{URL}{job.pk}/results/?page_size=2").json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]
    first = page["results"][0]
    assert first["ruc"] == mine[0].ruc and first["short_history"] is True
    assert [m["period"] for m in first["forecast"]] == [
        f"2024-{m:02d}" for m in range(4, 4 + len(FORECAST_HORIZONS))
    ]
    status = client.get(f"{URL}{job.pk}/").json()
    assert status["status"] == "succeeded" and status["percent"] == 100
    # a business that left the advisor's scope disappears from the results
    mine[1].advisor = None
    mine[1].save()
    assert client.get(f"{URL}{job.pk}/results/").json()["count"] == 4


def test_results_download_as_csv_one_line_per_business_and_month(advisor, world):
    job = _finished_job_with_results(advisor, [world.of_advisor])
    answer = session_client(advisor).get(f"{URL}{job.pk}/results.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ruc", "period", "horizon", "mean", "p10", "p50", "p90",
                       "growth_probability", "stale", "models_disagree", "note"]  # fmt: skip
    assert len(rows) == 1 + len(FORECAST_HORIZONS)
    assert rows[1][:3] == [world.of_advisor.ruc, "2024-04", "1"]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert connection.vendor == "sqlite"  # the unit tier's write path


def test_results_carry_withheld_figures_and_disagreement_with_their_reasons(advisor, world):
    """Issue 16, items 1 and 2: a stale business's result withholds its figures (null, empty
    in the CSV) with the reason; a month whose models disagreed carries the flag and why."""
    from tests.factories import BusinessFactory

    mine = [world.of_advisor, BusinessFactory(ruc=valid_ruc(920_001), advisor=advisor)]
    job = prediction_job_create(business_ids=[b.pk for b in mine], user=advisor)
    forecasts = {name: np.array([100.0, np.nan]) for name, _ in RESULT_FORECAST}
    results_write(
        job_id=job.pk,
        cutoff=dt.date(2024, 3, 1),
        forecaster_version_id=None,
        growth_version_id=None,
        computed_at=timezone.now(),
        business_ids=np.array([b.pk for b in mine]),
        growth_probability=np.array([0.5, np.nan]),
        months_observed=np.full(2, 24.0),
        intermittent=np.zeros(2, dtype=bool),
        forecasts=forecasts,
        stale=np.array([False, True]),
        months_silent=np.array([0, 9]),
        models_disagree={"models_disagree_h2": np.array([True, False])},
    )
    job.status, job.done, job.cutoff = PredictionJob.Status.SUCCEEDED, 2, dt.date(2024, 3, 1)
    job.save()
    client = session_client(advisor)
    rows = {r["ruc"]: r for r in client.get(f"{URL}{job.pk}/results/").json()["results"]}
    current, silent = rows[mine[0].ruc], rows[mine[1].ruc]
    assert current["stale"] is False and current["data_freshness"]["reason"] == ""
    assert [m["models_disagree"] for m in current["forecast"]] == [False, True] + [False] * 4
    assert "disagreed" in current["forecast"][1]["models_disagree_reason"]
    assert current["forecast"][0]["models_disagree_reason"] == ""
    assert silent["stale"] is True and silent["growth_probability"] is None
    assert all(m["mean"] is None and m["p10"] is None for m in silent["forecast"])
    assert silent["data_freshness"]["last_period"] == "2023-06-01"
    assert "06/2023 (9 months)" in silent["data_freshness"]["reason"]
    text = b"".join(client.get(f"{URL}{job.pk}/results.csv").streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[2][3:] == ["100.0", "100.0", "100.0", "100.0", "0.5", "0", "1", "models_disagree"]
    assert lines[7][3:] == ["", "", "", "", "", "1", "0", "no_recent_data"]
