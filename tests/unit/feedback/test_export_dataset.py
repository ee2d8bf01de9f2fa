"""The data scientists' dataset: pseudonymised (stable, keyed, no RUC or name anywhere),
filtered by --since, atomic, with held-out predictions stored at training time; the admin's
job with its progress and bilingual failure; and the refit example of docs/dataset.md."""

import gzip
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from businesses.models import Business, MonthlyRecord
from feedback.dataset import exporter, pseudonyms
from feedback.dataset.exporter import dataset_export
from feedback.dataset.jobs import archive_path, dataset_export_execute
from feedback.models import DatasetExport, LabelOverride
from forecasting.engine import schema
from forecasting.engine.features import build_features
from forecasting.lifecycle.registry import heldout_load
from forecasting.models import Advice, ModelKind, ModelVersion
from tests.model_parameters import SMALL_MODELS as SMALL

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs" / "dataset.md"


@pytest.fixture
def small_trained(trained, settings, tmp_path):
    """The unit tier's small demo (120 businesses x 40 months) with small trained models."""
    settings.DATASET_KEY = "test-dataset-key"
    settings.DATASET_EXPORT_DIR = tmp_path / "exports"
    return trained


def _read(folder: Path, name: str) -> pd.DataFrame:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv.gz"
    if parquet.exists():
        return pd.read_parquet(parquet)
    return pd.read_csv(csv)


def _all_text(folder: Path) -> str:
    """Every file of the export as text (CSV files decompressed)."""
    parts = []
    for path in folder.iterdir():
        data = path.read_bytes()
        parts.append(gzip.decompress(data).decode() if path.suffix == ".gz" else data.decode(
            "utf-8", "replace"))  # fmt: skip
    return "\n".join(parts)


def test_pseudonyms_are_stable_and_keyed(settings):
    settings.DATASET_KEY = "one key"
    a = pseudonyms.pseudonym("20100047218")
    assert a == pseudonyms.pseudonym("20100047218")
    assert 0 <= a < 2**53
    assert a != pseudonyms.pseudonym("20100047219")
    settings.DATASET_KEY = "another key"
    assert pseudonyms.pseudonym("20100047218") != a
    # without a dataset key: derived from SECRET_KEY, and following it
    settings.DATASET_KEY = None
    settings.SECRET_KEY = "secret one"
    derived = pseudonyms.pseudonym("20100047218")
    settings.SECRET_KEY = "secret two"
    assert pseudonyms.pseudonym("20100047218") != derived
    assert pseudonyms.key_source() == "SECRET_KEY"


def test_the_export_holds_no_identity_and_keeps_pseudonyms_stable(small_trained, tmp_path):
    csv_out = tmp_path / "csv"
    dataset_export(csv_out, fmt="csv")
    files = {p.name for p in csv_out.iterdir()}
    for name in (
        "businesses",
        "records",
        "indicators",
        "features",
        "feature_catalogue",
        "labels",
        "feedback_labels",
        "feedback",
        "heldout_forecasts",
        "heldout_growth",
    ):
        assert f"{name}.csv.gz" in files, name  # fmt: skip
    assert {"datacard.md", "manifest.json"} <= files

    text = _all_text(csv_out)
    for b in Business.objects.all():
        assert b.ruc not in text
        assert b.legal_name not in text
        if b.trade_name:
            assert b.trade_name not in text
    # the records as exported: the same months and sales as the registry's, by pseudonym
    businesses = _read(csv_out, "businesses")
    expected = {pseudonyms.pseudonym(b.ruc) for b in Business.objects.all()}
    assert set(businesses[schema.BUSINESS_ID]) == expected
    assert {"ruc", "legal_name", "trade_name", "ubigeo", "founded"}.isdisjoint(businesses.columns)
    records = _read(csv_out, "records")
    assert len(records) == MonthlyRecord.objects.count()
    one = Business.objects.order_by("pk").first()
    mine = records[records[schema.BUSINESS_ID] == pseudonyms.pseudonym(one.ruc)]
    stored = sorted(
        float(s) for s in MonthlyRecord.objects.filter(business=one).values_list("sales", flat=True)
    )
    assert sorted(mine[schema.SALES].round(2)) == pytest.approx(stored)

    # a second export with the same key: the same pseudonyms; another key: none in common
    again = tmp_path / "again"
    dataset_export(again, fmt="csv")
    assert set(_read(again, "businesses")[schema.BUSINESS_ID]) == expected


def test_another_key_gives_other_pseudonyms(small_trained, tmp_path, settings):
    dataset_export(tmp_path / "a", fmt="csv")
    settings.DATASET_KEY = "a different key"
    dataset_export(tmp_path / "b", fmt="csv")
    a = set(_read(tmp_path / "a", "businesses")[schema.BUSINESS_ID])
    b = set(_read(tmp_path / "b", "businesses")[schema.BUSINESS_ID])
    assert len(a) == len(b) == Business.objects.count()
    assert not a & b
    manifest_a = json.loads((tmp_path / "a" / "manifest.json").read_text())
    manifest_b = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest_a["pseudonym_key_id"] != manifest_b["pseudonym_key_id"]


def test_since_filters_every_monthly_file(small_trained, tmp_path):
    months = sorted({r.strftime("%Y-%m") for r in MonthlyRecord.objects.values_list(
        "period", flat=True)})  # fmt: skip
    since = months[-10]
    call_command("export_dataset", out=tmp_path / "since", since=since, fmt="csv", verbosity=0)
    folder = tmp_path / "since"
    records = _read(folder, "records")
    assert len(records) and records[schema.PERIOD].min()[:7] == since
    full = MonthlyRecord.objects.filter(period__gte=f"{since}-01").count()
    assert len(records) == full
    for name, column in (
        ("features", "cutoff"),
        ("labels", "cutoff"),
        ("indicators", schema.PERIOD),
        ("heldout_forecasts", "cutoff"),
    ):
        frame = _read(folder, name)
        assert (frame[column].str[:7] >= since).all(), name  # fmt: skip
    card = (folder / "datacard.md").read_text()
    assert "--since " + since in card
    assert "(America/Lima)" in card.splitlines()[2] and "UTC" not in card  # the local clock


def test_bad_since_and_a_used_folder_are_refused_in_both_languages(small_trained, tmp_path):
    with translation.override("es"), pytest.raises(CommandError, match=r"aaaa-mm.*2024-13"):
        call_command("export_dataset", out=tmp_path / "x", since="2024-13", verbosity=0)
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with translation.override("en"), pytest.raises(CommandError, match="not an empty folder"):
        call_command("export_dataset", out=used, verbosity=0)
    with translation.override("es"), pytest.raises(CommandError, match="carpeta"):
        call_command("export_dataset", out=used, verbosity=0)
    assert [p.name for p in used.iterdir()] == ["keep.txt"]
    assert not (tmp_path / "x").exists()


def test_a_failed_export_leaves_nothing(small_trained, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exporter, "_feedback_frame", broken)
    parent = tmp_path / "exports"
    parent.mkdir()
    with pytest.raises(RuntimeError):
        dataset_export(parent / "out", fmt="csv")
    assert list(parent.iterdir()) == []  # no target, no hidden partial folder


def test_the_features_are_the_engines_on_the_exported_frames(small_trained, tmp_path):
    out = tmp_path / "d"
    dataset_export(out, fmt="csv")
    features = _read(out, "features")
    records = _read(out, "records")
    records[schema.PERIOD] = pd.to_datetime(records[schema.PERIOD])
    static = exporter.engine_businesses(_read(out, "businesses"))
    cutoff = pd.Timestamp(features["cutoff"].max())
    again = build_features(records, static, None, [cutoff])
    last = features[pd.to_datetime(features["cutoff"]) == cutoff]
    last = last.sort_values(schema.BUSINESS_ID, ignore_index=True)
    again = again.sort_values(schema.BUSINESS_ID, ignore_index=True)
    for column in ("log_sales_lag_1", "growth_yoy", "age_months", "sector_growth_yoy"):
        assert last[column].to_numpy() == pytest.approx(again[column].to_numpy(), nan_ok=True)
    catalogue = _read(out, "feature_catalogue")
    feature_columns = set(features.columns) - {
        schema.BUSINESS_ID,
        "cutoff",
        "in_forecaster_training",
        "in_growth_training",
    }
    assert set(catalogue["name"]) == feature_columns
    assert catalogue[["description_es", "description_en", "unit"]].notna().all().all()
    assert (catalogue["unit"] != "see definition").all()
    assert features["in_forecaster_training"].any() and features["in_growth_training"].any()


def test_feedback_labels_and_heldout_predictions_are_exported(small_trained, tmp_path, advisor):
    business = Business.objects.order_by("pk").first()
    advice = Advice.objects.create(business=business, cutoff="2020-06-01")
    LabelOverride.objects.create(
        advice=advice, business=business, cutoff="2020-06-01", label=LabelOverride.Label.GROWS,
        reason="Abrió una segunda tienda, llamar al 999888777", created_by=advisor,
    )  # fmt: skip
    out = tmp_path / "d"
    dataset_export(out, fmt="csv")
    labels = _read(out, "feedback_labels")
    row = labels[labels[schema.BUSINESS_ID] == pseudonyms.pseudonym(business.ruc)]
    assert list(row["label"]) == [1.0] and list(row["source"]) == ["override"]
    assert "999888777" not in _all_text(out)  # free text never leaves

    version = ModelVersion.objects.get(kind=ModelKind.FORECASTER, status="production")
    stored = heldout_load(version)
    assert stored is not None and len(stored)
    exported = _read(out, "heldout_forecasts")
    assert len(exported) == len(stored)
    assert set(exported["model_version"]) == {version.version}
    assert {"mean", "p10", "p90", "sales", "horizon"} <= set(exported.columns)
    growth = _read(out, "heldout_growth")
    assert set(growth["label"].dropna()) <= {0.0, 1.0} and growth["probability"].between(0, 1).all()


def test_parquet_when_pyarrow_is_there(small_trained, tmp_path, monkeypatch):
    if exporter.parquet_available():
        result = dataset_export(tmp_path / "p", fmt="auto")
        assert result.fmt == "parquet" and (tmp_path / "p" / "records.parquet").exists()
    monkeypatch.setattr(exporter, "parquet_available", lambda: False)
    assert exporter.resolve_format("auto") == "csv"
    with pytest.raises(exporter.DatasetExportError, match="pyarrow"):
        exporter.resolve_format("parquet")


# ------------------------------------------------------------------ the admin's job


def test_the_steward_runs_the_export_as_a_job_and_downloads_it(
    small_trained, client, steward, advisor, monkeypatch
):
    queued = []
    monkeypatch.setattr("feedback.dataset.jobs.dataset_export_enqueue", lambda e: queued.append(e))
    client.force_login(advisor)
    assert client.get(reverse("admin:feedback_datasetexport_add")).status_code != 200
    client.force_login(steward)
    page = client.get(reverse("admin:feedback_datasetexport_changelist"))
    assert reverse("admin:feedback_datasetexport_add") in page.content.decode()
    response = client.post(
        reverse("admin:feedback_datasetexport_add"), {"since": "", "file_format": "csv"}
    )
    assert response.status_code == 302 and len(queued) == 1
    export = queued[0]
    follow = client.get(reverse("admin:feedback_datasetexport_change", args=[export.pk]))
    assert b'http-equiv="refresh"' in follow.content and b"<progress" in follow.content

    with translation.override("es"):
        export = dataset_export_execute(export.pk)
    assert export.status == DatasetExport.Status.SUCCEEDED and export.percent == 100
    assert "leyendo el registro" in export.log and "seudonimizando" in export.log
    path = archive_path(export)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert any(n.endswith("/datacard.md") for n in names)
        assert any(n.endswith("/records.csv.gz") for n in names)
    done = client.get(reverse("admin:feedback_datasetexport_change", args=[export.pk]))
    assert b'http-equiv="refresh"' not in done.content
    download = client.get(reverse("admin:feedback_datasetexport_download", args=[export.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == path.read_bytes()
    client.force_login(advisor)
    assert client.get(
        reverse("admin:feedback_datasetexport_download", args=[export.pk])
    ).status_code in (302, 403)


@pytest.mark.parametrize(
    ("language", "words"), [("es", "La exportación falló"), ("en", "The export failed")]
)
def test_a_failed_job_says_why_in_both_languages_and_leaves_no_archive(
    small_trained, monkeypatch, language, words
):
    from feedback.dataset.jobs import exports_dir

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exporter, "_feedback_frame", broken)
    export = DatasetExport.objects.create(file_format="csv")
    with translation.override(language):
        export = dataset_export_execute(export.pk)
    assert export.status == DatasetExport.Status.FAILED
    assert words in export.error and "disk full" in export.error
    stage = "leyendo las valoraciones" if language == "es" else "reading the advisors' feedback"
    assert stage in export.error
    assert archive_path(export) is None and list(exports_dir().iterdir()) == []


def test_a_job_without_records_fails_with_the_reason(fresh_caches, settings, tmp_path):
    settings.DATASET_EXPORT_DIR = tmp_path / "exports"
    export = DatasetExport.objects.create()
    with translation.override("es"):
        export = dataset_export_execute(export.pk)
    assert export.status == DatasetExport.Status.FAILED
    assert "No hay registros mensuales" in export.error


# ------------------------------------------------------------------ docs/dataset.md's example


def test_the_docs_refit_example_runs_on_a_small_export(small_trained, tmp_path, monkeypatch):
    out = tmp_path / "dataset"
    dataset_export(out, fmt="csv")
    code = re.search(r"```python refit\n(.*?)```", DOCS.read_text(), re.S)
    assert code, "docs/dataset.md has no ```python refit block"
    source = code.group(1)
    # the example's two settings: this export, and the tests' small models (they train fast)
    source = re.sub(r"^DATASET = .*$", f"DATASET = {str(out)!r}", source, flags=re.M)
    source = re.sub(r"^PARAMS = .*$", f"PARAMS = {SMALL!r}", source, flags=re.M)
    assert str(out) in source and "n_estimators" in source
    namespace = {"__name__": "refit_example"}
    exec(compile(source, str(DOCS), "exec"), namespace)
    assert namespace["auc"] is not None and 0.0 <= namespace["auc"] <= 1.0
    assert namespace["forecast"]["mean"].notna().all()
