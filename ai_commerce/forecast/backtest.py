"""The rolling-origin backtest: every model and baseline on the shop's own history, in one run.

Origins are ``step`` days apart, the newest ``horizon`` days before the end of history; at each origin a product is
judged when it has ``min_history`` days since its first sale before the origin and at least one observed (not
censored) day after it. Each origin's models see only the days before it.

What serves is one model per demand class. Its score is honest: at each origin the class's model is chosen on the
*other* origins' errors (leave one origin out), then scored on this one; the served choice is then made on all
origins. Used by the trainer and by ``bench/forecast.py``.
"""

from collections import defaultdict

import numpy as np

from . import methods, scoring


def origins(n_days, horizon, count, step):
    """Return the origin day indices, oldest first (the newest is ``horizon`` days before the end)."""
    newest = n_days - horizon
    return sorted(o for o in (newest - k * step for k in range(count)) if o > 0)


def run(units, revenue, first_sale, *, horizon, count, step, min_history, models=tuple(methods.MODELS), log=None):
    """Backtest ``models`` on a products x days matrix; return (records by model, origins used).

    A record is one product at one origin: its class, revenue weight, scales and error sums (see ``scoring``).
    """
    records, used = defaultdict(list), []
    for origin in origins(units.shape[1], horizon, count, step):
        rows = [i for i in range(units.shape[0])
                if origin - first_sale[i] >= min_history and not np.all(np.isnan(units[i, origin:origin + horizon]))]
        if not rows:
            continue
        used.append(origin)
        trains = [units[i, first_sale[i]:origin] for i in rows]
        fc = methods.forecast(trains, horizon, models)
        for k, i in enumerate(rows):
            sq, ab = scoring.scales(trains[k])
            base = {"origin": origin, "product": i, "class": scoring.demand_class(trains[k][-365:]),
                    "weight": float(np.nansum(revenue[i, max(0, origin - 28):origin])), "sq": sq, "abs": ab}
            actual = units[i, origin:origin + horizon]
            for name in models:
                errs = scoring.errors(actual, {key: fc[name][key][k] for key in methods.KEYS})
                records[name].append({**base, **errs})
        if log:
            log(f"origin day {origin}: {len(rows)} products judged")
    return records, used


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
    against the best baseline, and the choice per class made on all origins.

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
    metrics.update(serves)
    metrics["served_records"] = served_records
    counts = defaultdict(int)
    for r in records[models[0]]:
        counts[r["class"]] += 1
    metrics["classes"] = dict(counts)
    return metrics, choice
