"""Evaluating the production models' configuration on the current data, against baselines and,
for the synthetic demo data, against the generator's oracle."""

from __future__ import annotations

import pandas as pd

from businesses.demo import demo_panel
from businesses.models import Business, DataImport, Source
from forecasting.engine import evaluation, schema
from forecasting.history import training_data
from forecasting.lifecycle.registry import production_model
from forecasting.models import ModelKind


class MappedOracle:
    """The synthetic panel's oracle with its business ids translated to the database's."""

    def __init__(self, panel, ids: dict[int, int]) -> None:
        self._panel = panel
        self._ids = ids

    def _mapped(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[schema.BUSINESS_ID] = frame[schema.BUSINESS_ID].map(self._ids)
        return frame.dropna(subset=[schema.BUSINESS_ID]).astype({schema.BUSINESS_ID: "int64"})

    def oracle_log_sales(self, cutoffs, horizons=schema.HORIZONS, **kwargs) -> pd.DataFrame:
        return self._mapped(self._panel.oracle_log_sales(cutoffs, horizons, **kwargs))

    def oracle_growth_probability(self, cutoffs, rate=schema.DEFAULT_GROWTH_RATE, **kwargs):
        return self._mapped(self._panel.oracle_growth_probability(cutoffs, rate, **kwargs))


def demo_oracle() -> MappedOracle | None:
    """The oracle of the demo panel, when all the businesses are the demo's."""
    demo = (
        DataImport.objects.filter(kind=DataImport.Kind.DEMO, status=DataImport.Status.SUCCEEDED)
        .order_by("-pk")
        .first()
    )
    if demo is None or Business.objects.exclude(source=Source.DEMO).exists():
        return None
    panel = demo_panel(demo.parameters)
    by_ruc = dict(Business.objects.filter(source=Source.DEMO).values_list("ruc", "pk"))
    ids = {
        int(gid): by_ruc[ruc]
        for gid, ruc in zip(
            panel.businesses[schema.BUSINESS_ID], panel.businesses["ruc"], strict=True
        )
        if ruc in by_ruc
    }
    return MappedOracle(panel, ids)


def evaluate_production() -> dict:
    """Backtest the production models' configuration on the current data.

    Each production model is re-fitted, with its own parameters, on the months before the
    held-out ones and measured on those; the stored production artifact itself has seen them.
    """
    data = training_data()
    templates = {}
    for kind in (ModelKind.FORECASTER, ModelKind.GROWTH):
        version, model = production_model(kind)
        if version is not None:
            templates[kind] = type(model)(**model.get_params())
    report = evaluation.evaluate(
        data.records,
        data.businesses,
        data.backtest_indicators,
        forecaster=templates.get(ModelKind.FORECASTER),
        classifier=templates.get(ModelKind.GROWTH),
        oracle=demo_oracle(),
        run_forecaster=ModelKind.FORECASTER in templates,
        run_classifier=ModelKind.GROWTH in templates,
    )
    report["market_data"] = data.market_data_record(report.get("market_data"))
    report["data"] = {
        **data.summary(),
        "data_version": data.data_version,
        "fingerprint": data.fingerprint,
    }
    return report
