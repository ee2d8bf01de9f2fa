"""Latest scores: every business gets one from the bulk refresh, and computed advice updates
its business's; the caseload sorts and alerts on them."""

import pytest
from django.core.management import call_command

from businesses.models import Business
from forecasting.advice.rules import FALLING_FORECAST_DROP
from forecasting.advice.services import advice_compute_now
from forecasting.models import LatestScore
from forecasting.scoring.latest import forecast_change, forecast_uncertain, latest_scores_refresh

pytestmark = pytest.mark.django_db


def test_forecast_change():
    assert forecast_change(100.0, 80.0) == pytest.approx(-0.2)
    assert forecast_change(0.0, 80.0) is None
    assert forecast_change(None, 80.0) is None


def test_refresh_scores_every_business_and_advice_updates_one(trained):
    written = latest_scores_refresh()
    with_records = Business.objects.filter(records__isnull=False).distinct().count()
    assert written == with_records == LatestScore.objects.count()
    scores = list(LatestScore.objects.all())
    # withheld (None) for a business with no recent data (businesses.freshness)
    assert all(0 <= s.growth_probability <= 1 for s in scores if s.growth_probability is not None)
    assert any(s.growth_probability is not None for s in scores)
    assert all(
        s.forecast_change == pytest.approx(s.next_3_mean / s.last_3_mean - 1)
        for s in scores
        if s.last_3_mean
    )
    # the refresh is idempotent: run again, same rows
    assert latest_scores_refresh() == written and LatestScore.objects.count() == written

    business = Business.objects.filter(records__isnull=False).first()
    LatestScore.objects.filter(business=business).delete()
    advice = advice_compute_now(business=business, user=None)
    stored = LatestScore.objects.get(business=business)
    assert stored.growth_probability == pytest.approx(advice.growth_probability)
    flags = [
        f["short_history"] or f["intermittent"] or f["models_disagree"] for f in advice.forecast[:3]
    ]
    assert stored.uncertain == any(flags)
    falling = "falling_forecast" in set(advice.recommendations.values_list("code", flat=True))
    assert falling == (stored.forecast_change < -FALLING_FORECAST_DROP and not stored.uncertain)


def _months(**flags) -> list[dict]:
    base = {"mean": 1.0, "short_history": False, "intermittent": False, "models_disagree": False}
    return [{**base, **flags}, base, base, {**base, "models_disagree": True}]


@pytest.mark.parametrize("flag", ["short_history", "intermittent", "models_disagree"])
def test_each_flag_of_the_first_three_months_makes_a_forecast_uncertain(flag):
    assert forecast_uncertain(_months(**{flag: True}))
    assert not forecast_uncertain(_months())  # the fourth month's disagreement does not count
    assert not forecast_uncertain([])


def test_the_stored_scores_follow_the_rule_once_migrated(trained):
    """Migration 0012: current scores stored before the rule counted the models' disagreement
    are brought under it, whether they came from a job's result or from an advice."""
    from importlib import import_module

    from django.apps import apps

    from forecasting.models import PredictionResult

    latest_scores_refresh()
    disagreeing_job, calm_job = LatestScore.objects.order_by("pk")[:2]
    others = (
        Business.objects.filter(pk__in=LatestScore.objects.values("business_id"))
        .exclude(pk__in=[disagreeing_job.business_id, calm_job.business_id])
        .order_by("pk")
    )
    disagreeing, calm = (advice_compute_now(business=b, user=None) for b in others[:2])
    assert disagreeing.forecast and calm.forecast
    for advice, flags in ((disagreeing, [False, True, False]), (calm, [False] * 3)):
        for month, flag in zip(advice.forecast, flags, strict=False):
            month["models_disagree"] = flag
        advice.save(update_fields=["forecast"])
    for score, flags in ((disagreeing_job, [False, False, True]), (calm_job, [False] * 3)):
        PredictionResult.objects.filter(job=score.job, business=score.business_id).update(
            **{f"models_disagree_h{h}": flag for h, flag in enumerate(flags, start=1)}
        )
    LatestScore.objects.update(uncertain=False)
    migration = import_module("forecasting.migrations.0012_latest_score_uncertain_disagree")
    migration.uncertain_where_models_disagree(apps, None)
    uncertain = dict(LatestScore.objects.values_list("business_id", "uncertain"))
    assert uncertain[disagreeing_job.business_id] and uncertain[disagreeing.business_id]
    assert not uncertain[calm_job.business_id] and not uncertain[calm.business_id]


def test_refresh_command(trained, capsys):
    call_command("refresh_scores", if_empty=True)
    assert LatestScore.objects.exists()
    count = LatestScore.objects.count()
    call_command("refresh_scores", if_empty=True)  # nothing to do
    assert LatestScore.objects.count() == count


# ---------------------------------------------------------------------------- one figure


def _surfaces(client, api, advisor, business) -> dict[str, tuple[float, float | None]]:
    """(growth probability, horizon-1 expected sales) of ``business`` as each surface shows
    it: the caseload, the business page, the API's advice, the owner report and the current
    score (what ``manage.py score`` has just written is checked against it separately)."""
    import re

    from django.urls import reverse
    from django.utils import timezone

    from core.templatetags.asesor_format import percent, soles
    from forecasting.scoring.selectors import score_figures
    from portal.owner_report.presenter import owner_report_context

    shown = {}
    caseload = client.get(reverse("businesses:caseload"), {"q": business.ruc})
    row = next(b for b in caseload.context["page"] if b.pk == business.pk)
    probability = row.latest_score.growth_probability
    assert f'data-growth-probability="{probability!r}"' in caseload.content.decode()
    computed = timezone.localtime(row.latest_score.scored_at)
    assert f"calculado el {computed:%d/%m/%Y}" in caseload.content.decode()
    shown["caseload"] = (probability, None)

    page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    html = page.content.decode()
    figures = page.context["score"]
    printed = float(re.search(r'data-growth-probability="([^"]+)"', html).group(1))
    h1 = figures["forecast"][0]["mean"]
    assert printed == figures["growth_probability"]
    assert f'data-horizon="1">{soles(h1)}<' in html
    assert f'data-score-computed="{timezone.localtime(figures["scored_at"]):%Y-%m-%d}' in html
    assert "Pronóstico y probabilidad de crecimiento calculados el" in html  # with its versions
    assert f"pronóstico v{figures['forecaster_version'].version}" in html
    shown["business page"] = (printed, h1)

    body = api.get(f"/api/v1/businesses/{business.ruc}/advice/").json()
    assert body["scored_at"] and body["cutoff"] and body["model_versions"]["forecaster"]
    shown["api"] = (body["growth_probability"], body["forecast"][0]["mean"])

    report = owner_report_context(business=business, user=advisor)
    assert report["score"]["scored_at"] and report["cutoff"] != "—"
    h1 = report["score"]["forecast"][0]["mean"]
    shown["owner report"] = (report["score"]["growth_probability"], h1)
    assert report["growth"]["probability"] == percent(report["score"]["growth_probability"], 0)
    if report["show_chart"]:
        assert report["forecast_rows"][0].expected == soles(h1)

    stored = score_figures(LatestScore.objects.get(business=business))
    shown["store"] = (stored["growth_probability"], stored["forecast"][0]["mean"])
    return shown


def _printed(figures: tuple[float, float]) -> tuple[float, float]:
    """Figures as the ``score`` CSV prints them (probability to 4 places, soles to cents)."""
    return round(figures[0], 4), round(figures[1], 2)


def _score_command(business, tmp_path) -> tuple[float, float]:
    import csv

    out = tmp_path / f"score-{business.pk}.csv"
    call_command("score", "--ruc", business.ruc, "--workers", "1", "--out", str(out), verbosity=0)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    first = next(r for r in rows if r["horizon"] == "1")
    return float(first["growth_probability"]), float(first["mean"])


def test_every_surface_shows_the_nightly_score_until_fresh_advice_replaces_it(
    trained,
    advisor,
    client,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    from django.db.models import Max
    from django.urls import reverse
    from django.utils import timezone

    from businesses.models import MonthlyRecord
    from config.celery import app
    from core.templatetags.asesor_format import soles
    from forecasting.models import PredictionJob, PredictionResult
    from forecasting.tasks import nightly_rescore
    from tests.unit.api.conftest import session_client

    latest_month = MonthlyRecord.objects.aggregate(m=Max("period"))["m"]
    current = Business.objects.annotate(last=Max("records__period")).filter(last=latest_month)
    sample = list(current.order_by("pk")[::40][:3])  # trading businesses (not stale)
    Business.objects.filter(pk__in=[b.pk for b in sample]).update(advisor=advisor)
    client.force_login(advisor)
    api = session_client(advisor)
    # Advice first, as an advisor asked for it yesterday...
    for business in sample:
        assert advice_compute_now(business=business, user=advisor).status == "ready"
    # ...then new data arrives (a month corrected, one removed) and the night re-scores.
    for business in sample:
        records = MonthlyRecord.objects.filter(business=business).order_by("-period")
        latest = records.first()
        MonthlyRecord.objects.filter(pk=latest.pk).update(sales=latest.sales * 3)
        records.last().delete()
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job_id = nightly_rescore.apply().get()
    finally:
        app.conf.task_always_eager = False
    job = PredictionJob.objects.get(pk=job_id)
    assert job.status == PredictionJob.Status.SUCCEEDED, job.error

    for business in sample:
        result = PredictionResult.objects.get(job=job, business=business)
        nightly = (result.growth_probability, result.mean_h1)
        # the night brought its advice up to date too (issue 16, item 3): a new advice with
        # the job's figures (one inference path); yesterday's stays in the history
        advice, tonight = business.advices.order_by("created_at", "pk")
        assert (advice.growth_probability, advice.forecast[0]["mean"]) != nightly
        figures = (tonight.growth_probability, tonight.forecast[0]["mean"])
        assert figures == pytest.approx(nightly, rel=1e-6)
        # one figure, not two: the business's advice no longer shows yesterday's
        body = api.get(f"/api/v1/businesses/{business.ruc}/advice/").json()
        assert (body["growth_probability"], body["forecast"][0]["mean"]) == figures
        page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
        assert soles(figures[1]) in page.content.decode()
        assert soles(advice.forecast[0]["mean"]) not in page.content.decode()
        shown = _surfaces(client, api, advisor, business)
        assert shown["caseload"][0] == figures[0]
        assert {k: v for k, v in shown.items() if k != "caseload"} == dict.fromkeys(
            ["business page", "api", "owner report", "store"], figures
        )
        # the page's drivers and recommendations are tonight's: no "older advice" notice
        assert page.context["advice"] == tonight and not page.context["advice_outdated"]
        when = timezone.localtime(advice.computed_at)
        assert f"asesoría calculada el {when:%d/%m/%Y %H:%M}" not in page.content.decode()
    # manage.py score shows the same figures (its job makes them current again)
    business = sample[0]
    before = PredictionResult.objects.get(job=job, business=business)
    printed = _score_command(business, tmp_path)
    assert printed == _printed((before.growth_probability, before.mean_h1))
    assert _printed(_surfaces(client, api, advisor, business)["api"]) == printed

    # Fresh advice ("Solicitar asesoría actualizada") after more data: every surface shows it.
    records = MonthlyRecord.objects.filter(business=business)
    latest = records.order_by("-period").first()
    records.filter(pk=latest.pk).update(sales=latest.sales / 5)
    records.order_by("period").first().delete()  # (moves the data signature on SQLite)
    fresh = advice_compute_now(business=business, user=advisor)
    assert fresh.status == "ready"
    figures = (fresh.growth_probability, fresh.forecast[0]["mean"])
    assert figures != (before.growth_probability, before.mean_h1)
    shown = _surfaces(client, api, advisor, business)
    assert shown["caseload"][0] == figures[0]
    assert {k: v for k, v in shown.items() if k != "caseload"} == dict.fromkeys(
        ["business page", "api", "owner report", "store"], figures
    )
    stored = LatestScore.objects.get(business=business)
    assert stored.source == LatestScore.Source.ADVICE and stored.advice_id == fresh.pk
    assert stored.job_id is None
    assert stored.scored_at == fresh.computed_at
    # the others keep the nightly figures
    other = sample[1]
    kept = LatestScore.objects.get(business=other)
    assert kept.source == LatestScore.Source.ADVICE
    assert kept.advice_id == other.advices.order_by("-created_at", "-pk").first().pk
    # and manage.py score, run now, scores the same data with the same models
    printed = _score_command(business, tmp_path)
    assert printed == pytest.approx(_printed(figures), abs=1e-4)
    after = _surfaces(client, api, advisor, business)
    assert after["caseload"][0] == after["api"][0]
    assert len({v for k, v in after.items() if k != "caseload"}) == 1
    assert _printed(after["api"]) == printed
