"""Turning the engine's results (NumPy scalars and arrays, tuples, timestamps, NaN) into plain
JSON types, for model records and reports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def to_json_types(value: Any) -> Any:
    """``value`` with dicts, lists and tuples walked, NumPy scalars and arrays made Python
    numbers and lists, NaN made None and timestamps made ISO strings."""
    if isinstance(value, dict):
        return {str(k): to_json_types(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_types(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_json_types(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
