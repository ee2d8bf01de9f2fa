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


# ---------------------------------------------------------------------------- sums of forecasts

Z90 = 1.2815515655446004  # the standard normal's 90 % quantile: p90 = mean + Z90 * sigma


def sum_band(mean: np.ndarray, p10: np.ndarray, p90: np.ndarray) -> dict[str, np.ndarray]:
    """The expected value and an 80 % band of the *sum* of many businesses' forecasts.

    ``mean``/``p10``/``p90``: businesses x months (soles; NaN where a business has no
    forecast for the month, which then counts for nothing). Returns per month ``mean``,
    ``p10``, ``p90`` of the sum over the businesses, and ``total_*`` the same for the sum over
    the months too (e.g. the next six months' sales of a region).

    Expected values add up; quantiles do not: the sum of the p10s is the p10 of the sum only if
    every business has its bad months together (perfect dependence), which overstates the
    range of a sum of many businesses. The method, an approximation said wherever the band is
    shown:

    * each business's figure is read as a split normal around its expected value: the spread
      below is ``(mean - p10) / z``, above ``(p90 - mean) / z`` (z: the normal's 90 %
      quantile), so a skewed band stays skewed (coherent rows have ``p10 <= mean <= p90``:
      :func:`coherent_forecast`);
    * one business's months move together (a good month is followed by good ones): over the
      months, its spreads add up (perfect dependence, the cautious choice);
    * different businesses are independent: their variances add up, and the sum's band is
      its expected value minus / plus z times the square root of the summed variances below /
      above, never below 0.

    Independence leaves out what moves a whole market at once (a bad season, a shock to a
    sector), so the band is narrower than the true range when that dominates; the sum of the
    p10s and of the p90s (returned as ``comonotone_p10`` / ``comonotone_p90``, per month) is
    the widest the band can honestly be.
    """
    mean = np.asarray(mean, dtype=float)
    p10 = np.asarray(p10, dtype=float)
    p90 = np.asarray(p90, dtype=float)
    known = np.isfinite(mean) & np.isfinite(p10) & np.isfinite(p90)
    m = np.where(known, mean, 0.0)
    low = np.where(known, np.maximum(m - p10, 0.0) / Z90, 0.0)
    high = np.where(known, np.maximum(p90 - m, 0.0) / Z90, 0.0)

    def band(centre, var_low, var_high):
        return (
            np.maximum(centre - Z90 * np.sqrt(var_low), 0.0),
            centre + Z90 * np.sqrt(var_high),
        )

    centre = m.sum(axis=0)
    p10_sum, p90_sum = band(centre, (low**2).sum(axis=0), (high**2).sum(axis=0))
    total = centre.sum()
    # a business's months together: spreads add over the months, then variances over businesses
    total_p10, total_p90 = band(total, (low.sum(axis=1) ** 2).sum(), (high.sum(axis=1) ** 2).sum())
    return {
        "mean": centre,
        "p10": p10_sum,
        "p90": p90_sum,
        "total_mean": total,
        "total_p10": float(total_p10),
        "total_p90": float(total_p90),
        "comonotone_p10": np.where(known, p10, 0.0).sum(axis=0),
        "comonotone_p90": np.where(known, p90, 0.0).sum(axis=0),
        "businesses": known.any(axis=1).sum(),
    }
