"""Train the demand model: elasticities from the shop's own orders, checked on the newest weeks, then suggestions.

The newest ``PRICING["HOLDOUT_DAYS"]`` before the newest order line are held out, widened until the window judges
``MIN_HOLDOUT_PRODUCTS`` products (but never past ``HOLDOUT_MAX_SHARE`` of the lines; then the run is skipped).
Elasticities fitted on the orders before the window predict each product's held-out units at each price actually
charged; a baseline that ignores price (demand stays at its level at the last price before the holdout) predicts the
same. ``demand_skill`` is ``1 - MAE(model) / MAE(baseline)``, with a bootstrap 90% interval over products.

Promotion: a version is promoted only when its skill is **above 0** (no tolerance: a model that explains demand no
better than ignoring price is not promoted, nor one that cannot be judged because no price changed in the window),
and, when a version is active, when its skill is at least the active version's minus
``PRICING["PROMOTION_TOLERANCE"]``, the active version's params refitted on the same split and scored on the same
products (its stored elasticities saw part of the new window, so scoring them would favour it). The
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
from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from . import elasticity
from .models import ElasticityEstimate

MIN_LINES = 50


def order_lines():
    """Return (product, date, quantity, unit price) of every order line that is demand, oldest first."""
    rows = []
    for r in get_adapter().order_lines(demand_only=True):  # guest orders too: pricing needs no user
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


def holdout_metrics(lines, cats, holdout_days, period_price="mean", rivals=None):
    """Fit on the lines before the newest ``holdout_days`` (counted back from the newest order line) and score the
    held-out weeks against ignoring price.

    Errors are taken on each product's held-out units at each price it was sold at (summed over the periods at that
    price), so that day-to-day noise largely cancels and what is left is the effect of price. ``rivals`` maps a
    name to another version's params (e.g. the active version's): each is refitted on the same training split and
    scored on the same products as ``<name>_demand_skill`` (a product it has no estimate for predicts no price
    effect). ``demand_skill_low``/``_high`` are a 90% interval of the skill by a seeded bootstrap over products.
    """
    cut = lines[-1][1] - dt.timedelta(days=holdout_days)
    train = [row for row in lines if row[1] < cut]
    fitted, _ = elasticity.estimate(train, cats, price=period_price)
    refits = {name: fitted if params.get("period_price", "mean") == period_price
              else elasticity.estimate(train, cats, price=params["period_price"])[0]
              for name, params in (rivals or {}).items()}
    series = elasticity.aggregate(lines, price=period_price)
    cut_day = cut.toordinal()
    names = ["model", *(rivals or {})]
    errors = {name: [] for name in ["flat", *names]}  # per judged product: summed absolute errors
    periods, moved = 0, 0
    for product, estimate in fitted.items():
        s = series.get(product)
        held = s.day >= cut_day if s is not None else None
        if held is None or not held.any() or held.all():
            continue
        models = {"model": estimate, **{name: refit.get(product) for name, refit in refits.items()}}
        last_price = s.price[~held][-1]
        prices, units, weeks = s.price[held], s.units[held], s.exposure[held] / 7.0
        moved += bool(np.any(np.abs(prices - last_price) > 0.005))
        total = dict.fromkeys(errors, 0.0)
        for price in np.unique(prices):
            at = prices == price
            actual = units[at].sum()
            total["flat"] += abs(actual - estimate.units_at(last_price) * weeks[at].sum())  # price has no effect
            for name, model in models.items():
                expected = estimate.units_at(last_price) if model is None else model.units_at(price)
                total[name] += abs(actual - expected * weeks[at].sum())
        for name, value in total.items():
            errors[name].append(value)
        periods += int(held.sum())
    judged = len(errors["flat"])
    window = {"holdout_start": cut.isoformat(), "holdout_end": lines[-1][1].isoformat(), "holdout_days": holdout_days,
              "holdout_lines": sum(row[1] >= cut for row in lines), "holdout_periods": periods,
              "holdout_products": judged, "holdout_repriced": moved, "judged_on": {"products": judged}}
    if not periods:
        return window
    flat = np.asarray(errors["flat"])
    out = {**window, "no_price_effect_mae": round(float(flat.mean()), 4), "no_price_effect_skill": 0.0}
    for name in names:
        model = np.asarray(errors[name])
        prefix = "" if name == "model" else f"{name}_"
        out[f"{prefix}demand_skill"] = round(_skill(model, flat), 4)
        if name == "model":
            low, high = _bootstrap_skill(model, flat)
            out.update(demand_mae=round(float(model.mean()), 4), demand_skill_low=low, demand_skill_high=high)
    return out


def _skill(model, flat):
    return 1 - float(model.sum()) / float(flat.sum()) if flat.sum() else 0.0


def _bootstrap_skill(model, flat, draws=1000, seed=0):
    """A 90% interval of the skill, resampling the judged products (seeded: the same data give the same interval)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(flat), size=(draws, len(flat)))
    sums = flat[picks].sum(axis=1)
    skills = np.where(sums > 0, 1 - model[picks].sum(axis=1) / np.where(sums > 0, sums, 1), 0.0)
    return round(float(np.percentile(skills, 5)), 4), round(float(np.percentile(skills, 95)), 4)


def judged_holdout(lines, cats, conf, rivals=None):
    """Return the held-out metrics of the newest window that can judge the elasticities.

    The window starts at ``HOLDOUT_DAYS`` before the newest order line and doubles while it judges fewer than
    ``MIN_HOLDOUT_PRODUCTS`` products, but never holds more than ``HOLDOUT_MAX_SHARE`` of the order lines. Raise
    NotEnoughData when even the widest window judges too few.
    """
    need, days = conf["MIN_HOLDOUT_PRODUCTS"], conf["HOLDOUT_DAYS"]
    widest = (lines[-1][1] - lines[int(len(lines) * (1 - conf["HOLDOUT_MAX_SHARE"]))][1]).days
    while True:
        metrics = holdout_metrics(lines, cats, days, period_price=conf["PERIOD_PRICE"], rivals=rivals)
        if metrics["holdout_products"] >= need or days >= widest:
            break
        days = max(days, min(days * 2, widest))
    if metrics["holdout_products"] < need or "demand_skill" not in metrics:
        raise registry.NotEnoughData(
            metrics["holdout_products"], need,
            f"products sold before and in the held-out newest {days} days",
            hint="record more orders, or lower PRICING MIN_HOLDOUT_PRODUCTS or raise HOLDOUT_MAX_SHARE")
    return metrics


def train(reporter):
    conf = tuned("PRICING")
    reporter.progress(5, "reading order lines")
    lines = order_lines()
    if len(lines) < MIN_LINES:
        raise registry.NotEnoughData(len(lines), MIN_LINES, "order lines")
    cats = categories()
    reporter.progress(15, f"checking elasticities on the newest {conf['HOLDOUT_DAYS']} days or more")
    active = ModelVersion.objects.of_kind("pricing").active().first()
    rivals = {"active": active.params} if active else None
    metrics = judged_holdout(lines, cats, conf, rivals)
    reporter.log(f"judged on {metrics['holdout_products']} products in the newest {metrics['holdout_days']} days "
                 f"({metrics['holdout_start']} to {metrics['holdout_end']})")
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
        kind="pricing", params={"holdout_days": metrics["holdout_days"], "period_price": conf["PERIOD_PRICE"],
                                "level": elasticity.LEVEL}, metrics=metrics,
        data_start=_aware(lines[0][1]), data_end=_aware(lines[-1][1]),
    )
    _store(version, estimates, skipped, cats)
    reporter.progress(75, "comparing with the baseline that ignores price and with the active version")
    refusal = unjudged(metrics)
    if refusal:
        version.status, version.note = ModelVersion.Status.NOT_PROMOTED, f"Not promoted: {refusal}."
        version.save(update_fields=["status", "note"])
        promoted = False
    else:
        promoted, _ = registry.promote_if_better(
            version, metric="demand_skill", tolerance=conf["PROMOTION_TOLERANCE"],
            baselines=["active_demand_skill"] if "active_demand_skill" in metrics else [], compare_active=False,
        )
    reporter.log(version.note)
    if promoted:
        from .suggesting import suggest_prices
        from .workflow import auto_apply

        reporter.progress(85, "suggesting prices")
        summary = suggest_prices(version)
        applied, refused = auto_apply()
        reporter.log(f"suggestions: {summary}; {applied} auto-applied, {len(refused)} refused")
    version.refresh_from_db()
    return version


def unjudged(metrics):
    """Why the held-out window cannot vouch for the model (None when it can): a version is promoted only with a skill
    above zero, i.e. when prices explain held-out demand better than ignoring them."""
    skill = metrics.get("demand_skill")
    if not metrics.get("holdout_repriced"):
        return "no judged product changed its price in the held-out window, so the elasticities cannot be judged"
    if skill is None:
        return "the held-out window gave no skill"
    if skill <= 0:
        return (f"held-out demand skill {skill:.4f} is not above 0: prices explain held-out demand no better than "
                "ignoring them")
    return None


def _aware(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _store(version, estimates, skipped, cats):
    rows = [ElasticityEstimate(
        model_version=version, product_id=e.product, elasticity=e.elasticity, low=e.low, high=e.high, raw=e.raw,
        pooled_toward=e.pooled_toward, evidence=e.evidence, category=e.category or "", period=e.period,
        n_periods=e.n_periods,
        n_orders=e.n_orders, base_units=e.base_units, ref_price=round(e.ref_price, 2),
    ) for e in estimates.values()]
    rows += [ElasticityEstimate(model_version=version, product_id=product, category=cats.get(product) or "",
                                reason=reason[:300]) for product, reason in skipped.items()]
    ElasticityEstimate.objects.bulk_create(rows, batch_size=1000)
    payload = {str(e.product): {"elasticity": e.elasticity, "low": e.low, "high": e.high}
               for e in estimates.values()}
    registry.save_artifact(version, "elasticities.json", json.dumps(payload, sort_keys=True).encode())
