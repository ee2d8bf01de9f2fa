"""The features as built now equal those the feature code built before its static attributes
and group codes left pandas (``data/features_reference.npz``, see ``features_reference.py``):
the whole-panel frame with indicators and two cut-offs, and one and five businesses served
against the panel's group statistics, as arrays and as a frame."""

import numpy as np
import pytest

from tests.unit.forecasting.engine import features_reference


@pytest.fixture(scope="module")
def now():
    return features_reference.cases()


@pytest.fixture(scope="module")
def before():
    with np.load(features_reference.PATH) as stored:
        out: dict[str, dict[str, np.ndarray]] = {}
        for key in stored.files:
            case, _, column = key.partition("/")
            out.setdefault(case, {})[column] = stored[key]
    return out


def test_every_case_and_column_is_built(now, before):
    assert set(now) == set(before)
    for case, columns in before.items():
        assert list(columns) == [c for c in now[case] if c in columns], case
        assert len(now[case]["business_id"]) == len(columns["business_id"]) > 0, case


@pytest.mark.parametrize(
    "case", ["build_features", "columns_one", "columns_few", "frame_one", "frame_few"]
)
def test_the_numbers_are_those_of_before(now, before, case):
    for column, expected in before[case].items():
        got = now[case][column]
        if expected.dtype.kind in "US":
            assert got.tolist() == expected.tolist(), (case, column)
        else:
            np.testing.assert_allclose(
                got, expected, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=f"{case} {column}"
            )
