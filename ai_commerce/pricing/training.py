"""Train the demand model: elasticities from the shop's own orders, checked on the newest weeks, then suggestions.

The newest ``PRICING["HOLDOUT_DAYS"]`` are held out. Elasticities fitted on the orders before them predict each
product's held-out units at each price actually charged; a baseline that ignores price (demand stays at its level at
the last price before the holdout) predicts the same. ``demand_skill`` is ``1 - MAE(model) / MAE(baseline)``: above 0
means the elasticities explain demand better than ignoring price, and 0 when no price changed in the holdout. The
version is promoted when its skill is at least the baseline's (0) minus ``PRICING["PROMOTION_TOLERANCE"]``; the
estimates it serves are refitted on all orders. After a promotion, suggestions are made at once, and auto-applied
where a policy allows it.
"""

import datetime as dt
import json
import statistics

import numpy as np
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import tuned
from ai_commerce.models import ModelVersion

from . import elasticity
from .models import ElasticityEstimate

MIN_LINES = 50


def order_lines():
    """Return (product, date, quantity, unit price) of every sold order line, oldest first."""
    rows = []
    for r in get_adapter().order_lines():
        if r.product_id is None or r.created is None or not r.quantity or r.unit_price is None:
            continue
        when = timezone.localtime(r.created).date() if timezone.is_aware(r.created) else r.created.date()
        rows.append((r.product_id, when, r.quantity, r.unit_price))
    rows.sort(key=lambda row: row[1])
    return rows


def categories():
    adapter = get_adapter()
    if not adapter.has("category"):
        return {}
    return {pk: values["category"] for pk, values in adapter.product_values().items() if values["category"]}


def holdout_metrics(lines, cats, holdout_days, period_price="mean"):
    """Fit on the lines before the newest ``holdout_days`` and score the held-out weeks against ignoring price.

    Errors are taken on each product's held-out units at each price it was sold at (summed over the periods at that
    price), so that day-to-day noise largely cancels and what is left is the effect of price.
    """
    cut = lines[-1][1] - dt.timedelta(days=holdout_days)
    fitted, _ = elasticity.estimate([row for row in lines if row[1] < cut], cats, price=period_price)
    series = elasticity.aggregate(lines, price=period_price)
    cut_day = cut.toordinal()
    errors_model, errors_flat, periods = [], [], 0
    for product, estimate in fitted.items():
        s = series.get(product)
        held = s.day >= cut_day if s is not None else None
        if held is None or not held.any() or held.all():
            continue
        flat_weekly = estimate.units_at(s.price[~held][-1])  # demand stays where it was: price has no effect
        prices, units, weeks = s.price[held], s.units[held], s.exposure[held] / 7.0
        for price in np.unique(prices):
            at = prices == price
            actual = units[at].sum()
            errors_model.append(abs(actual - estimate.units_at(price) * weeks[at].sum()))
            errors_flat.append(abs(actual - flat_weekly * weeks[at].sum()))
        periods += int(held.sum())
    if not periods:
        return {"holdout_periods": 0}
    mae, flat = float(np.mean(errors_model)), float(np.mean(errors_flat))
    return {
        "holdout_periods": periods, "holdout_products": len({p for p in fitted if p in series}),
        "demand_mae": round(mae, 4), "no_price_effect_mae": round(flat, 4),
        "demand_skill": round(1 - mae / flat, 4) if flat else 0.0, "no_price_effect_skill": 0.0,
    }


def train(reporter):
    conf = tuned("PRICING")
    reporter.progress(5, "reading order lines")
    lines = order_lines()
    if len(lines) < MIN_LINES:
        raise registry.NotEnoughData(len(lines), MIN_LINES, "order lines")
    cats = categories()
    reporter.progress(15, f"checking elasticities on the newest {conf['HOLDOUT_DAYS']} days")
    metrics = holdout_metrics(lines, cats, conf["HOLDOUT_DAYS"], period_price=conf["PERIOD_PRICE"])
    reporter.progress(45, f"estimating elasticities from {len(lines)} order lines")
    estimates, skipped = elasticity.estimate(lines, cats, price=conf["PERIOD_PRICE"])
    if not estimates:
        reasons = statistics.mode(skipped.values()) if skipped else "no product"
        raise registry.NotEnoughData(0, 1, f"products with enough price variation and orders (e.g. {reasons})")
    values = sorted(e.elasticity for e in estimates.values())
    metrics.update(
        products_estimated=len(estimates), products_skipped=len(skipped),
        coverage=round(len(estimates) / (len(estimates) + len(skipped)), 4),
        median_elasticity=round(statistics.median(values), 3),
        share_elastic=round(sum(v < -1 for v in values) / len(values), 4),
    )
    reporter.log(f"{len(estimates)} elasticities, {len(skipped)} products without one; "
                 f"held-out skill {metrics.get('demand_skill')}")
    version = ModelVersion.objects.create(
        kind="pricing", params={"holdout_days": conf["HOLDOUT_DAYS"], "period_price": conf["PERIOD_PRICE"],
                                "level": elasticity.LEVEL}, metrics=metrics,
        data_start=_aware(lines[0][1]), data_end=_aware(lines[-1][1]),
    )
    _store(version, estimates, skipped, cats)
    reporter.progress(75, "comparing with the baseline that ignores price")
    promoted, _ = registry.promote_if_better(
        version, metric="demand_skill", tolerance=conf["PROMOTION_TOLERANCE"], baselines=["no_price_effect_skill"],
        compare_active=False,
    )
    if promoted:
        from .suggesting import suggest_prices
        from .workflow import auto_apply

        reporter.progress(85, "suggesting prices")
        summary = suggest_prices(version)
        applied, refused = auto_apply()
        reporter.log(f"suggestions: {summary}; {applied} auto-applied, {len(refused)} refused")
    version.refresh_from_db()
    return version


def _aware(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _store(version, estimates, skipped, cats):
    rows = [ElasticityEstimate(
        model_version=version, product_id=e.product, elasticity=e.elasticity, low=e.low, high=e.high, raw=e.raw,
        pooled_toward=e.pooled_toward, category=e.category or "", period=e.period, n_periods=e.n_periods,
        n_orders=e.n_orders, base_units=e.base_units, ref_price=round(e.ref_price, 2),
    ) for e in estimates.values()]
    rows += [ElasticityEstimate(model_version=version, product_id=product, category=cats.get(product) or "",
                                reason=reason[:300]) for product, reason in skipped.items()]
    ElasticityEstimate.objects.bulk_create(rows, batch_size=1000)
    payload = {str(e.product): {"elasticity": e.elasticity, "low": e.low, "high": e.high}
               for e in estimates.values()}
    registry.save_artifact(version, "elasticities.json", json.dumps(payload, sort_keys=True).encode())
