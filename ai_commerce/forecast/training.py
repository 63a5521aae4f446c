"""Train the demand forecast: a rolling-origin backtest of every model on the shop's own history, one model per
demand class, then a forecast of every product with 80% and 95% intervals, and reorder suggestions.

The backtest (``backtest.run``): ``BACKTEST_ORIGINS`` origins ``ORIGIN_STEP_DAYS`` apart, the newest
``HORIZON_DAYS`` before the newest order line, horizon ``HORIZON_DAYS``; naive, seasonal naive (7), moving average
(28), AutoETS, Croston SBA, TSB and ADIDA in the same run. What serves is, per demand class, the model with the
lowest WRMSSE, scored honestly by leaving each origin out of its own choice. ``wrmsse_skill`` is
``1 - WRMSSE(serves) / WRMSSE(best baseline)``: a version is promoted when it is at least ``-PROMOTION_TOLERANCE``
(never worse than the best simple baseline). A shop whose history judges fewer than ``MIN_BACKTEST_PRODUCTS``
products is skipped with the reason, and nothing is promoted.

Products with fewer than ``MIN_HISTORY_DAYS`` days since their first sale get their category's profile (the mean
of its products' forecasts) and say so. Until stock snapshots exist the version says it cannot see stockouts.
"""

import datetime as dt
import json
from collections import defaultdict

import numpy as np
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from . import backtest, history, inventory, methods, scoring
from .models import ProductForecast

NO_STOCKOUTS = ("no stock snapshots yet, so stockouts cannot be seen: a day out of stock reads as a day without "
                "demand")


def train(reporter):
    conf = tuned("FORECAST")
    horizon, need = conf["HORIZON_DAYS"], conf["MIN_HISTORY_DAYS"]
    reporter.progress(5, "reading daily demand")
    demand = history.load()
    days = demand.days if demand else 0
    if days < need + horizon:
        raise registry.NotEnoughData(days, need + horizon, "days of order history",
                                     hint="record more orders, or lower FORECAST MIN_HISTORY_DAYS")
    models = tuple(methods.MODELS)
    reporter.progress(15, f"backtesting {len(models)} models at {conf['BACKTEST_ORIGINS']} origins")
    first = [demand.first_sale[p] for p in demand.products]
    records, used = backtest.run(demand.units, demand.revenue, first, horizon=horizon,
                                 count=conf["BACKTEST_ORIGINS"], step=conf["ORIGIN_STEP_DAYS"], min_history=need,
                                 models=models, log=reporter.log, start=demand.start,
                                 categories=[demand.categories.get(p, "") for p in demand.products])
    judged = {r["product"] for r in records[models[0]]}
    if len(judged) < conf["MIN_BACKTEST_PRODUCTS"]:
        raise registry.NotEnoughData(
            len(judged), conf["MIN_BACKTEST_PRODUCTS"], f"products with {need} days of history before a backtest "
            "origin", hint="record more orders, or lower FORECAST MIN_BACKTEST_PRODUCTS or MIN_HISTORY_DAYS")
    metrics, choice = backtest.report(records, models, used)
    metrics["bias_by_category"] = bias_by_category(metrics.pop("served_records"), demand)
    censored = int(np.isnan(demand.units).sum())
    metrics.update(origins=len(used), horizon_days=horizon, sees_stockouts=demand.sees_stockouts,
                   censored_days=censored, serving={cls: choice.get(cls, methods.DEFAULT_BY_CLASS[cls])
                                                    for cls in (*scoring.CLASSES, "none")},
                   judged_on={"products": len(judged), "origins": len(used)})
    reporter.log(f"backtest WRMSSE {metrics.get('wrmsse')} vs best baseline {metrics.get('best_baseline')} "
                 f"{metrics.get('best_baseline_wrmsse')}; 80% coverage {metrics.get('coverage_80')}")
    reporter.progress(60, "forecasting every product")
    start = demand.end + dt.timedelta(days=1)
    rows = forecast_all(demand, metrics["serving"], horizon, need, metrics.get("interval_scale"),
                        fallback=bool(metrics.get("fallback")))
    version = ModelVersion.objects.create(
        kind="forecast", params={"serving": metrics["serving"], "horizon_days": horizon, "min_history_days": need},
        metrics=metrics, data_start=_aware(demand.start), data_end=_aware(demand.end))
    for row in rows:
        row.model_version, row.start = version, start
    ProductForecast.objects.bulk_create(rows, batch_size=500)
    registry.save_artifact(version, "serving.json", json.dumps(metrics["serving"], sort_keys=True).encode())
    reporter.progress(85, "comparing with the best simple baseline")
    promoted, _ = registry.promote_if_better(version, metric="wrmsse_skill", tolerance=conf["PROMOTION_TOLERANCE"],
                                             baselines=["baseline_skill"], compare_active=False)
    if metrics.get("fallback"):
        version.note = f"{version.note} Serves a baseline: {metrics['fallback']}."
    if not demand.sees_stockouts:
        version.note = f"{version.note} Caution: {NO_STOCKOUTS}."
    version.save(update_fields=["note"])
    reporter.log(version.note)
    if promoted:
        made = inventory.plan(version, conf["OVERSTOCK_DAYS"])
        reporter.log(f"{made} reorder suggestions")
    version.refresh_from_db()
    return version


def bias_by_category(records, demand):
    """Per category, what serves forecast over the backtest minus what sold, as a % of what sold (positive: too
    high), with the units sold: Sage's bias report."""
    sums = defaultdict(lambda: [0.0, 0.0, set()])
    for r in records:
        if not r.get("n"):
            continue
        cell = sums[demand.categories.get(demand.products[r["product"]], "") or "-"]
        cell[0] += r["bias"]
        cell[1] += r["units"]
        cell[2].add(r["product"])
    return sorted(({"category": name, "bias_pct": round(100 * b / u, 1) if u else None, "units": round(u),
                    "products": len(p)} for name, (b, u, p) in sums.items()), key=lambda row: -row["units"])


def forecast_all(demand, serving, horizon, need, interval_scale=None, fallback=False):
    """Return unsaved ``ProductForecast`` rows for every product of ``demand``: its class's model where it has
    ``need`` days of history, else its category's profile. The intervals are stretched by ``interval_scale`` (the
    backtest's calibration, {model: {"80": factor, "95": factor}}); ``fallback``: the best simple baseline serves
    every class because the models per class backtested worse (each note says so)."""
    own, thin = [], []
    for i, product in enumerate(demand.products):
        (own if demand.days - demand.first_sale[product] >= need else thin).append(i)
    series = [demand.units[i, demand.first_sale[demand.products[i]]:] for i in own]
    classes = [scoring.demand_class(y[-365:]) for y in series]
    chosen = [serving.get(c, methods.DEFAULT_BY_CLASS[c]) for c in classes]
    fitted = {}  # k -> that series' arrays; each model fits only the products whose class it serves
    prices = backtest.prices_paid(demand.units[own], demand.revenue[own])
    for name in sorted(set(chosen)):
        ks = [k for k, model in enumerate(chosen) if model == name]
        fc = methods.forecast([series[k] for k in ks], horizon, [name], end=demand.end,
                              categories=[demand.categories.get(demand.products[own[k]], "") for k in ks],
                              prices=[prices[k, demand.first_sale[demand.products[own[k]]]:] for k in ks])[name]
        fc = backtest.scaled(fc, (interval_scale or {}).get(name, {}))
        fitted.update({k: {key: fc[key][j] for key in methods.KEYS} for j, k in enumerate(ks)})
    rows, by_category = [], defaultdict(list)
    for k, i in enumerate(own):
        product = demand.products[i]
        name = chosen[k]
        arrays = {key: [round(float(v), 4) for v in fitted[k][key]] for key in methods.KEYS}
        category = demand.categories.get(product, "")
        by_category[category].append(arrays)
        by_category[None].append(arrays)
        censored = int(np.isnan(series[k]).sum())
        why = ("the best simple method, since the models per demand class backtested worse" if fallback else
               f"the best for {classes[k]} products in the backtest")
        note = f"{classes[k]} demand: {methods.MODELS[name]}, {why}; {len(series[k])} days of history"
        note += f", {censored} of them out of stock (read as unknown, not zero)" if censored else ""
        rows.append(ProductForecast(product_id=product, category=category, demand_class=classes[k], method=name,
                                    evidence=ProductForecast.Evidence.OWN, history_days=len(series[k]),
                                    censored_days=censored, note=note + ".", **arrays))
    for i in thin:
        product = demand.products[i]
        category = demand.categories.get(product, "")
        peers = by_category.get(category) or by_category.get(None)
        days = demand.days - demand.first_sale[product]
        if not peers:
            continue
        arrays = {key: [round(float(np.mean([p[key][d] for p in peers])), 4) for d in range(horizon)]
                  for key in methods.KEYS}
        whose = f"its category {category!r}" if by_category.get(category) and category else "the shop's"
        rows.append(ProductForecast(
            product_id=product, category=category, demand_class="", method="category_profile",
            evidence=ProductForecast.Evidence.CATEGORY, history_days=days,
            note=f"New product: {days} days of history (fewer than {need}), so it gets {whose} profile, the average "
                 f"of {len(peers)} products.", **arrays))
    return rows


def _aware(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
