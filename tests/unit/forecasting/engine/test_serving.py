"""The serving path evaluates every model in one booster call, whatever the number of rows, and
its numbers are each model's own; TreeSHAP runs only where drivers are asked for."""

import numpy as np
import pytest
import xgboost as xgb

from forecasting.engine import schema
from forecasting.engine.features import build_features
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.serving import WALK_MAX_ROWS, ServingModels, fused_booster
from forecasting.engine.treeshap import PathTables
from forecasting.engine.treewalk import LevelForest
from tests.unit.forecasting.engine.test_forecaster import SMALL
from tests.unit.forecasting.engine.test_growth import SMALL as SMALL_GROWTH


@pytest.fixture(scope="module")
def models(toy):
    train = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    forecaster = SalesForecaster(**SMALL).fit(train, toy.businesses, toy.indicators)
    classifier = GrowthClassifier(**{**SMALL_GROWTH, "families": ["xgboost"]}).fit(
        train, toy.businesses, toy.indicators
    )
    return forecaster, classifier


@pytest.fixture(scope="module")
def features(toy):
    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    return build_features(known, toy.businesses, toy.indicators, [toy.periods[33]])


def test_the_fused_booster_gives_each_models_own_margins_to_the_bit(models):
    forecaster, classifier = models
    rng = np.random.default_rng(0)
    width = 200
    parts = []
    for h in forecaster.horizons:
        inputs = rng.choice(width, len(forecaster.feature_names_), replace=False)
        parts.append((forecaster.models_[h].get_booster(), inputs))
        parts.append((forecaster.mean_models_[h].get_booster(), inputs))
    inputs = rng.choice(width, len(classifier.feature_names_), replace=False)
    parts.append((classifier.model_.get_booster(), inputs))
    fused, links = fused_booster(parts, width)
    assert links[:2] == ["identity", "log"] and links[-1] == "logit"
    x = rng.normal(2.0, 3.0, size=(300, width)).astype(np.float32)
    x[rng.random(x.shape) < 0.2] = np.nan
    margins = fused.inplace_predict(x, predict_type="margin")
    for k, (booster, inputs) in enumerate(parts):
        own = booster.inplace_predict(np.ascontiguousarray(x[:, inputs]), predict_type="margin")
        np.testing.assert_array_equal(margins[:, k], own, err_msg=f"model {k}")


@pytest.mark.parametrize("rows", [1, WALK_MAX_ROWS, WALK_MAX_ROWS + 1, 40])
def test_one_tree_evaluation_per_request_and_treeshap_only_with_drivers(
    models, features, monkeypatch, rows
):
    """One evaluation of the fused trees per call: the level-by-level walk up to
    WALK_MAX_ROWS rows, XGBoost's own call past it; TreeSHAP only with drivers, from the growth
    model's tables at every size (XGBoost's TreeSHAP not called)."""
    server = ServingModels(*models)
    part = features.iloc[:rows]
    server.predict(part)  # builds the layout (and the fused booster) once
    calls = {"inplace": 0, "walk": 0, "contribs": 0, "tables": 0}
    inplace, predict = xgb.Booster.inplace_predict, xgb.Booster.predict
    walk, tables = LevelForest.margins, PathTables.contributions

    def counted_inplace(self, *args, **kwargs):
        calls["inplace"] += 1
        return inplace(self, *args, **kwargs)

    def counted_walk(self, *args, **kwargs):
        calls["walk"] += 1
        return walk(self, *args, **kwargs)

    def counted_predict(self, *args, **kwargs):
        calls["contribs"] += bool(kwargs.get("pred_contribs"))
        return predict(self, *args, **kwargs)

    def counted_tables(self, *args, **kwargs):
        calls["tables"] += 1
        return tables(self, *args, **kwargs)

    monkeypatch.setattr(PathTables, "contributions", counted_tables)
    monkeypatch.setattr(xgb.Booster, "inplace_predict", counted_inplace)
    monkeypatch.setattr(LevelForest, "margins", counted_walk)
    monkeypatch.setattr(xgb.Booster, "predict", counted_predict)
    small = rows <= WALK_MAX_ROWS
    quiet = server.predict(part, explain=False)
    assert calls == {"inplace": int(not small), "walk": int(small), "contribs": 0, "tables": 0}
    assert quiet.drivers == [[] for _ in range(rows)]
    explained = server.predict(part)
    assert calls == {
        "inplace": 2 * int(not small), "walk": 2 * int(small), "contribs": 0, "tables": 1
    }  # fmt: skip
    assert all(explained.drivers)
    np.testing.assert_array_equal(quiet.probability, explained.probability)


def test_a_business_gets_the_same_figures_alone_and_in_a_batch(models, features):
    """Served alone (the tree walk) or among 40 (XGBoost's call), every figure of a business is
    the same to the bit, its drivers too (the TreeSHAP tables at both sizes)."""
    server = ServingModels(*models)
    batch = server.predict(features.iloc[:40])
    for i in (0, 7, 39):
        alone = server.predict(features.iloc[[i]])
        for name, values in batch.forecast.items():
            np.testing.assert_array_equal(alone.forecast[name][:, 0], values[:, i], err_msg=name)
        assert alone.probability[0] == batch.probability[i]
        assert alone.drivers[0] == batch.drivers[i]


def test_served_numbers_are_the_engines(models, features):
    forecaster, classifier = models
    served = ServingModels(forecaster, classifier).predict(features)
    engine = forecaster.predict(None, features=features)
    for j, h in enumerate(served.horizons):
        part = engine[engine["horizon"] == h]
        for name in ("mean", "p10", "p50", "p90"):
            np.testing.assert_allclose(served.forecast[name][j], part[name], rtol=1e-5)
    proba = classifier.predict_proba(None, features=features)["probability"].to_numpy()
    np.testing.assert_allclose(served.probability, proba, atol=1e-6)
    # the engine's own explanation reads the same TreeSHAP tables: the same drivers
    assert [e["drivers"] for e in classifier.explain(features)] == served.drivers
    f = served.forecast
    assert (f["p10"] <= f["p50"]).all() and (f["p50"] <= f["p90"]).all()
    assert (f["p10"] <= f["mean"]).all() and (f["mean"] <= f["p90"]).all()


def test_the_reasons_read_each_value_as_the_general_conversion_gives_it():
    import pandas as pd

    from forecasting.engine.serving import _reader, _value

    frame = pd.DataFrame(
        {
            "f": [1.5, np.nan, -0.0],
            "b": [True, False, True],
            "i": np.array([3, 0, -7], dtype=np.int64),
            "o": ["47", None, "10"],
            "t": pd.to_datetime(["2026-01-01", None, "2025-06-01"]),
        }
    )
    for features in (frame, {c: frame[c].to_numpy() for c in frame}):
        value_of = _reader(features)
        for column in frame:
            values = features[column]
            for row in range(3):
                # what the reader gave before it kept each column (the general conversion)
                raw = values.iat[row] if isinstance(values, pd.Series) else values[row]
                got, expected = value_of(row, column), _value(raw)
                assert repr(got) == repr(expected), (column, row)
                assert type(got) is type(expected), (column, row, got, expected)
        assert value_of(0, "missing") is None
