"""Feature builders: shapes, missing months, the outlier rule, speed-free vectorisation and the
no-look-ahead property."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.engine import features, schema


def _cutoff(toy, i):
    return toy.periods[i]


def test_one_row_per_business_with_history_at_cutoff(toy):
    cutoff = _cutoff(toy, 30)
    frame = features.build_features(toy.records, toy.businesses, toy.indicators, [cutoff])
    known = toy.records[toy.records[schema.PERIOD] <= cutoff][schema.BUSINESS_ID].unique()
    assert sorted(frame[schema.BUSINESS_ID]) == sorted(known)
    assert frame[[schema.BUSINESS_ID, "cutoff"]].duplicated().sum() == 0


def test_several_cutoffs_stack(toy):
    cutoffs = [_cutoff(toy, 20), _cutoff(toy, 30)]
    frame = features.build_features(toy.records, toy.businesses, toy.indicators, cutoffs)
    assert set(frame["cutoff"]) == set(cutoffs)


def test_missing_months_stay_missing_not_zero():
    periods = pd.date_range("2022-01-01", periods=14, freq="MS")
    records = pd.DataFrame(
        {
            schema.BUSINESS_ID: 1,
            schema.PERIOD: periods.delete([12]),  # the month before the cut-off is missing
            schema.SALES: 1000.0,
        }
    )
    frame = features.build_features(records, None, None, [periods[-1]])
    row = frame.iloc[0]
    assert np.isnan(row["log_sales_lag_2"])
    assert row["log_sales_lag_1"] == np.log1p(1000.0)
    assert row["share_zero"] == 0.0
    assert np.isnan(row["margin_last"])  # sales alone: no costs


def test_sales_only_input_builds_every_column():
    periods = pd.date_range("2022-01-01", periods=6, freq="MS")
    records = pd.DataFrame({schema.BUSINESS_ID: 7, schema.PERIOD: periods, schema.SALES: 50.0})
    frame = features.build_features(records, None, None, [periods[-1]])
    assert len(frame) == 1
    assert set(features.base_feature_names(horizons=schema.HORIZONS)) <= set(frame.columns)


def test_outlier_is_capped_in_features_and_recorded():
    periods = pd.date_range("2022-01-01", periods=24, freq="MS")
    sales = np.full(24, 1000.0)
    sales[-1] = 1_000_000.0  # an entry error (x1000)
    records = pd.DataFrame({schema.BUSINESS_ID: 1, schema.PERIOD: periods, schema.SALES: sales})
    frame = features.build_features(records, None, None, [periods[-1]])
    rule = features.OUTLIER_RULE
    cap = np.log1p(1000.0) + rule["k"] * rule["min_iqr"]
    assert frame["log_sales_lag_1"].iloc[0] <= cap + 1e-9
    assert frame.attrs["preprocessing"]["capped_values"] == 1
    assert frame.attrs["preprocessing"]["outlier_rule"]["k"] == rule["k"]


def test_zero_months_are_kept():
    periods = pd.date_range("2022-01-01", periods=12, freq="MS")
    sales = np.where(np.arange(12) % 3 == 0, 0.0, 500.0)
    records = pd.DataFrame({schema.BUSINESS_ID: 1, schema.PERIOD: periods, schema.SALES: sales})
    frame = features.build_features(records, None, None, [periods[-1]])
    assert frame["share_zero"].iloc[0] == 4 / 12
    assert frame["log_sales_lag_3"].iloc[0] == 0.0


def test_seasonal_reference_is_the_target_month_last_year(toy):
    cutoff = _cutoff(toy, 30)
    frame = features.build_features(toy.records, None, None, [cutoff], horizons=(1, 6))
    one = frame.iloc[0]
    rec = toy.records[toy.records[schema.BUSINESS_ID] == one[schema.BUSINESS_ID]]
    by_period = rec.set_index(schema.PERIOD)[schema.SALES]
    for h in (1, 6):
        ref = cutoff + pd.DateOffset(months=h - 12)
        expected = np.log1p(by_period.get(ref, np.nan))
        got = one[f"log_sales_same_month_ly_h{h}"]
        assert (np.isnan(expected) and np.isnan(got)) or abs(got - expected) < 1.5
    view = features.horizon_view(frame, 6)
    assert "log_sales_same_month_ly" in view.columns
    assert not any(c.endswith("_h1") for c in view.columns)


def test_every_column_is_in_the_catalogue(toy):
    frame = features.build_features(toy.records, toy.businesses, toy.indicators, [toy.periods[-1]])
    catalogue = features.feature_catalogue(frame.columns)
    undocumented = [c for c, v in catalogue.items() if v["description"] == "Undocumented column."]
    assert undocumented == []
    assert catalogue["growth_12m"]["label_es"] == "Crecimiento de ventas en los últimos 12 meses"
    assert catalogue["growth_12m"]["label_en"] == "Sales growth over the last 12 months"


def test_lagged_sales_labels_say_month_and_months():
    catalogue = features.feature_catalogue(["log_sales_lag_2", "log_sales_lag_3"])
    assert catalogue["log_sales_lag_2"]["label_es"] == "Ventas de hace 1 mes"
    assert catalogue["log_sales_lag_2"]["label_en"] == "Sales 1 month earlier"
    assert catalogue["log_sales_lag_3"]["label_es"] == "Ventas de hace 2 meses"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=3, max_value=36),
    factor=st.floats(min_value=0.0, max_value=50.0),
    share=st.floats(min_value=0.05, max_value=1.0),
    seed=st.integers(min_value=0, max_value=10_000),
    drop=st.booleans(),
)
def test_no_look_ahead(toy, cut, factor, share, seed, drop):
    """Changing (or deleting) any record after the cut-off changes no feature at the cut-off."""
    cutoff = toy.periods[cut]
    before = features.build_features(toy.records, toy.businesses, toy.indicators, [cutoff])
    rng = np.random.default_rng(seed)
    records = toy.records.copy()
    later = np.flatnonzero((records[schema.PERIOD] > cutoff).to_numpy())
    chosen = later[rng.random(len(later)) < share]
    if drop:
        records = records.drop(records.index[chosen])
    else:
        for col in (schema.SALES, schema.COSTS, schema.EMPLOYEES):
            records.iloc[chosen, records.columns.get_loc(col)] *= factor
        records.iloc[chosen, records.columns.get_loc(schema.SATISFACTION)] = 0.0
    indicators = toy.indicators.copy()
    late = indicators[schema.PERIOD] > cutoff
    indicators.loc[late, schema.INDICATOR_VALUE] *= 1.0 + factor
    after = features.build_features(records, toy.businesses, indicators, [cutoff])
    pd.testing.assert_frame_equal(before, after)


def test_a_section_level_series_reaches_the_businesses_of_its_divisions(toy):
    """Official sector indices are published by CIIU section: a business of division 47 reads
    the section G series as if it were its division's, and its own division's series when there
    is one (the more specific wins)."""
    cutoff = _cutoff(toy, 30)
    division = str(toy.businesses[schema.SECTOR_DIVISION].iloc[0])
    section = str(toy.businesses[schema.SECTOR_SECTION].iloc[0])
    months = toy.periods[:31]
    values = 100.0 + np.arange(len(months)) * 0.7

    def series(sector: str, offset: float = 0.0) -> pd.DataFrame:
        return pd.DataFrame(
            {
                schema.SECTOR_DIVISION: sector,
                schema.REGION_CODE: None,
                schema.PERIOD: months,
                schema.INDICATOR_NAME: "probe_index",
                schema.INDICATOR_VALUE: values + offset,
            }
        )

    mine = toy.businesses[toy.businesses[schema.SECTOR_DIVISION].astype(str) == division]
    ids = set(mine[schema.BUSINESS_ID])

    def level(indicators: pd.DataFrame) -> pd.Series:
        frame = features.build_features(toy.records, toy.businesses, indicators, [cutoff])
        frame = frame[frame[schema.BUSINESS_ID].isin(ids)].set_index(schema.BUSINESS_ID)
        return frame[[c for c in frame.columns if c.startswith("mkt_probe_index")]]

    by_section = level(series(section))
    by_division = level(series(division))
    assert len(by_section) > 0 and by_section.notna().all().all()
    pd.testing.assert_frame_equal(by_section, by_division)
    both = level(pd.concat([series(section, offset=50.0), series(division)]))
    pd.testing.assert_frame_equal(both, by_division)


def test_feature_columns_are_build_features_as_plain_arrays(toy):
    """The serving path's arrays hold the DataFrame's numbers, column for column, in its order;
    the attributes come in panel order whether or not the businesses frame already is."""
    cutoff = _cutoff(toy, 39)  # every toy business has a month by then
    panel = features.build_panel(toy.records)
    frame = features.build_features(toy.records, toy.businesses, None, [cutoff], panel=panel)
    shuffled = toy.businesses.sample(frac=1.0, random_state=1)
    for businesses in (toy.businesses.sort_values(schema.BUSINESS_ID), shuffled):
        columns = features.feature_columns(panel, businesses, cutoff)
        assert list(columns) == [c for c in frame.columns if c != "cutoff"]
        for name, values in columns.items():
            if name in features.CATEGORICAL_COLUMNS:
                expected = frame[name].astype(object).where(frame[name].notna(), None)
                got = pd.Series(values, dtype=object).where(pd.notna(values), None)
                assert got.tolist() == expected.tolist(), name
            else:
                np.testing.assert_array_equal(values, frame[name].to_numpy(), err_msg=name)
