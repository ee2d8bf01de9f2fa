"""The synthetic MYPE panel: its shape, its realism and its oracle."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import labels, schema
from forecasting.engine.synthetic import generate_panel

N_BUSINESSES = 2000
N_MONTHS = 48


@pytest.fixture(scope="module")
def panel():
    return generate_panel(N_BUSINESSES, N_MONTHS, seed=5)


def ruc_is_valid(ruc: str) -> bool:
    """SUNAT's rule, written independently of the generator."""
    if len(ruc) != 11 or not ruc.isdigit() or ruc[:2] not in {"10", "15", "16", "17", "20"}:
        return False
    weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    s = sum(int(d) * w for d, w in zip(ruc[:10], weights, strict=True)) % 11
    check = {10: 0, 11: 1}.get(11 - s, 11 - s)
    return check == int(ruc[10])


def sales_matrix(panel) -> np.ndarray:
    wide = panel.records.pivot(index=schema.BUSINESS_ID, columns=schema.PERIOD, values="sales")
    ids = panel.businesses[schema.BUSINESS_ID]
    return wide.reindex(index=ids, columns=panel.periods).to_numpy(dtype=float)


def auc(y: np.ndarray, score: np.ndarray) -> float:
    ranks = pd.Series(score).rank().to_numpy()
    pos = y == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


# --- determinism -----------------------------------------------------------------------------


def test_same_arguments_give_the_same_panel_and_oracle():
    a = generate_panel(300, 24, seed=7)
    b = generate_panel(300, 24, seed=7)
    pd.testing.assert_frame_equal(a.businesses, b.businesses)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.indicators, b.indicators)
    cutoffs = a.periods[[10, 17]]
    pd.testing.assert_frame_equal(
        a.oracle_log_sales(cutoffs, n_draws=50), b.oracle_log_sales(cutoffs, n_draws=50)
    )
    pd.testing.assert_frame_equal(
        a.oracle_growth_probability(cutoffs, n_draws=50),
        b.oracle_growth_probability(cutoffs, n_draws=50),
    )


def test_different_seeds_give_different_panels():
    a = generate_panel(300, 24, seed=7)
    b = generate_panel(300, 24, seed=8)
    assert not a.businesses["ruc"].equals(b.businesses["ruc"])
    assert len(a.records) != len(b.records) or not np.allclose(
        a.records["sales"].to_numpy(), b.records["sales"].to_numpy()
    )


def test_the_engine_module_does_not_import_django():
    source = Path(__file__).parents[4] / "forecasting" / "engine" / "synthetic.py"
    text = source.read_text(encoding="utf-8")
    assert "import django" not in text and "from django" not in text


# --- the frames follow the schema ------------------------------------------------------------


def test_frames_follow_the_schema(panel):
    assert list(panel.records.columns) == schema.RECORD_COLUMNS
    assert list(panel.indicators.columns) == schema.INDICATOR_COLUMNS
    for column in [*schema.BUSINESS_COLUMNS, "ruc", "legal_name", "trade_name", "ubigeo"]:
        assert column in panel.businesses.columns
    assert panel.businesses["employees"].dtype.kind == "i"
    assert (panel.businesses["employees"] >= 1).all()
    assert len(panel.periods) == N_MONTHS
    assert panel.periods[0] == pd.Timestamp("2021-01-01")
    assert (panel.periods.day == 1).all()
    assert panel.businesses[schema.BUSINESS_ID].is_unique
    assert panel.businesses[schema.SECTOR_DIVISION].str.fullmatch(r"\d\d").all()
    founded = panel.businesses[schema.FOUNDED].dropna()
    assert (founded.dt.day == 1).all()


def test_params_are_json_and_report_the_noise(panel):
    params = json.loads(json.dumps(panel.params))
    assert 0.15 <= params["realised"]["monthly_log_noise_sd_before_youth"]["median"] <= 0.35
    assert params["outliers"]["rate"] > 0
    assert params["entry_errors"]["rate"] > 0
    for key in ("share_short", "share_intermittent", "share_sales_only", "share_huge"):
        assert 0 < params["realised"][key] < 1


def test_rucs_are_valid_and_unique(panel):
    rucs = panel.businesses["ruc"]
    assert rucs.is_unique
    assert all(ruc_is_valid(r) for r in rucs)
    assert set(rucs.str[:2]) == {"10", "20"}
    assert (rucs.str[:2] == "10").mean() > 0.5  # natural persons are most MYPEs


def test_ubigeo_is_the_region_and_six_digits(panel):
    b = panel.businesses
    assert b["ubigeo"].str.fullmatch(r"\d{6}").all()
    assert (b["ubigeo"].str[:2] == b[schema.REGION_CODE]).all()
    assert set(b[schema.REGION_CODE]) <= {f"{i:02d}" for i in range(1, 26)}


def test_region_mix_is_close_to_the_real_one(panel):
    shares = panel.businesses[schema.REGION_CODE].value_counts(normalize=True)
    assert 0.37 <= shares["15"] <= 0.48  # Lima
    assert set(shares.index[1:4]) <= {"04", "13", "20", "08", "14", "12"}
    assert shares.get("09", 0) < 0.02  # Huancavelica


def test_sector_mix_is_close_to_the_real_one(panel):
    shares = panel.businesses[schema.SECTOR_SECTION].value_counts(normalize=True)
    assert 0.40 <= shares["G"] <= 0.52
    assert 0.08 <= shares["I"] <= 0.16
    assert 0.07 <= shares["C"] <= 0.15
    assert 0.01 <= shares["A"] <= 0.06
    assert 0.35 <= panel.businesses[schema.WOMEN_LED].mean() <= 0.55
    assert 0.15 <= panel.businesses[schema.SELLS_ONLINE].mean() <= 0.40


def test_missing_months_have_no_row_and_sales_are_never_negative(panel):
    r = panel.records
    assert r["sales"].notna().all()
    assert (r["sales"] >= 0).all()
    assert not r.duplicated([schema.BUSINESS_ID, schema.PERIOD]).any()
    assert r[schema.PERIOD].isin(panel.periods).all()
    assert (r["costs"].dropna() >= 0).all()
    assert set(r["satisfaction"].dropna().unique()) <= {0.0, 1.0, 2.0}
    rows_per_business = r.groupby(schema.BUSINESS_ID).size()
    assert (rows_per_business < N_MONTHS).mean() > 0.3  # gaps are common


def test_rough_series_come_in_the_documented_shares(panel):
    r = panel.records
    ids = panel.businesses[schema.BUSINESS_ID]
    first = r.groupby(schema.BUSINESS_ID)[schema.PERIOD].min().reindex(ids)
    late_starters = (first > panel.periods[N_MONTHS - 25]).mean()
    assert 0.13 <= late_starters <= 0.28

    zero_share = (r["sales"] == 0).groupby(r[schema.BUSINESS_ID]).mean()
    intermittent = (zero_share.reindex(ids, fill_value=0) >= 0.2).mean()
    assert 0.03 <= intermittent <= 0.11

    attributes = r[["costs", "employees", "satisfaction"]].isna().all(axis=1)
    sales_only = attributes.groupby(r[schema.BUSINESS_ID]).all().reindex(ids, fill_value=True)
    assert 0.28 <= sales_only.mean() <= 0.42

    yearly = r.groupby(schema.BUSINESS_ID)["sales"].mean() * 12
    assert yearly.max() > 50 * yearly.median()  # a few huge businesses


def test_indicators_cover_the_nation_and_every_sector_region(panel):
    ind = panel.indicators
    national = ind[ind[schema.INDICATOR_NAME] == "national_activity_index"]
    assert len(national) == N_MONTHS
    assert national[schema.SECTOR_DIVISION].isna().all()
    assert national[schema.REGION_CODE].isna().all()
    sector = ind[ind[schema.INDICATOR_NAME] == "sector_production_index"]
    pairs = set(zip(sector[schema.SECTOR_DIVISION], sector[schema.REGION_CODE], strict=True))
    b = panel.businesses
    assert set(zip(b[schema.SECTOR_DIVISION], b[schema.REGION_CODE], strict=True)) <= pairs
    assert sector[schema.INDICATOR_VALUE].between(40, 250).all()


# --- the oracle --------------------------------------------------------------------------------


def test_oracle_log_sales_has_one_row_per_business_and_target_inside_the_panel(panel):
    cutoffs = panel.periods[[N_MONTHS - 3]]
    out = panel.oracle_log_sales(cutoffs, n_draws=20)
    assert list(out.columns) == [
        schema.BUSINESS_ID,
        "cutoff",
        "horizon",
        schema.PERIOD,
        "expected_log1p_sales",
    ]
    assert sorted(out["horizon"].unique()) == [1, 2]
    assert len(out) == 2 * N_BUSINESSES
    assert (out[schema.PERIOD] > out["cutoff"]).all()


def test_oracle_beats_seasonal_naive_one_month_ahead(panel):
    matrix = np.log1p(sales_matrix(panel))
    cutoffs = panel.periods[[23, 35]]
    oracle = panel.oracle_log_sales(cutoffs, horizons=(1,), n_draws=100)
    oracle_err, naive_err = [], []
    for cutoff in cutoffs:
        c = panel.periods.get_loc(cutoff)
        expected = oracle.loc[oracle["cutoff"] == cutoff, "expected_log1p_sales"].to_numpy()
        actual, naive = matrix[:, c + 1], matrix[:, c - 11]
        ok = ~np.isnan(actual) & ~np.isnan(naive) & ~np.isnan(expected)
        oracle_err.append((actual - expected)[ok])
        naive_err.append((actual - naive)[ok])
    oracle_rmse = np.sqrt(np.mean(np.concatenate(oracle_err) ** 2))
    naive_rmse = np.sqrt(np.mean(np.concatenate(naive_err) ** 2))
    assert oracle_rmse < 0.85 * naive_rmse


def test_oracle_growth_probability_ranks_and_is_calibrated(panel):
    cutoffs = panel.periods[[17, 23, 29, 35]]
    oracle = panel.oracle_growth_probability(cutoffs, n_draws=100)
    realised = labels.growth_labels(panel.records, cutoffs)
    both = oracle.merge(realised, on=[schema.BUSINESS_ID, "cutoff"]).dropna()
    assert len(both) > 3000
    assert oracle["probability"].dropna().between(0, 1).all()
    assert auc(both["label"].to_numpy(), both["probability"].to_numpy()) > 0.75
    # Market shocks are common to all businesses, so a few cut-offs only agree roughly.
    assert abs(both["probability"].mean() - both["label"].mean()) < 0.06


def test_oracle_reads_the_latent_state_not_the_records(panel):
    cutoffs = panel.periods[[30]]
    before_sales = panel.oracle_log_sales(cutoffs, n_draws=20)
    before_growth = panel.oracle_growth_probability(cutoffs, n_draws=20)
    original = panel.records.copy()
    try:
        panel.records["sales"] = panel.records["sales"] * 3.0
        panel.records.drop(panel.records.index[::2], inplace=True)
        pd.testing.assert_frame_equal(before_sales, panel.oracle_log_sales(cutoffs, n_draws=20))
        pd.testing.assert_frame_equal(
            before_growth, panel.oracle_growth_probability(cutoffs, n_draws=20)
        )
    finally:
        panel.records = original


def test_oracle_refuses_a_cutoff_outside_the_panel(panel):
    with pytest.raises(ValueError):
        panel.oracle_log_sales([pd.Timestamp("1999-01-01")])
