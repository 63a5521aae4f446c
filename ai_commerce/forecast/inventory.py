"""Inventory decisions from the serving forecast: stockout date with a band, days of cover, reorder point and a
suggested order quantity, each with its reason in words.

For a product with stock ``s``, on order ``o``, lead time ``L`` and review period ``R`` (its ``InventoryPolicy``,
the most specific one winning), and a daily forecast with 80% bounds:

- stockout day: ``s`` (and the deliveries on order, on the days they arrive) run against simulated demand paths of
  the forecast (``stockout.outlook``): the centre of the most likely week when the product more likely than not
  runs out within the horizon, and its 80% band;
- days of cover: ``s`` / the mean daily forecast over the horizon;
- reorder point: demand over ``L`` plus safety stock ``z`` x its standard deviation (from the 80% interval's width,
  days independent), ``z`` the service level's normal quantile;
- order: up to demand over ``L + R`` plus safety stock, minus ``s + o``, rounded up to whole packs and at least the
  minimum order; nothing when ``s + o`` is above the reorder point.
"""

import math
from datetime import timedelta
from statistics import NormalDist

from ai_commerce.adapter import get_adapter

from . import ordering, stockout
from .models import InventoryPolicy, ProductForecast, ReorderSuggestion

Z80 = NormalDist().inv_cdf(0.9)


def default_policy():
    return InventoryPolicy(name="built-in default")


class PolicyResolver:
    """``resolve(product_id, category)``: the product's policy, else its category's, else the global one (2 queries
    whatever the number of products: one)."""

    def __init__(self):
        policies = list(InventoryPolicy.objects.all())
        self.by_product = {p.product_id: p for p in policies if p.product_id}
        self.by_category = {p.category: p for p in policies if not p.product_id and p.category}
        self.fallback = next((p for p in policies if not p.product_id and not p.category), None) or default_policy()

    def __call__(self, product_id, category=None):
        return self.by_product.get(product_id) or self.by_category.get(category or "") or self.fallback


def _num(x):
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}".rstrip("0").rstrip(".")


def decide(mean, lo80, hi80, stock, on_order, policy, start, overstock_days, arrivals=None):
    """Return the fields of a ``ReorderSuggestion`` (without version and product) for one product's forecast;
    ``arrivals`` ({day index from ``start``: units}) are the deliveries on order that the stockout day counts."""
    h = len(mean)
    rate, low, high = sum(mean) / h, sum(lo80) / h, sum(hi80) / h
    stock = max(int(stock or 0), 0)
    lead, review = policy.lead_time_days, policy.review_period_days
    z = NormalDist().inv_cdf(float(policy.service_level) / 100)

    def over(days):
        days = max(days, 1)
        m = [mean[min(i, h - 1)] for i in range(days)]
        sd = [(hi80[min(i, h - 1)] - lo80[min(i, h - 1)]) / (2 * Z80) for i in range(days)]
        return sum(m), math.sqrt(sum(s * s for s in sd))

    lead_mean, lead_sd = over(lead)
    cover_mean, cover_sd = over(lead + review)
    reorder_point = lead_mean + z * lead_sd
    position = stock + on_order
    up_to = cover_mean + z * cover_sd
    qty = 0
    if position <= reorder_point and up_to > position:
        qty = max(math.ceil(up_to - position), policy.min_order_qty)
        qty = math.ceil(qty / policy.pack_size) * policy.pack_size
    out_day = early = late = 0
    if stock:
        seen = stockout.outlook({"mean": mean, "lo80": lo80, "hi80": hi80}, stock, arrivals)
        out_day, early, late = seen.day, seen.earliest, seen.latest

    def day(i):
        return None if i is None else start + timedelta(days=i)

    cover = stock / rate if rate > 0 else None
    at_risk = stock == 0 or (early is not None and early < lead)
    words = [f"sells about {_num(rate)} a day ({_num(low)} to {_num(high)})"]
    if stock == 0:
        words.append("out of stock now")
    elif out_day is None:
        words.append(f"{stock} in stock last beyond the {h}-day forecast")
    else:
        first = early if early is not None else out_day
        last = f"{late + 1}" if late is not None else f"more than {h}"
        words.append(f"{stock} in stock last{'s' if stock == 1 else ''} {first + 1}-{last} days")
    if on_order:
        words.append(f"{on_order} on order")
    words.append(f"the next delivery takes {lead} day{'s' if lead != 1 else ''}")
    if qty:
        words.append(f"order {qty} to cover {lead + review} days at a {policy.service_level:.0f}% service level"
                     f" (reorder point {_num(reorder_point)})")
    else:
        words.append(f"no order needed: {position} in stock and on order is above the reorder point "
                     f"{_num(reorder_point)}")
    return {"stock": stock, "on_order": on_order, "daily_rate": round(rate, 4), "rate_low": round(low, 4),
            "rate_high": round(high, 4), "days_of_cover": None if cover is None else round(cover, 1),
            "stockout_on": day(out_day), "stockout_earliest": day(early), "stockout_latest": day(late),
            "lead_time_days": lead, "reorder_point": round(reorder_point, 2), "order_qty": qty, "at_risk": at_risk,
            "overstock": cover is not None and cover > overstock_days, "planned_on": start,
            "reason": "; ".join(words) + "."}


def plan(version, overstock_days):
    """Make the reorder suggestions of ``version``'s forecasts against the shop's stock now; the open suggestions of
    earlier plans are replaced. Return how many were made."""
    adapter = get_adapter()
    if not adapter.has("stock"):
        return 0
    forecasts = list(ProductForecast.objects.filter(model_version=version))
    if not forecasts:
        return 0
    values = adapter.product_values([f.product_id for f in forecasts])
    start = forecasts[0].start
    pending = ordering.on_order(values, start)
    arriving = ordering.arrivals(values, start)
    resolve = PolicyResolver()
    rows = []
    for f in forecasts:
        if f.product_id not in values:
            continue
        stock = values[f.product_id].get("stock")
        policy = resolve(f.product_id, values[f.product_id].get("category") or f.category)
        fields = decide(f.mean, f.lo80, f.hi80, stock, pending.get(f.product_id, 0), policy, start, overstock_days,
                        arriving.get(f.product_id))
        rows.append(ReorderSuggestion(model_version=version, product_id=f.product_id, **fields))
    ReorderSuggestion.objects.filter(status=ReorderSuggestion.Status.OPEN).update(
        status=ReorderSuggestion.Status.REPLACED)
    ReorderSuggestion.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
