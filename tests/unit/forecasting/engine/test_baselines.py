"""Baselines: what each predicts and how it falls back."""

import numpy as np
import pandas as pd

from forecasting.engine import schema
from forecasting.engine.baselines import baseline_forecasts


def _records(sales, start="2022-01-01", business_id=1):
    periods = pd.date_range(start, periods=len(sales), freq="MS")
    frame = pd.DataFrame(
        {schema.BUSINESS_ID: business_id, schema.PERIOD: periods, schema.SALES: sales}
    )
    return frame.dropna(subset=[schema.SALES]), periods


def test_each_baseline_on_a_regular_series():
    sales = np.arange(1, 25, dtype=float) * 100  # 24 months
    records, periods = _records(sales)
    out = baseline_forecasts(records, [periods[-1]], horizons=(1, 3))
    h1 = out[out["horizon"] == 1].iloc[0]
    assert h1["last_value"] == np.log1p(2400.0)
    assert h1["seasonal_naive"] == np.log1p(sales[-12])  # the target month one year earlier
    assert np.isclose(h1["mean_3"], np.mean(np.log1p(sales[-3:])))
    h3 = out[out["horizon"] == 3].iloc[0]
    assert h3["seasonal_naive"] == np.log1p(sales[-10])
    assert h3["period"] == periods[-1] + pd.DateOffset(months=3)


def test_fallbacks_when_history_is_short_or_gappy():
    sales = np.array([100.0, np.nan, np.nan, 400.0])
    records, periods = _records(sales)
    out = baseline_forecasts(records, [periods[-1]], horizons=(1,))
    row = out.iloc[0]
    assert row["seasonal_naive"] == row["last_value"] == np.log1p(400.0)
    assert np.isclose(row["mean_3"], np.mean(np.log1p([100.0, 400.0])))  # last 3 observed


def test_business_without_history_at_cutoff_gets_no_row():
    a, periods = _records([100.0] * 6)
    b, _ = _records([np.nan] * 4 + [50.0, 60.0], business_id=2)
    out = baseline_forecasts(pd.concat([a, b]), [periods[2]], horizons=(1,))
    assert out[schema.BUSINESS_ID].tolist() == [1]
