"""Reading feedback: the labels advisors handed to training."""

from __future__ import annotations

import pandas as pd

from forecasting.engine import schema

from .models import LabelOverride


def label_overrides_frame() -> pd.DataFrame:
    """The engine's ``label_overrides`` frame (``business_id``, ``cutoff``, ``label`` 1/0):
    the latest override of each business and cut-off wins."""
    rows = LabelOverride.objects.order_by("business_id", "cutoff", "created_at", "pk").values_list(
        "business_id", "cutoff", "label"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=[schema.BUSINESS_ID, "cutoff", "label"])
    if frame.empty:
        return pd.DataFrame(
            {
                schema.BUSINESS_ID: pd.Series(dtype="int64"),
                "cutoff": pd.Series(dtype="datetime64[ns]"),
                "label": pd.Series(dtype=float),
            }
        )
    frame[schema.BUSINESS_ID] = frame[schema.BUSINESS_ID].astype("int64")
    frame["cutoff"] = pd.to_datetime(frame["cutoff"])
    frame["label"] = (frame["label"] == LabelOverride.Label.GROWS).astype(float)
    return frame.drop_duplicates([schema.BUSINESS_ID, "cutoff"], keep="last").reset_index(drop=True)
