"""How one forecast row's figures are made coherent: the one home of ``p10 <= p50 <= p90`` and
``p10 <= mean <= p90``. The engine's ``SalesForecaster.predict`` and the serving path
(``ServingModels.predict``) both reach it through ``SalesForecaster.from_log_prediction``.

Two models stand behind a row: the quantiles come from the log-sales model plus each interval
bucket's conformal residual quantiles, the expected value from a second model (Tweedie, or the
log model smeared). Left alone they can contradict each other (an expected value far outside its
own band was seen on a business page and in prediction jobs). The construction:

* Quantiles: rearranged (sorted per row, Chernozhukov, Fernandez-Val & Galichon 2010). The
  sorted quantile curve is monotone and never has a larger quantile loss than the crossed one.
* Expected value and band meet: where the expected-value model's output lies outside the band
  ``[p10, p90]``, it and the band's nearer edge move to one point halfway between them (log1p
  sales), so the band widens by as much as the expected value moves. Any distribution of
  non-negative sales has ``mean >= 0.9 * p10`` (90 % of its mass lies at or above p10), so an
  expected value far below its p10 is no possible pair of figures, only two models disagreeing,
  and neither is known to be the right one. Measured (``bench/band.py``, README: Models) against
  projecting the expected value onto the edge (1) and widening the band to it (0): halfway
  lowers the RMSE of the expected value and the quantile loss of the band against the raw
  figures on both the synthetic panel and the real development set; projecting fully hurts the
  expected value on the synthetic panel (intermittent series, whose log-model band sits too
  low), widening fully leaves it unchanged.
* Where the expected value lay outside its band by more than ``DISAGREEMENT_TOLERANCE`` (in
  log1p sales, i.e. a factor of about two) the row carries ``models_disagree``, which the serving
  output hands on with the figures: an uncertain figure said so, not a silent
  contradiction.
"""

from __future__ import annotations

import numpy as np

DISAGREEMENT_TOLERANCE = float(np.log(2.0))  # log1p sales: outside the band by a factor of ~2
MODELS_DISAGREE = "models_disagree"  # the flag's reason code
PROJECTION = 0.5  # halfway in log1p sales: measured best of 0, 0.5, 1 (bench/band.py)


def coherent_forecast(
    log_p10: np.ndarray,
    log_p50: np.ndarray,
    log_p90: np.ndarray,
    mean: np.ndarray,
    *,
    projection: float | None = None,
) -> dict[str, np.ndarray]:
    """The row's coherent figures from the quantile model's log1p quantiles and the
    expected-value model's ``mean`` (soles), all arrays over the same rows.

    Returns ``p10``/``p50``/``p90``/``mean`` (soles), ``log_p10``/``log_p50``/``log_p90``,
    ``disagreement`` (how far the expected value lay outside the band, log1p sales, >= 0)
    and ``models_disagree`` (``disagreement > DISAGREEMENT_TOLERANCE``). Vectorised: no per-row
    Python.

    Where the expected value lies outside the band, the two meet at one point (log1p sales)
    ``projection`` of the way from the expected value to the band's edge (default
    :data:`PROJECTION`): 1 moves the expected value onto the edge, 0 widens the band to the
    expected value; the band's edge and the expected value are then that same figure."""
    quantiles = np.sort(np.maximum(np.stack([log_p10, log_p50, log_p90]), 0.0), axis=0)
    soles = np.expm1(quantiles)
    mean = np.maximum(np.nan_to_num(np.asarray(mean, dtype=float)), 0.0)
    raw = np.log1p(mean)
    w = PROJECTION if projection is None else projection
    edge = np.clip(raw, quantiles[0], quantiles[2])
    disagreement = np.abs(raw - edge)
    meet = raw + w * (edge - raw)
    below, above = raw < quantiles[0], raw > quantiles[2]
    log_p10 = np.where(below, meet, quantiles[0])
    log_p90 = np.where(above, meet, quantiles[2])
    log_p50 = np.clip(quantiles[1], log_p10, log_p90)
    meet_soles = np.expm1(meet)
    return {
        # one figure for the edge and the expected value where they met, the model's elsewhere
        "mean": np.where(below | above, meet_soles, mean),
        "p10": np.where(below, meet_soles, soles[0]),
        "p50": np.where(log_p50 == quantiles[1], soles[1], np.expm1(log_p50)),
        "p90": np.where(above, meet_soles, soles[2]),
        "log_p10": log_p10,
        "log_p50": log_p50,
        "log_p90": log_p90,
        "disagreement": disagreement,
        "models_disagree": disagreement > DISAGREEMENT_TOLERANCE,
    }
