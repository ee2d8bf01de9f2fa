"""The bare web app ``bench/api.py`` measures the product's forecast API against: Flask under the
same gunicorn settings, one route, no middleware, authentication, throttling or DRF, doing the
product's own work — the JSON body parsed with orjson, the product's input parsing and forecast
(``forecasting.unregistered.forecasts``: ``forecast_input_parse`` then ``forecasts_compute``,
the one engine path, the same production models and registry market), the same answer as JSON
(orjson). A body with ``businesses`` is a batch (``/forecasts/batch/``'s shape), any other one
business (``/forecasts/``'s). The process warms up as the product's web workers do
(``forecasting.warm.web_warm``).

Only the benchmark runs it (``gunicorn flask_api:app`` from ``bench/``, with the product's
environment); Flask comes from the bench's own requirements (``make bench-deps``), never the
product's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import orjson  # noqa: E402
from flask import Flask, Response, request  # noqa: E402
from rest_framework.exceptions import ValidationError  # noqa: E402

from forecasting.reasons import reasons_in_words  # noqa: E402
from forecasting.unregistered.api import _versions  # noqa: E402
from forecasting.unregistered.forecasts import forecast_input_parse, forecasts_compute  # noqa: E402
from forecasting.warm import web_warm  # noqa: E402

web_warm()
app = Flask(__name__)


def _json(data, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


@app.post("/forecasts")
def forecasts():
    body = orjson.loads(request.get_data())
    drivers = request.args.get("drivers", "true").lower() not in ("false", "0", "no")
    batch = isinstance(body, dict) and "businesses" in body
    try:
        if batch:
            data = forecast_input_parse(body["businesses"], path_prefix=["businesses"])
        else:
            data = forecast_input_parse([body])
    except ValidationError as error:
        return _json({"error": error.detail}, 400)
    computed = forecasts_compute(data, words=reasons_in_words, drivers=drivers)
    if batch:
        return _json({"model_versions": _versions(computed), "results": computed.results})
    return _json({**computed.results[0], "model_versions": _versions(computed)})
