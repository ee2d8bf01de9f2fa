"""The data scientists' dataset: the panel, the features and labels at every training cut-off,
the advisors' feedback labels and the production models' held-out predictions, pseudonymised,
with a feature catalogue, a manifest and a data card (``docs/dataset.md`` describes the files).

:func:`dataset_export` writes it into a folder, atomically: everything goes into a hidden
sibling folder first, which is renamed to the target at the end; a failure removes it and
leaves nothing behind. Features, labels and targets come from the engine
(:mod:`forecasting.engine`), never from a second implementation: the features are
:func:`~forecasting.engine.features.build_features` of the exported frames themselves, so a
data scientist who rebuilds them from the export gets the same numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.disclosure import untrusted_businesses
from businesses.models import Business
from feedback.dataset import pseudonyms
from forecasting.engine import labels, schema
from forecasting.engine.features import (
    build_features,
    build_panel,
    feature_catalogue,
    feature_unit,
    model_columns,
)
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.reasons import family_labels, family_of
from forecasting.history import training_data
from forecasting.lifecycle.registry import heldout_load
from forecasting.lifecycle.training import training_labels
from forecasting.models import Advice, ModelKind, ModelVersion

Progress = Callable[[str, int], None]

FORMATS = ("auto", "parquet", "csv")
SINCE_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class DatasetExportError(Exception):
    """The export cannot be made; ``str(error)`` says why, in the active language."""


def parquet_available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def resolve_format(fmt: str) -> str:
    """``"parquet"`` or ``"csv"`` (gzipped) for a requested ``auto``, ``parquet`` or ``csv``."""
    if fmt not in FORMATS:
        raise DatasetExportError(
            _("Unknown format “%(fmt)s”: use auto, parquet or csv.") % {"fmt": fmt}
        )
    if fmt == "auto":
        return "parquet" if parquet_available() else "csv"
    if fmt == "parquet" and not parquet_available():
        raise DatasetExportError(
            _("Parquet needs the pyarrow package, which is not installed: use --format csv.")
        )
    return fmt


def parse_since(value: str | None) -> dt.date | None:
    """``yyyy-mm`` as the first day of that month (None for None or empty)."""
    if not value:
        return None
    match = SINCE_PATTERN.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2099:
        raise DatasetExportError(
            _("--since must be a month as yyyy-mm (e.g. 2024-01), not “%(value)s”.")
            % {"value": value}
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass
class ExportResult:
    path: Path
    fmt: str
    files: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(int(f.get("rows", 0)) for f in self.files.values())


def _version_estimator(kind: str, version: ModelVersion | None):
    """An unfitted estimator with the production version's parameters (defaults without one),
    to ask it which cut-offs it trains on and how it labels."""
    cls = SalesForecaster if kind == ModelKind.FORECASTER else GrowthClassifier
    params = dict(version.parameters or {}) if version is not None else {}
    accepted = cls().get_params()
    params = {k: v for k, v in params.items() if k in accepted}
    if "horizons" in params:
        params["horizons"] = tuple(int(h) for h in params["horizons"])
    return cls(**params)


def _production(kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.PRODUCTION).first()


class _Writer:
    """Writes frames into the work folder in one format and keeps the manifest entries."""

    def __init__(self, folder: Path, fmt: str, result: ExportResult) -> None:
        self.folder, self.fmt, self.result = folder, fmt, result

    def frame(self, name: str, frame: pd.DataFrame, description: str) -> None:
        if self.fmt == "parquet":
            file_name = f"{name}.parquet"
            frame.to_parquet(self.folder / file_name, index=False)
        else:
            file_name = f"{name}.csv.gz"
            frame.to_csv(
                self.folder / file_name,
                index=False,
                date_format="%Y-%m-%d",
                compression={"method": "gzip", "mtime": 0},
            )
        self._record(file_name, rows=len(frame), columns=list(map(str, frame.columns)),
                     description=description)  # fmt: skip

    def text(self, file_name: str, text: str, description: str, *, rows: int = 0) -> None:
        (self.folder / file_name).write_text(text, encoding="utf-8")
        self._record(file_name, rows=rows, columns=[], description=description)

    def _record(self, file_name: str, *, rows: int, columns: list[str], description: str) -> None:
        digest = hashlib.sha256((self.folder / file_name).read_bytes()).hexdigest()
        self.result.files[file_name] = {
            "rows": rows,
            "columns": columns,
            "sha256": digest,
            "description": description,
        }


def _work_folder(out: Path) -> Path:
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise DatasetExportError(_("No such folder: %(path)s") % {"path": parent})
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DatasetExportError(
            _("%(path)s already exists and is not an empty folder: choose a new one.")
            % {"path": out}
        )
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))


def dataset_export(
    out: Path | str,
    *,
    since: dt.date | None = None,
    fmt: str = "auto",
    progress: Progress | None = None,
) -> ExportResult:
    """Write the dataset into the folder ``out`` (new, or empty); atomic (see the module)."""
    fmt = resolve_format(fmt)
    out = Path(out)
    work = _work_folder(out)
    try:
        result = ExportResult(path=out, fmt=fmt)
        _export_into(work, result, since=since, progress=progress or (lambda stage, pct: None))
        if out.exists():
            out.rmdir()  # an empty folder the caller made
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _pseudonymised(data, key: bytes) -> tuple[pd.DataFrame, dict[int, int]]:
    """The businesses' exported attributes and the map registry id -> pseudonym."""
    untrusted = set(untrusted_businesses().values_list("pk", flat=True))
    rows = list(
        Business.objects.order_by("pk").values_list(
            "pk", "ruc", "sector__section_id", "sector_id", "region_id", "size_class",
            "founded", "women_led", "sells_online",
        )
    )  # fmt: skip
    ids = {pk: pseudonyms.pseudonym(ruc, key) for pk, ruc, *_rest in rows}
    if len(set(ids.values())) != len(ids):
        raise DatasetExportError(
            _("Two businesses got the same pseudonym: set another ASESOR_DATASET_KEY.")
        )
    frame = pd.DataFrame(
        {
            schema.BUSINESS_ID: pd.Series([ids[r[0]] for r in rows], dtype="int64"),
            schema.SECTOR_SECTION: [r[2] for r in rows],
            schema.SECTOR_DIVISION: [r[3] for r in rows],
            schema.REGION_CODE: [r[4] for r in rows],
            "size_class": [r[5] for r in rows],
            "founded_year": pd.array([r[6].year if r[6] else None for r in rows], dtype="Int64"),
            schema.WOMEN_LED: pd.Series([bool(r[7]) for r in rows], dtype=bool),
            schema.SELLS_ONLINE: pd.Series([bool(r[8]) for r in rows], dtype=bool),
            "partner_contributed": pd.Series([r[0] in untrusted for r in rows], dtype=bool),
        }
    )
    return frame.sort_values(schema.BUSINESS_ID, ignore_index=True), ids


def engine_businesses(exported: pd.DataFrame) -> pd.DataFrame:
    """The engine's ``businesses`` frame from the exported one: ``founded`` is 1 January of the
    founding year (the export withholds the month). ``docs/dataset.md`` does the same."""
    years = exported["founded_year"].astype("Int64").astype("string")
    founded = pd.to_datetime(years + "-01-01", errors="coerce")
    return exported.assign(**{schema.FOUNDED: founded})[schema.BUSINESS_COLUMNS]


def _remap(frame: pd.DataFrame, ids: dict[int, int]) -> tuple[pd.DataFrame, int]:
    """Registry ids replaced by pseudonyms; rows of businesses no longer in the registry are
    dropped (returned count)."""
    mapped = frame[schema.BUSINESS_ID].map(ids)
    kept = mapped.notna()
    out = frame.loc[kept].copy()
    out[schema.BUSINESS_ID] = mapped[kept].astype("int64")
    return out.reset_index(drop=True), int((~kept).sum())


def _since(frame: pd.DataFrame, column: str, since: dt.date | None) -> pd.DataFrame:
    if since is None or frame.empty:
        return frame
    return frame[pd.to_datetime(frame[column]) >= pd.Timestamp(since)].reset_index(drop=True)


def _catalogue(columns: list[str]) -> pd.DataFrame:
    entries = feature_catalogue(columns)
    rows = []
    for name in columns:
        entry = entries[name]
        family = family_of(name)
        family_es, family_en = family_labels(family)
        rows.append(
            {
                "name": name,
                "description_es": entry["label_es"],
                "description_en": entry["label_en"],
                "definition_en": entry["description"],
                "unit": feature_unit(name),
                "family": family,
                "family_es": family_es,
                "family_en": family_en,
            }
        )
    return pd.DataFrame(rows)


def _feedback_frame(ids: dict[int, int], since: dt.date | None) -> pd.DataFrame:
    """Verdicts, ratings and outcomes, one row each, without any free text or person."""
    from feedback.models import AdviceRating, Outcome, RecommendationFeedback

    rows: list[tuple] = []
    for b, cutoff, code, action, edited, at, f_v, g_v in RecommendationFeedback.objects.values_list(
        "recommendation__advice__business_id", "recommendation__advice__cutoff",
        "recommendation__code", "action", "edited_title", "created_at",
        "recommendation__advice__forecaster_version__version",
        "recommendation__advice__growth_version__version",
    ).order_by("created_at", "pk"):  # fmt: skip
        rows.append((b, "verdict", cutoff, code, action, None, bool(edited), at, f_v, g_v))
    for b, cutoff, rating, at, f_v, g_v in AdviceRating.objects.values_list(
        "advice__business_id", "advice__cutoff", "rating", "created_at",
        "advice__forecaster_version__version", "advice__growth_version__version",
    ).order_by("created_at", "pk"):  # fmt: skip
        rows.append((b, "rating", cutoff, "", str(rating), None, False, at, f_v, g_v))
    for b, cutoff, code, change, date, f_v, g_v in Outcome.objects.values_list(
        "business_id", "advice__cutoff", "recommendation__code", "sales_change", "date",
        "advice__forecaster_version__version", "advice__growth_version__version",
    ).order_by("date", "pk"):  # fmt: skip
        change = None if change is None else float(change)
        rows.append((b, "outcome", cutoff, code or "", "", change, False, date, f_v, g_v))
    frame = pd.DataFrame.from_records(
        rows,
        columns=[
            schema.BUSINESS_ID, "type", "advice_cutoff", "recommendation_code", "value",
            "sales_change_percent", "edited", "when", "forecaster_version", "growth_version",
        ],
    )  # fmt: skip
    frame["advice_cutoff"] = pd.to_datetime(frame["advice_cutoff"])
    # the month of the act, not the moment (a timestamp narrows down who acted)
    when = pd.to_datetime(frame["when"], utc=True, format="mixed")
    frame["month"] = when.dt.tz_convert(settings.TIME_ZONE).dt.strftime("%Y-%m")
    frame = frame.drop(columns="when")
    frame["forecaster_version"] = frame["forecaster_version"].astype("Int64")
    frame["growth_version"] = frame["growth_version"].astype("Int64")
    frame, _dropped = _remap(frame, ids)
    if since is not None:
        frame = frame[frame["month"] >= since.strftime("%Y-%m")].reset_index(drop=True)
    return frame


def _export_into(
    work: Path, result: ExportResult, *, since: dt.date | None, progress: Progress
) -> None:
    write = _Writer(work, result.fmt, result)
    key = pseudonyms.dataset_key()
    progress(_("reading the registry"), 5)
    data = training_data()
    if data.records.empty:
        raise DatasetExportError(_("There are no monthly records to export."))
    f_version, g_version = _production(ModelKind.FORECASTER), _production(ModelKind.GROWTH)
    forecaster = _version_estimator(ModelKind.FORECASTER, f_version)
    classifier = _version_estimator(ModelKind.GROWTH, g_version)

    progress(_("pseudonymising the businesses"), 10)
    businesses, ids = _pseudonymised(data, key)
    records, _gone = _remap(data.records, ids)
    records = records.sort_values([schema.BUSINESS_ID, schema.PERIOD], ignore_index=True)
    engine_static = engine_businesses(businesses)
    write.frame("businesses", businesses, "One row per business: non-identifying attributes.")
    write.frame(
        "records",
        _since(records, schema.PERIOD, since),
        "The panel: one row per business and reported month (sales, costs, employees, "
        "satisfaction).",
    )
    indicators = data.indicators
    write.frame(
        "indicators",
        _since(indicators, schema.PERIOD, since),
        "Market indicators as stored (the values the production models were fitted on).",
    )
    if data.indicator_vintages is not None:
        write.frame(
            "indicator_vintages",
            _since(data.indicator_vintages, schema.PERIOD, since),
            "Market indicators by vintage (known_from: the first cut-off at which each value "
            "was known), what the held-out measurements read.",
        )

    progress(_("building the features at every training cut-off"), 25)
    panel = build_panel(records)
    n_t = len(panel.periods)
    f_cut = set(forecaster.training_cutoff_indices(n_t))
    g_idx, partial = classifier.training_cutoff_indices(n_t)
    g_cut = set(g_idx)
    cut_idx = sorted(c for c in f_cut | g_cut | {n_t - 1} if 0 <= c < n_t)
    if since is not None:
        cut_idx = [c for c in cut_idx if panel.periods[c] >= pd.Timestamp(since)]
    cutoffs = panel.periods[cut_idx]
    features = build_features(
        records, engine_static, indicators, cutoffs, horizons=forecaster.horizons, panel=panel
    )
    c_of_row = panel.period_index(features["cutoff"])
    features.insert(2, "in_forecaster_training", np.isin(c_of_row, list(f_cut)))
    features.insert(3, "in_growth_training", np.isin(c_of_row, list(g_cut)))
    feature_names = [
        c for c in model_columns(features) if c not in ("in_forecaster_training",
                                                        "in_growth_training")
    ]  # fmt: skip
    preprocessing = dict(features.attrs.get("preprocessing", {}))
    features.attrs = {}
    progress(_("writing the features"), 45)
    write.frame(
        "features",
        features,
        "The engine's features of every business at every cut-off the production models train "
        "on (and the latest month), from the exported frames.",
    )
    write.frame(
        "feature_catalogue",
        _catalogue(feature_names),
        "Every feature column: descriptions in Spanish and English, definition, unit, family.",
    )

    progress(_("computing the labels and targets"), 60)
    row = np.searchsorted(panel.business_ids, features[schema.BUSINESS_ID].to_numpy())
    growth = np.full(len(features), np.nan)
    for c in np.unique(c_of_row):
        sel = c_of_row == c
        lab = labels.growth_labels_from_matrix(
            panel.sales,
            int(c),
            rate=classifier.rate,
            min_months=classifier.min_months,
            partial=partial,
        )
        growth[sel] = lab[row[sel]]
    label_frame = features[[schema.BUSINESS_ID, "cutoff"]].copy()
    label_frame["growth_label"] = growth
    log = panel.log_sales
    for h in forecaster.horizons:
        t = c_of_row + h
        target = np.full(len(features), np.nan)
        ok = t < n_t
        target[ok] = log[row[ok], t[ok]]
        label_frame[f"target_log1p_sales_h{h}"] = target
    write.frame(
        "labels",
        label_frame,
        "The engine's growth label and the forecaster's targets (log1p of the sales h months "
        "after the cut-off) for every row of the features.",
    )
    del features

    progress(_("reading the advisors' feedback"), 70)
    advisor_labels = training_labels(rate=classifier.rate)
    if advisor_labels is None:
        advisor_labels = pd.DataFrame(
            columns=[schema.BUSINESS_ID, "cutoff", "label", "weight", "source"]
        )
    advisor_labels, _gone = _remap(advisor_labels, ids)
    write.frame(
        "feedback_labels",
        _since(advisor_labels, "cutoff", since),
        "The advisors' growth labels as the growth classifier trains on them (label "
        "overrides and recorded outcomes, with their weights).",
    )
    write.frame(
        "feedback",
        _feedback_frame(ids, since),
        "Verdicts on recommendations, ratings of advice and recorded outcomes (no free text).",
    )

    progress(_("reading the held-out predictions"), 80)
    heldout_versions = {}
    for kind, version, name in (
        (ModelKind.FORECASTER, f_version, "heldout_forecasts"),
        (ModelKind.GROWTH, g_version, "heldout_growth"),
    ):
        if version is None:
            result.notes.append(f"no production {kind} model: {name} not exported")
            continue
        frame = heldout_load(version)
        if frame is None:
            result.notes.append(
                f"{kind} v{version.version} was trained before held-out predictions were "
                f"stored: {name} not exported (retrain to include it)"
            )
            continue
        frame, dropped = _remap(frame, ids)
        if dropped:
            result.notes.append(f"{name}: {dropped} rows of businesses no longer in the registry")
        frame.insert(0, "model_version", version.version)
        heldout_versions[kind] = version.version
        write.frame(
            name,
            _since(frame, "cutoff", since),
            f"The production {kind}'s held-out predictions (v{version.version}), stored when it "
            "was trained: fitted on the months before, scored on months it never saw.",
        )

    progress(_("writing the data card"), 90)
    from feedback.dataset.datacard import datacard_markdown

    context = {
        "exported_at": timezone.now(),
        "since": since,
        "format": result.fmt,
        "key_id": pseudonyms.key_id(key),
        "key_source": pseudonyms.key_source(),
        "first_month": panel.periods[0].strftime("%Y-%m"),
        "last_month": panel.periods[-1].strftime("%Y-%m"),
        "cutoffs": [c.strftime("%Y-%m") for c in cutoffs],
        "partial_labels": partial,
        "data": data,
        "versions": [v for v in (f_version, g_version) if v is not None],
        "heldout_versions": heldout_versions,
        "preprocessing": preprocessing,
        "notes": result.notes,
        "businesses": len(businesses),
        "partner_businesses": int(businesses["partner_contributed"].sum()),
        "advice": Advice.objects.count(),
    }
    write.text("datacard.md", datacard_markdown(context, result.files), "The data card (es/en).")
    manifest = {
        "dataset": "asesor-mype",
        "exported_at": context["exported_at"].isoformat(),
        "since": since.strftime("%Y-%m") if since else None,
        "format": result.fmt,
        "pseudonym_key_id": context["key_id"],
        "first_month": context["first_month"],
        "last_month": context["last_month"],
        "model_versions": {v.kind: v.version for v in context["versions"]},
        "data_version": data.data_version,
        "data_fingerprint": data.fingerprint,
        "notes": result.notes,
        "files": result.files,
    }
    (work / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    progress(_("done"), 100)
