"""Months of silence are counted the same from every form a last period arrives in (dates from
the ORM, timestamps and datetime64 from pandas frames, None / NaT / NaN where a business has
no record)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from businesses.freshness import months_silent, stale_flags

REFERENCE = dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    "periods",
    [
        [dt.date(2026, 10, 1), dt.date(2025, 11, 30), None],
        [pd.Timestamp("2026-10-01"), pd.Timestamp("2025-11-30"), pd.NaT],
        np.array(["2026-10-01", "2025-11-30", "NaT"], dtype="datetime64[ns]"),
        pd.Series([pd.Timestamp("2026-10-01"), pd.Timestamp("2025-11-30"), None]).to_numpy(),
        [dt.date(2026, 10, 1), dt.date(2025, 11, 30), float("nan")],
        ["2026-10-01", "2025-11-30", None],
    ],
)
def test_months_silent_from_every_form(periods):
    silent = months_silent(periods, REFERENCE)
    np.testing.assert_array_equal(silent, [1.0, 12.0, np.nan])
    assert stale_flags(periods, REFERENCE).tolist() == [False, True, False]


def test_no_reference_no_count():
    assert np.isnan(months_silent([dt.date(2026, 10, 1)], None)).all()
