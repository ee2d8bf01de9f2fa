"""Market values as known at each cut-off: an indicators frame with vintages (``known_from``)
gives each cut-off the values known then; without vintages nothing changes."""

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import evaluation, features, schema
from tests.unit.forecasting.engine.toy_panel import make_toy_panel

MONTHS = pd.date_range("2021-01-01", "2023-12-01", freq="MS")
M = pd.Timestamp


def _tiny_records() -> tuple[pd.DataFrame, pd.DataFrame]:
    records = pd.DataFrame(
        {
            schema.BUSINESS_ID: np.repeat([1, 2], len(MONTHS)),
            schema.PERIOD: np.tile(MONTHS, 2),
            schema.SALES: 1000.0,
            schema.COSTS: np.nan,
            schema.EMPLOYEES: np.nan,
            schema.SATISFACTION: np.nan,
        }
    )
    businesses = pd.DataFrame(
        {
            schema.BUSINESS_ID: [1, 2],
            schema.SECTOR_SECTION: ["C", "G"],
            schema.SECTOR_DIVISION: ["10", "47"],
            schema.REGION_CODE: ["15", "15"],
        }
    )
    return records, businesses


def _vintages() -> pd.DataFrame:
    """A national index: 100 + i in month i, received with the series' first pull (known at
    every cut-off) — except 2023-07, first 50 then revised to 60 (known from the 2023-08
    cut-off), and 2023-06, which first arrived in time for the 2023-07 cut-off only."""
    rows = [
        (m, 100.0 + i, pd.NaT)
        for i, m in enumerate(MONTHS)
        if m not in (M("2023-06-01"), M("2023-07-01"))
    ]
    rows += [
        (M("2023-07-01"), 50.0, pd.NaT),
        (M("2023-07-01"), 60.0, M("2023-08-01")),
        (M("2023-06-01"), 70.0, M("2023-07-01")),
    ]
    frame = pd.DataFrame(
        rows, columns=[schema.PERIOD, schema.INDICATOR_VALUE, schema.INDICATOR_KNOWN_FROM]
    )
    frame[schema.SECTOR_DIVISION] = None
    frame[schema.REGION_CODE] = None
    frame[schema.INDICATOR_NAME] = "idx"
    return frame


def _market(indicators: pd.DataFrame, cutoffs: list[str]) -> pd.DataFrame:
    records, businesses = _tiny_records()
    frame = features.build_features(records, businesses, indicators, pd.DatetimeIndex(cutoffs))
    return frame[frame[schema.BUSINESS_ID] == 1].set_index("cutoff")


def test_each_cutoff_sees_the_values_known_then():
    f = _market(_vintages(), ["2023-06-01", "2023-07-01", "2023-10-01"])
    # The 2023-06 value arrived after the 2023-06 cut-off: unknown there (the features read
    # the latest month published by then, 2023-05 = 128), known a month later.
    assert f.loc["2023-06-01", "mkt_idx_level"] == 128.0
    assert f.loc["2023-06-01", "mkt_idx_chg_1"] == pytest.approx(np.log(128.0 / 127.0))
    # Before its revision the 2023-07 value is the old one, after it the new one.
    assert f.loc["2023-07-01", "mkt_idx_level"] == 50.0
    assert f.loc["2023-07-01", "mkt_idx_chg_1"] == pytest.approx(np.log(50.0 / 70.0))
    assert f.loc["2023-10-01", "mkt_idx_chg_3"] == pytest.approx(np.log(133.0 / 60.0))


def test_without_vintages_the_values_are_taken_as_stored():
    current = _vintages().drop_duplicates(schema.PERIOD, keep="last")
    f = _market(current.drop(columns=schema.INDICATOR_KNOWN_FROM), ["2023-06-01", "2023-07-01"])
    assert f.loc["2023-06-01", "mkt_idx_level"] == 70.0
    assert f.loc["2023-07-01", "mkt_idx_level"] == 60.0


def test_no_history_changes_nothing():
    toy = make_toy_panel(n=120, months=36, seed=3)
    cutoffs = toy.periods[[14, 20, 27, 35]]
    stored = features.build_features(toy.records, toy.businesses, toy.indicators, cutoffs)
    always = toy.indicators.assign(**{schema.INDICATOR_KNOWN_FROM: pd.NaT})
    vintaged = features.build_features(toy.records, toy.businesses, always, cutoffs)
    assert any(c.startswith("mkt_") for c in stored.columns)
    pd.testing.assert_frame_equal(stored, vintaged)
    assert features.market_data_record(toy.indicators) == {
        "as_known_at_cutoff": False,
        "series_with_history": 0,
        "revisions_applied": 0,
    }


def test_backtest_reads_the_vintages_and_says_so(monkeypatch):
    records, businesses = _tiny_records()
    seen = []
    build = evaluation.build_features

    def spy(*args, **kwargs):
        frame = build(*args, **kwargs)
        seen.append(frame)
        return frame

    monkeypatch.setattr(evaluation, "build_features", spy)
    report = evaluation.evaluate(
        records,
        businesses,
        _vintages(),
        forecaster=evaluation.SalesForecaster(
            n_estimators=5, n_jobs=1, max_cutoffs=8, calibration_months=2, min_bucket_rows=2
        ),
        run_classifier=False,
        holdout_months=6,
    )
    assert report["market_data"] == {
        "as_known_at_cutoff": True,
        "series_with_history": 1,
        "revisions_applied": 1,
        "values_arrived_later": 1,
    }
    # The scored origins are 2023-06 .. 2023-11, each with the values known then.
    scored = seen[-1].set_index([schema.BUSINESS_ID, "cutoff"])
    assert list(scored.index.unique("cutoff")) == list(
        pd.date_range("2023-06-01", periods=6, freq="MS")
    )
    assert scored.loc[(1, M("2023-06-01")), "mkt_idx_level"] == 128.0  # 2023-06 not out yet
    assert scored.loc[(1, M("2023-07-01")), "mkt_idx_level"] == 50.0
    assert scored.loc[(1, M("2023-10-01")), "mkt_idx_chg_3"] == pytest.approx(np.log(133 / 60))


def test_market_features_read_each_series_latest_published_month():
    """Official series appear weeks after their month: the features read a series as of its
    latest value of the last MARKET_PUBLICATION_LAG + 1 months, not the cut-off's empty one;
    a series silent for longer gives nothing (NaN)."""
    current = _vintages().drop_duplicates(schema.PERIOD, keep="last")
    current = current.drop(columns=schema.INDICATOR_KNOWN_FROM)
    lagged = current[current[schema.PERIOD] <= M("2023-08-01")]  # published up to 2023-08
    f = _market(lagged, ["2023-08-01", "2023-10-01", "2023-11-01", "2023-12-01"])
    g = _market(current, ["2023-08-01"])
    for col in [c for c in f.columns if c.startswith("mkt_")]:  # as of 2023-08, three ways
        assert f.loc["2023-10-01", col] == pytest.approx(g.loc["2023-08-01", col], nan_ok=True)
        assert f.loc["2023-11-01", col] == pytest.approx(g.loc["2023-08-01", col], nan_ok=True)
    assert f.loc["2023-11-01", "mkt_idx_level"] == 131.0  # 2023-08: 100 + its month number
    assert features.MARKET_PUBLICATION_LAG == 3
    assert np.isnan(f.loc["2023-12-01", "mkt_idx_level"])  # four months without a value
