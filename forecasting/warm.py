"""What a worker process loads before its first request: the production models and their serving
form (:class:`engine.serving.ServingModels`: the fused booster every forecast is evaluated by,
about a second to build), so that the first API call, advice or prediction job of a process does
not wait for them.

Web workers call :func:`web_warm` when the WSGI application is loaded (``config.wsgi``: every
gunicorn worker imports it before it accepts a connection; any WSGI server does the same), Celery
worker processes call :func:`serving_warm` at start (``forecasting.tasks``) before they build the
scoring snapshot. ``ASESOR_SERVING_WARM=0`` leaves it to the first request. Without a production
model there is nothing to warm; an error is logged, never raised (the first request then loads
the models itself and reports it).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def serving_warm() -> bool:
    """Load the production models and build their serving form in this process now. False when
    there is no production model pair."""
    from forecasting.engine.serving import serving_key, serving_models
    from forecasting.lifecycle.registry import NoProductionModelError, production_pair

    try:
        f_version, forecaster, g_version, classifier = production_pair()
    except NoProductionModelError:
        return False
    serving_models(
        key=serving_key(f_version, g_version), forecaster=forecaster, classifier=classifier
    )
    return True


def market_warm() -> None:
    """The registry's market (group statistics) at its latest month, which the forecasts of
    businesses outside the registry read: a read of the registry's history, once per process."""
    from forecasting.lifecycle.registry import production_pair
    from forecasting.unregistered.forecasts import market_references

    horizons = tuple(production_pair()[1].horizons)
    state = market_references.state()
    if state.last is not None:
        market_references.get(state.last, horizons)


def web_warm() -> None:
    """A web worker's warm-up: the models and their serving form now (the worker accepts no
    connection before), the registry's market in a background thread (it grows with the
    registry). Database connections opened here are closed (a server that forks after loading
    the application must not share them)."""
    if not getattr(settings, "SERVING_WARM_AT_START", True):
        return
    started = time.perf_counter()
    try:
        warmed = serving_warm()
    except Exception:
        logger.exception("warming the serving models failed")
        warmed = False
    finally:
        if not connection.in_atomic_block:  # (a test's transaction keeps its connection)
            connection.close()
    if not warmed:
        return
    logger.info("serving models warm in %.2f s", time.perf_counter() - started)
    threading.Thread(target=_market_warm_thread, name="market-warm", daemon=True).start()


def _market_warm_thread() -> None:
    try:
        market_warm()
    except Exception:
        logger.exception("warming the registry's market failed")
    finally:
        connection.close()
