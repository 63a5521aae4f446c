"""When a product's shelf will be empty: its stock run against many simulated demand paths of its forecast.

``outlook(forecast, stock, arrivals)`` draws ``PATHS`` paths of daily demand, each day negative binomial with the
forecast's mean and the spread of its (calibrated) 80% interval (Poisson when the interval is narrower than Poisson
counts allow), and finds on each path the first day by whose end the shelf is empty: the stock, plus the deliveries
already ordered on the days they arrive, minus the demand so far. From those days:

- ``probability``: the share of paths that run out within the horizon;
- ``day``: when that share is at least one half, the day at the centre of the most likely week (the 7-day window,
  ``TOLERANCE`` days either side, that holds the most paths; among weeks as likely, the one nearest the median),
  kept inside its band, else None (more likely than
  not, the stock lasts the horizon). The centre of the most likely week, not the day the cumulative mean forecast
  reaches the stock: a slow seller's empty day is spread over weeks, and the mean crossing comes late;
- ``earliest`` and ``latest``: the 10th and 90th percentiles of the day (None: beyond the horizon), the 80% band.

The paths are seeded, so the same forecast gives the same dates. Pure numpy.
"""

from dataclasses import dataclass

import numpy as np

PATHS, TOLERANCE, SEED = 1000, 3, 0
NEAR = 0.01  # weeks that hold within 1% of the paths of the most likely one are as likely: the median decides
Z80 = 1.2815515655446004  # the normal quantile of 90%: an 80% interval is mean +- Z80 sd


@dataclass(frozen=True)
class Outlook:
    day: int | None  # index of the expected stockout day (0: the first forecast day), None: lasts the horizon
    earliest: int | None
    latest: int | None
    probability: float  # of running out within the horizon


def paths(mean, lo80, hi80, count=PATHS, seed=SEED):
    """Return ``count`` x days simulated daily demand around the forecast (negative binomial, or Poisson)."""
    mean = np.maximum(np.asarray(mean, dtype=float), 1e-9)
    sd = (np.asarray(hi80, dtype=float) - np.asarray(lo80, dtype=float)) / (2 * Z80)
    variance = np.maximum(sd ** 2, mean * (1 + 1e-6))  # over-dispersed, or (at the limit) Poisson
    p = mean / variance
    return np.random.default_rng(seed).negative_binomial(mean * p / (1 - p), p, size=(count, len(mean)))


def empty_days(demand, stock, arrivals=None):
    """Each path's first day by whose end the shelf is empty (``demand.shape[1]``: not within the horizon)."""
    delivered = np.zeros(demand.shape[1])
    for day, units in (arrivals or {}).items():
        if 0 <= day < len(delivered):
            delivered[day] += units
    empty = stock + np.cumsum(delivered)[None, :] - np.cumsum(demand, axis=1) <= 1e-9
    return np.where(empty.any(axis=1), empty.argmax(axis=1), demand.shape[1])


def outlook(forecast, stock, arrivals=None):
    """Return the ``Outlook`` of ``stock`` (with ``arrivals``, {day index: units}) against ``forecast`` (arrays by
    key: "mean", "lo80", "hi80")."""
    horizon = len(forecast["mean"])
    days = empty_days(paths(forecast["mean"], forecast["lo80"], forecast["hi80"]), stock, arrivals)
    runs_out = days < horizon
    probability = float(runs_out.mean())

    def percentile(q):
        value = int(np.quantile(days, q, method="lower"))
        return value if value < horizon else None

    day = None
    if probability >= 0.5:
        held = np.array([np.mean(runs_out & (np.abs(days - centre) <= TOLERANCE)) for centre in range(horizon)])
        best = np.flatnonzero(held >= held.max() - NEAR)
        median = np.median(days[runs_out])
        day = int(best[np.argmin(np.abs(best - median))])
    earliest, latest = percentile(0.1), percentile(0.9)
    if day is not None:  # inside its band
        day = max(day, earliest if earliest is not None else day)
        day = min(day, latest if latest is not None else day)
    return Outlook(day=day, earliest=earliest, latest=latest, probability=round(probability, 4))
