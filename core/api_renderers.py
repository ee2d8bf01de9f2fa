"""The API's JSON renderer: orjson (drf-orjson-renderer), ten times cheaper than the standard
library on a batch forecast's answer, encoding what DRF's own renderer would."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_orjson_renderer.renderers import ORJSONRenderer


class ApiJSONRenderer(ORJSONRenderer):
    """orjson with DRF's encoding of decimals: a DecimalField that keeps its Decimal
    (``coerce_to_string=False``) is a JSON number, as with DRF's JSONRenderer; the package's
    default would make it a string."""

    @staticmethod
    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return float(obj)
        return ORJSONRenderer.default(obj)
