"""The SUNAT padrón source: refused until a steward enables it and confirms its URL; the zip
streamed from the local replay server to a temporary file within its own size limit and deadline,
then reconciled; an unchanged file a recorded no-op; a broken zip a failed run with its reason;
the run's progress saved while it goes; its daily beat entry; the onboarding option."""

import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from businesses.models import (
    Business,
    DataSource,
    SunatCandidate,
    SunatOnboarding,
    SunatPadronRun,
    SunatRevision,
    SunatStatus,
)
from businesses.sources.schedules import data_source_save
from businesses.sources.services import source_pull
from businesses.sunat import reconcile
from businesses.sunat import source as sunat_source
from businesses.sunat.onboarding import sunat_candidates_register
from tests.factories import BusinessFactory, valid_ruc
from tests.replay import Reply
from tests.sunat_padron import padron_line, random_lines, write_padron

pytestmark = pytest.mark.django_db
PATH = "/padron_reducido_ruc.zip"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def padron_settings(sources_settings, tmp_path):
    sources_settings.SUNAT_PADRON_MAX_BYTES = 50 * 1024 * 1024
    sources_settings.SUNAT_PADRON_DEADLINE = 10
    sources_settings.SUNAT_PADRON_TMP_DIR = str(tmp_path / "downloads")
    (tmp_path / "downloads").mkdir()
    return sources_settings


def _source(server, **extra) -> DataSource:
    url = server.url(PATH)
    return DataSource.objects.create(
        name="SUNAT prueba",
        provider="SUNAT",
        kind=DataSource.Kind.SUNAT_PADRON,
        url=url,
        update_frequency=DataSource.Frequency.DAILY,
        **{"enabled": True, "confirmed_url": url, **extra},
    )


def _zip_bytes(tmp_path, lines, name="p.zip", **options) -> bytes:
    return write_padron(tmp_path / name, lines, **options).read_bytes()


def _serve(replay, body: bytes, **reply) -> None:
    replay.routes[PATH] = Reply(body, content_type="application/zip", **reply)


def test_the_shipped_source_is_disabled_and_unconfirmed():
    shipped = DataSource.objects.get(kind=DataSource.Kind.SUNAT_PADRON)
    assert (shipped.enabled, shipped.url_is_confirmed) == (False, False)
    assert shipped.url == "https://www2.sunat.gob.pe/padron_reducido_ruc.zip"
    assert SunatOnboarding.objects.get(source=shipped).enabled is False


def test_an_unconfirmed_url_cannot_be_enabled(padron_settings):
    padron_settings.MARKET_SOURCES_ALLOWED_HOSTS = ["www2.sunat.gob.pe"]
    source = DataSource(
        name="S",
        provider="SUNAT",
        kind=DataSource.Kind.SUNAT_PADRON,
        url="https://www2.sunat.gob.pe/padron_reducido_ruc.zip",
        enabled=True,
    )
    with pytest.raises(ValidationError, match="Confirm the padrón's URL"):
        source.full_clean()
    source.confirmed_url = source.url
    source.full_clean()
    source.url = "https://www2.sunat.gob.pe/otro.zip"  # changed since it was confirmed
    with pytest.raises(ValidationError, match="Confirm the padrón's URL"):
        source.full_clean()


@pytest.mark.parametrize("state", ["disabled", "url changed"])
def test_a_disabled_or_unconfirmed_source_refuses_before_any_request(
    replay, padron_settings, tmp_path, state
):
    _serve(replay, _zip_bytes(tmp_path, [padron_line(valid_ruc(1), name="X")]))
    source = _source(replay)
    if state == "disabled":
        source.enabled = False
    else:
        source.url = replay.url("/otro.zip")
    source.save()
    report = source_pull(source=source)
    assert report.failed
    assert ("is disabled" if state == "disabled" else "has not been confirmed") in report.message
    assert replay.requests == [] and not SunatPadronRun.objects.exists()
    source.refresh_from_db()
    assert source.last_pull_status == DataSource.PullStatus.FAILED
    assert report.message in source.last_failure_reason


def test_download_reconcile_then_the_same_file_is_a_recorded_no_op(
    replay, padron_settings, tmp_path
):
    a, b = BusinessFactory(), BusinessFactory()
    body = _zip_bytes(
        tmp_path,
        [
            *random_lines(300, seed=1),
            padron_line(a.ruc, name=a.legal_name.upper(), status="BAJA DE OFICIO"),
            "20100000001|LINEA ROTA|ACTIVO",
            padron_line(b.ruc, name=b.legal_name.upper(), condition="NO HABIDO"),
        ],
    )
    _serve(replay, body)
    source = _source(replay)
    report = source_pull(source=source)
    assert not report.failed, report.message
    run = SunatPadronRun.objects.get()
    assert (run.status, run.source, run.matched, run.bad_lines) == ("succeeded", source, 2, 1)
    assert run.problems == [{"line": 303, "reason": "2 separators where the padrón has 15 fields"}]
    assert (run.sha256, run.bytes_downloaded) == (hashlib.sha256(body).hexdigest(), len(body))
    assert run.lines == 304 and run.bytes_read > 0 and run.finished_at is not None
    assert SunatStatus.objects.get(pk=a.pk).status == "BAJA DE OFICIO"
    assert SunatStatus.objects.get(pk=b.pk).condition == "NO HABIDO"
    source.refresh_from_db()
    assert source.last_pull_status == DataSource.PullStatus.SUCCEEDED
    assert source.last_pull_counts["matched"] == 2 and source.last_pull_counts["run"] == run.pk
    assert "2 businesses of the registry found" in source.last_pull_message
    assert list(Path(padron_settings.SUNAT_PADRON_TMP_DIR).iterdir()) == []  # removed

    revisions = SunatRevision.objects.count()
    again = source_pull(source=source)
    assert not again.failed
    second = SunatPadronRun.objects.exclude(pk=run.pk).get()
    assert second.status == SunatPadronRun.Status.UNCHANGED
    assert f"Same file as run #{run.pk}" in second.message and second.lines == 0
    assert SunatRevision.objects.count() == revisions
    assert len(replay.requests) == 2  # downloaded again: only its digest says it is the same


def test_a_download_over_the_size_limit_fails_and_leaves_no_file(replay, padron_settings, tmp_path):
    body = _zip_bytes(tmp_path, random_lines(3000, seed=4))
    padron_settings.SUNAT_PADRON_MAX_BYTES = len(body) - 1
    padron_settings.MARKET_SOURCES_MAX_BYTES = 10 * len(body)
    _serve(replay, body)
    report = source_pull(source=_source(replay))
    run = SunatPadronRun.objects.get()
    assert report.failed and run.status == SunatPadronRun.Status.FAILED
    assert "larger than the" in run.message and run.message in report.message
    assert list(Path(padron_settings.SUNAT_PADRON_TMP_DIR).iterdir()) == []


def test_a_download_past_its_deadline_fails(replay, padron_settings, tmp_path):
    padron_settings.SUNAT_PADRON_DEADLINE = 0.3
    _serve(replay, b"PK\x03\x04" + b"x" * 300_000, chunk_delay=0.15)
    report = source_pull(source=_source(replay))
    run = SunatPadronRun.objects.get()
    assert report.failed and run.status == SunatPadronRun.Status.FAILED
    assert "took longer than 0.3 seconds" in run.message


def test_a_truncated_zip_fails_with_its_reason(replay, padron_settings, tmp_path):
    body = _zip_bytes(tmp_path, random_lines(2000, seed=5))
    _serve(replay, body[: len(body) // 2])  # a complete answer holding half a zip
    report = source_pull(source=_source(replay))
    run = SunatPadronRun.objects.get()
    assert run.status == SunatPadronRun.Status.FAILED and report.failed
    assert "truncated or damaged" in run.message


def test_a_body_cut_short_fails_as_a_download_error(replay, padron_settings, tmp_path):
    body = _zip_bytes(tmp_path, random_lines(2000, seed=5))
    _serve(replay, body, truncate_to=len(body) // 2)  # fewer bytes than announced
    report = source_pull(source=_source(replay))
    assert report.failed and "cut short" in SunatPadronRun.objects.get().message


def test_a_zip_with_a_second_member_fails(replay, padron_settings, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("padron_reducido_ruc.txt", b"RUC|\r\n")
        z.writestr("LEEME.txt", b"hola")
    _serve(replay, buffer.getvalue())
    report = source_pull(source=_source(replay))
    run = SunatPadronRun.objects.get()
    assert report.failed and "holds 2 files" in run.message


def test_progress_is_saved_while_downloading_and_reading(
    replay, padron_settings, tmp_path, monkeypatch
):
    """Every save of the run is seen: the download's bytes grow while it downloads, then the
    lines and bytes read grow while it reads, before the run ends."""
    business = BusinessFactory()
    lines = list(random_lines(40_000, seed=6))  # about 3 MB of text: three chunks of 1 MB
    lines.insert(20_000, padron_line(business.ruc, name="X"))
    body = _zip_bytes(tmp_path, lines)
    _serve(replay, body)
    monkeypatch.setattr(sunat_source, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(reconcile, "PROGRESS_EVERY", 0)
    snapshots = []
    save = SunatPadronRun.save

    def spy(self, *args, **kwargs):
        snapshots.append((self.status, self.bytes_downloaded, self.lines, self.bytes_read))
        return save(self, *args, **kwargs)

    monkeypatch.setattr(SunatPadronRun, "save", spy)
    source_pull(source=_source(replay))
    downloading = [s[1] for s in snapshots if s[0] == SunatPadronRun.Status.DOWNLOADING]
    reading = [(s[2], s[3]) for s in snapshots if s[0] == SunatPadronRun.Status.RUNNING]
    assert len(set(downloading)) >= 3 and downloading == sorted(downloading)
    assert downloading[-1] == len(body)
    assert len(set(reading)) >= 3 and reading == sorted(reading)
    assert len([n for n, _bytes in reading if 0 < n < 40_002]) >= 2  # before the end of the file
    run = SunatPadronRun.objects.get()
    assert run.status == SunatPadronRun.Status.SUCCEEDED and run.lines == 40_002


def test_the_source_has_its_own_daily_beat_entry(padron_settings, replay):
    source = _source(replay, enabled=False)
    data_source_save(source=source)
    task = PeriodicTask.objects.get(pk=source.schedule_id)
    assert task.task == "businesses.tasks.source_pull_scheduled" and not task.enabled
    assert json.loads(task.kwargs) == {"source_id": source.pk}
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("3", "30", "*")
    source.enabled = True
    data_source_save(source=source)
    task.refresh_from_db()
    assert task.enabled


def test_the_scheduled_task_pulls_it(replay, padron_settings, tmp_path):
    from businesses.tasks import source_pull_scheduled

    business = BusinessFactory()
    _serve(replay, _zip_bytes(tmp_path, [padron_line(business.ruc, name="X")]))
    source = _source(replay)
    assert source_pull_scheduled(source.pk) == DataSource.PullStatus.SUCCEEDED
    assert SunatStatus.objects.filter(pk=business.pk).exists()


def _candidate_lines(known_ruc):
    co, person = valid_ruc(501), valid_ruc(502, prefix="10")
    elsewhere, baja, no_habido = valid_ruc(503), valid_ruc(504), valid_ruc(505)
    return {
        "company": co,
        "person": person,
        "lines": [
            padron_line(co, name="PANADERÍA ÑUSTA S.A.C.", ubigeo="040101"),
            padron_line(person, name="QUISPE MAMANI JUAN", ubigeo="040102"),
            padron_line(elsewhere, name="LIMA S.A.C.", ubigeo="150101"),
            padron_line(baja, name="BAJA S.A.C.", ubigeo="040101", status="BAJA DE OFICIO"),
            padron_line(no_habido, name="NH S.A.C.", ubigeo="040101", condition="NO HABIDO"),
            padron_line(known_ruc, name="YA CONOCIDA", ubigeo="040101"),
            "20100000001|LINEA ROTA|ACTIVO",
        ],
    }


def test_onboarding_is_off_by_default(replay, padron_settings, tmp_path):
    known = BusinessFactory(region_id="04")
    _serve(replay, _zip_bytes(tmp_path, _candidate_lines(known.ruc)["lines"]))
    source = _source(replay)
    SunatOnboarding.objects.create(source=source, ubigeo_prefixes="04")
    assert not source_pull(source=source).failed
    assert not SunatCandidate.objects.exists() and SunatPadronRun.objects.get().onboarded == 0


def test_onboarding_lists_matching_taxpayers_then_a_steward_registers_them(
    replay, padron_settings, tmp_path, steward
):
    known = BusinessFactory(region_id="04")
    case = _candidate_lines(known.ruc)
    _serve(replay, _zip_bytes(tmp_path, case["lines"]))
    source = _source(replay)
    SunatOnboarding.objects.create(source=source, enabled=True, ubigeo_prefixes="04, 0801")
    assert not source_pull(source=source).failed
    candidate = SunatCandidate.objects.get()  # companies only; ACTIVO, HABIDO, in 04, unknown
    assert (candidate.ruc, candidate.region_id, candidate.ubigeo) == (
        case["company"],
        "04",
        "040101",
    )
    assert candidate.legal_name == "PANADERÍA ÑUSTA S.A.C." and candidate.business is None
    assert SunatPadronRun.objects.get().onboarded == 1

    SunatOnboarding.objects.filter(source=source).update(persons=True)
    _serve(replay, _zip_bytes(tmp_path, case["lines"][::-1], name="q.zip"))  # another digest
    source_pull(source=source)
    assert sorted(SunatCandidate.objects.values_list("ruc", flat=True)) == sorted(
        [case["company"], case["person"]]
    )

    outcome = sunat_candidates_register(candidates=SunatCandidate.objects.all(), user=steward)
    assert outcome.created == [] and {why for _c, why in outcome.skipped} == {"sector"}
    SunatCandidate.objects.filter(ruc=case["company"]).update(sector_id="10")
    outcome = sunat_candidates_register(candidates=SunatCandidate.objects.all(), user=steward)
    [business] = outcome.created
    assert (business.ruc, business.region_id, business.ubigeo, business.sector_id) == (
        case["company"],
        "04",
        "040101",
        "10",
    )
    assert business.source == "sunat" and business.sunat_candidate.registered_by == steward
    assert SunatStatus.objects.get(pk=business.pk).status == "ACTIVO"
    assert Business.objects.filter(ruc=case["person"]).count() == 0


def test_onboarding_criteria_are_validated():
    option = SunatOnboarding(source=DataSource.objects.first(), enabled=True)
    with pytest.raises(ValidationError, match="at least one ubigeo prefix"):
        option.full_clean()
    option.ubigeo_prefixes = "04, 4, 0401x"
    with pytest.raises(ValidationError, match="“4, 0401x”"):
        option.full_clean()
    option.ubigeo_prefixes, option.companies = "04", False
    with pytest.raises(ValidationError, match="companies, persons or both"):
        option.full_clean()


def test_nothing_is_left_in_the_temporary_directory_by_default(replay, sources_settings, tmp_path):
    sources_settings.SUNAT_PADRON_TMP_DIR = ""
    sources_settings.SUNAT_PADRON_MAX_BYTES = 10**7
    before = set(Path(tempfile.gettempdir()).glob("padron-*.zip"))
    _serve(replay, _zip_bytes(tmp_path, random_lines(10, seed=1)))
    assert not source_pull(source=_source(replay)).failed
    assert set(Path(tempfile.gettempdir()).glob("padron-*.zip")) == before
