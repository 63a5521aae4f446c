"""The rolling-origin backtest: every model and baseline on the shop's own history, in one run.

Origins are ``step`` days apart, the newest ``horizon`` days before the end of history; at each origin a product is
judged when it has ``min_history`` days since its first sale before the origin and at least one observed (not
censored) day after it. Each origin's models see only the days before it.

What serves is one model per demand class. Its score is honest: at each origin the class's model is chosen on the
*other* origins' errors (leave one origin out), then scored on this one; the served choice is then made on all
origins. Used by the trainer and by ``bench/forecast.py``.
"""

import datetime as dt
import math
from collections import defaultdict

import numpy as np

from . import methods, scoring


def origins(n_days, horizon, count, step):
    """Return the origin day indices, oldest first (the newest is ``horizon`` days before the end)."""
    newest = n_days - horizon
    return sorted(o for o in (newest - k * step for k in range(count)) if o > 0)


def prices_paid(units, revenue):
    """Daily price paid (revenue / units), NaN on days without a sale."""
    with np.errstate(all="ignore"):
        return np.where(units > 0, revenue / units, np.nan)


def run(units, revenue, first_sale, *, horizon, count, step, min_history, models=tuple(methods.MODELS), log=None,
        start=None, categories=None):
    """Backtest ``models`` on a products x days matrix; return (records by model, origins used).

    ``start`` is the date of the matrix's first day and ``categories`` one label per product (the global model
    reads them; None: no calendar date, one category).

    A record is one product at one origin: its class, revenue weight, scales and error sums (see ``scoring``).
    """
    records, used = defaultdict(list), []
    price = prices_paid(units, revenue)
    for origin in origins(units.shape[1], horizon, count, step):
        rows = [i for i in range(units.shape[0])
                if origin - first_sale[i] >= min_history and not np.all(np.isnan(units[i, origin:origin + horizon]))]
        if not rows:
            continue
        used.append(origin)
        trains = [units[i, first_sale[i]:origin] for i in rows]
        fc = methods.forecast(trains, horizon, models, end=None if start is None else start + dt.timedelta(
            days=origin - 1), categories=None if categories is None else [categories[i] for i in rows],
            prices=[price[i, first_sale[i]:origin] for i in rows])
        for k, i in enumerate(rows):
            sq, ab = scoring.scales(trains[k])
            base = {"origin": origin, "product": i, "class": scoring.demand_class(trains[k][-365:]),
                    "weight": float(np.nansum(revenue[i, max(0, origin - 28):origin])), "sq": sq, "abs": ab}
            actual = units[i, origin:origin + horizon]
            for name in models:
                arrays = {key: fc[name][key][k] for key in methods.KEYS}
                errs = scoring.errors(actual, arrays)
                records[name].append({**base, **errs, "model": name, "actual": actual, "forecast": arrays})
        if log:
            log(f"origin day {origin}: {len(rows)} products judged")
    return records, used


#: Interval -> its bounds and the share of observed days it should cover.
LEVELS = {"80": ("lo80", "hi80", 0.80), "95": ("lo95", "hi95", 0.95)}


def interval_scale(records, level):
    """Return the factor by which the ``level`` ("80" or "95") intervals of ``records`` must be stretched around
    their forecasts (below 1: narrowed) so that they cover that share of the records' observed days; 1.0 without
    any observed day. Conformal calibration on backtest residuals: the smallest factor that covers enough."""
    low_key, high_key, share = LEVELS[level]
    parts = [(r["actual"], r["forecast"]) for r in records if r.get("n") and "forecast" in r]
    if not parts:
        return 1.0
    seen = [~np.isnan(actual) for actual, _ in parts]
    y = np.concatenate([actual[s] for (actual, _), s in zip(parts, seen, strict=True)])
    mean, low, high = (np.concatenate([np.asarray(f[key], dtype=float)[s] for (_, f), s in zip(parts, seen,
                                                                                                  strict=True)])
                       for key in ("mean", low_key, high_key))

    def coverage(factor):
        return np.mean((y >= mean - factor * (mean - low) - 1e-9) & (y <= mean + factor * (high - mean) + 1e-9))

    lo, hi = 0.0, 1.0
    while coverage(hi) < share and hi < 64:
        lo, hi = hi, hi * 2
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if coverage(mid) < share else (lo, mid)
    return math.ceil(hi * 1.0001 * 10_000) / 10_000  # just past the boundary: a count on a bound stays inside


def scaled(forecast, factors):
    """Return ``forecast`` (arrays by key) with its intervals stretched by ``factors`` ({"80": f, "95": f}), the
    bounds kept nested, never below zero."""
    mean = np.asarray(forecast["mean"], dtype=float)
    out = {"mean": mean}
    for level, (low_key, high_key, _share) in LEVELS.items():
        factor = factors.get(level, 1.0)
        out[low_key] = np.clip(mean - factor * (mean - np.asarray(forecast[low_key], dtype=float)), 0, None)
        out[high_key] = mean + factor * (np.asarray(forecast[high_key], dtype=float) - mean)
    out["lo95"], out["hi95"] = np.minimum(out["lo95"], out["lo80"]), np.maximum(out["hi95"], out["hi80"])
    return out


def calibrate(records, served_records, used):
    """Return (``served_records`` rescored with calibrated intervals, {model: its factors on all origins}).

    Each model has its own factors, fitted on all its records (``records[model]``): its intervals may be too narrow
    or too wide in its own way. The factors applied to an origin's records are fitted on the other origins (left
    one origin out), so that the coverage reported is held out.
    """
    fitted, out = {}, []
    for r in served_records:
        if "forecast" not in r:
            out.append(r)  # scored without its arrays: nothing to stretch
            continue
        key = (r["model"], r["origin"])
        if key not in fitted:
            others = [x for x in records[r["model"]] if x["origin"] != r["origin"]] or records[r["model"]]
            fitted[key] = {level: interval_scale(others, level) for level in LEVELS}
        arrays = scaled(r["forecast"], fitted[key])
        out.append({**r, **scoring.errors(r["actual"], arrays), "forecast": arrays})
    models = sorted({r["model"] for r in served_records if "model" in r})
    return out, {name: {level: interval_scale(records[name], level) for level in LEVELS} for name in models}


def choose(records, models, origins_used=None):
    """Return {class: model} with the lowest WRMSSE per demand class (on the records of ``origins_used``)."""
    choice = {}
    for cls in (*scoring.CLASSES, "none"):
        best = None
        for name in models:
            picked = [r for r in records[name] if r["class"] == cls
                      and (origins_used is None or r["origin"] in origins_used)]
            score = scoring.summarize(picked).get("wrmsse")
            if score is not None and (best is None or score < best[0]):
                best = (score, name)
        if best:
            choice[cls] = best[1]
    return choice


def served(records, models, used):
    """Return the records of what serves, each origin's class model chosen on the other origins (leave one out)."""
    out = []
    for origin in used:
        others = [o for o in used if o != origin] or [origin]
        choice = choose(records, models, set(others))
        for name in models:
            out.extend(r for r in records[name] if r["origin"] == origin
                       and choice.get(r["class"], methods.DEFAULT_BY_CLASS[r["class"]]) == name)
    return out


def report(records, models, used):
    """Return (metrics, serving choice): every model's scores, what serves (left-one-origin-out), its skill
    against the best baseline, and the choice per class made on all origins. What serves has its intervals
    calibrated on the backtest (``calibrate``; ``metrics["interval_scale"]``, the factors serving applies); every
    model's own scores are those of its raw intervals.

    When the choice per class backtests worse than the best simple baseline, the best baseline serves every class
    (``metrics["fallback"]`` says so): what serves is never worse than the simple baseline on the shop's own data,
    whatever the season the history ends in.
    """
    metrics = {}
    for name in models:
        for key, value in scoring.summarize(records[name]).items():
            metrics[f"{key}_{name}"] = value
    served_records = served(records, models, used)
    serves = scoring.summarize(served_records)
    choice = choose(records, models)
    baselines = {name: metrics.get(f"wrmsse_{name}") for name in methods.BASELINES if f"wrmsse_{name}" in metrics}
    if baselines and serves:
        best = min(baselines, key=baselines.get)
        if serves["wrmsse"] > baselines[best]:
            metrics["fallback"] = (f"the model per demand class backtested worse than {methods.MODELS[best]} "
                                   f"({best}, WRMSSE {serves['wrmsse']} vs {baselines[best]}), so that baseline serves")
            served_records = list(records[best])
            serves = scoring.summarize(served_records)
            choice = dict.fromkeys((*scoring.CLASSES, "none"), best)
        metrics.update(best_baseline=best, best_baseline_wrmsse=baselines[best], baseline_skill=0.0,
                       wrmsse_skill=round(1 - serves["wrmsse"] / baselines[best], 4) if baselines[best] else 0.0)
    served_records, metrics["interval_scale"] = calibrate(records, served_records, used)
    metrics.update(scoring.summarize(served_records))
    metrics["served_records"] = served_records
    counts = defaultdict(int)
    for r in records[models[0]]:
        counts[r["class"]] += 1
    metrics["classes"] = dict(counts)
    return metrics, choice
