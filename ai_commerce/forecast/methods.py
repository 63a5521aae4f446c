"""The forecasting models, through statsforecast (training only: it imports numba and pandas, which the web
process never does).

``forecast(series, horizon, models)`` fits every named model to every series and returns, per model, arrays
(series x horizon) of the mean and the 80% and 95% bounds. The intervals are conformal for every model alike (the
errors of each model on the two horizons before the end, see ``forecast``), so that they are comparable and honest
for the intermittent methods, which have no intervals of their own. Censored days (NaN: out of stock) are read as
the product's recent demand, never as zero. Forecasts are clipped at zero. AutoETS chooses its error and weekly
season by AICc but no trend (``ZNZ``): over four weeks a fitted trend mostly extrapolates noise, and the full search
costs ten times the time. Models fit on the newest ``MAX_HISTORY_DAYS`` days.
"""

import numpy as np

#: name -> what it is, for notes and the docs.
MODELS = {
    "naive": "naive (yesterday's units)",
    "seasonal_naive": "seasonal naive (the same weekday last week)",
    "ma28": "moving average of 28 days",
    "ets": "exponential smoothing (AutoETS, weekly season, no trend)",
    "croston_sba": "Croston, SBA-corrected",
    "tsb": "TSB (Teunter-Syntetos-Babai)",
    "adida": "ADIDA (temporal aggregation)",
    "gbm": "a global gradient-boosting model over lags, calendar, category and price",
    "gbm_ets": "the mean of the global gradient-boosting model and exponential smoothing",
}
#: A combination -> the models it averages.
COMBINATIONS = {"gbm_ets": ("gbm", "ets")}
BASELINES = ("naive", "seasonal_naive", "ma28")
#: The newest days a model fits on (52 weeks): older days cost time and say little about the next four weeks.
MAX_HISTORY_DAYS = 364
#: What serves a demand class before a backtest has chosen.
DEFAULT_BY_CLASS = {"smooth": "ets", "erratic": "ets", "intermittent": "tsb", "lumpy": "croston_sba", "none": "ma28"}
KEYS = ("mean", "lo80", "hi80", "lo95", "hi95")
#: Interval bound -> the quantile of the conformal errors it adds to the forecast.
BOUNDS = {"lo95": 0.025, "lo80": 0.1, "hi80": 0.9, "hi95": 0.975}


def _model(name):
    from statsforecast.models import ADIDA, TSB, AutoETS, CrostonSBA, Naive, SeasonalNaive, WindowAverage

    return {"naive": lambda: Naive(alias=name), "seasonal_naive": lambda: SeasonalNaive(7, alias=name),
            "ma28": lambda: WindowAverage(28, alias=name),
            "ets": lambda: AutoETS(season_length=7, model="ZNZ", alias=name),
            "croston_sba": lambda: CrostonSBA(alias=name),
            "tsb": lambda: TSB(alpha_d=0.1, alpha_p=0.1, alias=name), "adida": lambda: ADIDA(alias=name)}[name]()


def uncensor(y, window=28):
    """Fill each censored day (NaN) with the mean of the observed days of the ``window`` days before it (or after,
    at the start), so that a stockout is not read as zero demand."""
    y = np.array(y, dtype=float)
    for i in np.flatnonzero(np.isnan(y)):
        before = y[max(0, i - window):i]
        before = before[~np.isnan(before)]
        if not len(before):
            after = y[i + 1:i + 1 + window]
            before = after[~np.isnan(after)]
        y[i] = float(before.mean()) if len(before) else 0.0
    return y


def forecast(series, horizon, models, *, end=None, categories=None, prices=None):
    """Return {model: {"mean"|"lo80"|"hi80"|"lo95"|"hi95": array (len(series) x horizon)}}.

    ``"gbm"`` is the global model (``global_model``), which also reads the series' last day ``end``, their
    ``categories`` and daily ``prices`` paid when given.

    The intervals are conformal: each model also forecasts the two horizons before the end, and the quantiles of
    its errors there (pooled over the days of both windows, signed, so that an interval of counts may lean up) are
    added to its forecast. Every series must hold at least three horizons of days.
    """
    result = {}
    wanted = list(models)
    models = list(dict.fromkeys(part for name in models for part in COMBINATIONS.get(name, (name,))))
    if "gbm" in models:
        from . import global_model

        result["gbm"] = global_model.forecast(series, horizon, end=end, categories=categories, prices=prices)
        models = [name for name in models if name != "gbm"]
        if not models:
            return _combine(result, wanted)
    import pandas as pd
    from statsforecast import StatsForecast

    ids, ds, ys = [], [], []
    for i, y in enumerate(series):
        y = uncensor(y[-MAX_HISTORY_DAYS:])
        ids.append(np.full(len(y), i))
        ds.append(np.arange(len(y)))
        ys.append(y)
    frame = pd.DataFrame({"unique_id": np.concatenate(ids), "ds": np.concatenate(ds), "y": np.concatenate(ys)})
    engine = StatsForecast(models=[_model(name) for name in models], freq=1, n_jobs=1)
    past = engine.cross_validation(df=frame, h=horizon, n_windows=2, step_size=horizon).sort_values(
        ["unique_id", "cutoff", "ds"])
    out = engine.forecast(df=frame, h=horizon).sort_values(["unique_id", "ds"])
    n = len(series)
    actual = past["y"].to_numpy(dtype=float).reshape(n, 2 * horizon)
    for name in models:
        mean = np.clip(out[name].to_numpy(dtype=float).reshape(n, horizon), 0, None)
        errors = actual - np.clip(past[name].to_numpy(dtype=float).reshape(n, 2 * horizon), 0, None)
        q = {key: np.quantile(errors, level, axis=1)[:, None] for key, level in BOUNDS.items()}
        # Bounds are not rounded to whole units: the backtest's calibration then moves them between counts,
        # product by product, where rounded bounds of slow movers could only cover {0} or {0, 1}.
        arrays = {"mean": mean, **{key: np.clip(mean + q[key], 0, None) for key in BOUNDS}}
        arrays["lo80"] = np.minimum(arrays["lo80"], mean)
        arrays["lo95"] = np.minimum(arrays["lo95"], arrays["lo80"])
        arrays["hi80"] = np.maximum(arrays["hi80"], mean)
        arrays["hi95"] = np.maximum(arrays["hi95"], arrays["hi80"])
        result[name] = arrays
    return _combine(result, wanted)


def _combine(result, wanted):
    """Add the combinations among ``wanted`` (the mean of their models' arrays) and keep only what was asked."""
    for name in wanted:
        if name in COMBINATIONS:
            parts = [result[part] for part in COMBINATIONS[name]]
            result[name] = {key: np.mean([p[key] for p in parts], axis=0) for key in KEYS}
    return {name: result[name] for name in wanted}
