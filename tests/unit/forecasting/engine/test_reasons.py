"""The reasons behind a growth probability: the contributions of one fact's columns grouped into
one reason, small ones left out, each with the values of the row that was scored."""

import math

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import reasons
from forecasting.engine.explanations import top_drivers

NAMES = [
    "employees_last", "employees_growth", "employees_growth_yoy", "employees_trend_12",
    "growth_yoy", "growth_12m", "mkt_sector_production_index_chg_12",
    "mkt_sector_production_index_level", "margin_mean_12", "sector_division",
]  # fmt: skip
ROW = {
    "employees_last": 4.0,
    "employees_growth": 0.1,
    "employees_growth_yoy": math.log(2.0),
    "employees_trend_12": 0.05,
    "growth_yoy": math.log(1.18),
    "growth_12m": 0.1,
    "mkt_sector_production_index_chg_12": math.log(0.95),
    "mkt_sector_production_index_level": 104.2,
    "margin_mean_12": 0.2,
    "sector_division": "47",
}


def value_of(_row, column):
    return ROW.get(column)


def test_one_fact_seen_through_four_columns_is_one_reason_with_their_sum():
    contrib = np.array([[0.10, 0.05, 0.30, 0.20, 0.40, -0.01, -0.12, -0.02, 0.001, 0.0]])
    out = reasons.grouped_reasons(contrib, NAMES, value_of, top=5)[0]
    assert [r["family"] for r in out] == ["staff", "sales_yoy", "market"]
    staff = out[0]
    assert abs(staff["contribution"] - 0.65) < 1e-12
    assert staff["direction"] == "up"
    assert staff["feature"] == "employees_growth_yoy"  # the column that weighs most in it
    assert staff["features"] == [
        "employees_growth_yoy", "employees_trend_12", "employees_last", "employees_growth",
    ]  # fmt: skip
    # the values the sentence quotes, read from the scored row
    assert staff["facts"]["employees_last"] == 4.0
    assert staff["facts"]["employees_growth_yoy"] == math.log(2.0)
    assert abs(out[1]["contribution"] - 0.39) < 1e-12
    market = out[2]
    assert market["direction"] == "down"
    assert market["facts"] == {"mkt_sector_production_index_chg_12": math.log(0.95)}
    assert "sector_production_index" not in market["label_es"]


def test_reasons_below_the_floor_are_left_out():
    # a margin contribution of 0.001 log-odds moves the probability by a few hundredths of a point
    contrib = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.001, 0.04]])
    assert reasons.grouped_reasons(contrib, NAMES, value_of)[0] == []
    assert reasons.MIN_CONTRIBUTION == 0.05


def test_every_feature_column_has_a_family_with_words():
    from forecasting.engine.features import base_feature_names

    names = [
        *base_feature_names(horizons=(1, 6)),
        "mkt_sector_production_index_level", "mkt_sector_production_index_chg_3",
        "mkt_sector_production_index_trend_12", "mkt_sector_production_index_chg_12_ma",
    ]  # fmt: skip
    for name in names:
        code = reasons.family_of(name)
        assert code in reasons.FAMILIES, name


def test_the_explanation_of_a_frame_row_groups_the_same_way():
    contrib = pd.Series([0.10, 0.05, 0.30, 0.20, 0.40, -0.01, -0.12, -0.02, 0.001, 0.0], NAMES)
    drivers = top_drivers(contrib, pd.Series(ROW), top=2)
    assert [d["family"] for d in drivers] == ["staff", "sales_yoy"]
    assert drivers[0]["facts"]["employees_last"] == 4.0


def test_the_production_index_is_named_in_words_not_by_its_code():
    from forecasting.engine.features import feature_catalogue

    names = ["mkt_sector_production_index_chg_12", "mkt_sector_production_index_level",
             "mkt_sector_production_index_trend_12", "mkt_other_index_chg_3"]  # fmt: skip
    catalogue = feature_catalogue(names)
    assert catalogue[names[0]]["label_es"] == (
        "Variación del índice de producción de su sector en 12 meses"
    )
    assert (
        catalogue[names[0]]["label_en"] == "Change of its sector's production index over 12 months"
    )
    for name in names[:3]:
        assert "sector_production_index" not in catalogue[name]["label_es"]
    assert catalogue[names[3]]["label_es"] == "Variación del indicador «other_index» en 3 meses"


def test_many_businesses_reasons_are_averaged_per_family():
    from forecasting.engine.reasons import aggregate_reasons

    grouped = [
        [{"family": "staff", "contribution": 0.4}, {"family": "sales_yoy", "contribution": -0.2}],
        [{"family": "staff", "contribution": 0.2}],
        # an older advice: one driver per column, grouped here by family
        [
            {"feature": "employees_growth_yoy", "contribution": 0.1},
            {"feature": "employees_last", "contribution": -0.3},
            {"feature": "growth_yoy", "contribution": -0.4},
        ],
        [],
    ]
    out = aggregate_reasons(grouped)
    by = {r["family"]: r for r in out}
    assert by["staff"]["mean"] == pytest.approx((0.4 + 0.2 - 0.2) / 4)
    assert (by["staff"]["up"], by["staff"]["down"], by["staff"]["n"]) == (2, 1, 4)
    assert by["sales_yoy"]["mean"] == pytest.approx(-0.6 / 4)
    assert by["sales_yoy"]["label_en"] == "Sales against the year before"
    assert [r["family"] for r in out] == ["staff", "sales_yoy"]  # largest mean first
    assert aggregate_reasons([]) == []
