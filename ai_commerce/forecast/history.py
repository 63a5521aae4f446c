"""Daily demand per product as the shop means it: order lines that are demand (excluded statuses out, guests
counted), with the price paid, and the days each product was out of stock (censored, not zero).

::

    history = load()                 # DemandHistory: a products x days matrix, anchored to the newest order line
    history.series(product_id)       # that product's daily units, NaN on a censored day

The window ends at the newest order line's day, never at the wall clock, so the same data give the same history.
Until stock snapshots exist, ``sees_stockouts`` is False and every day reads as observed.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from ai_commerce.adapter import get_adapter

from .models import StockSnapshot


@dataclass
class DemandHistory:
    start: dt.date
    end: dt.date                                  # the newest order line's day (the last day of history)
    products: list                                # product ids, one per row of ``units``
    units: np.ndarray                             # products x days: units sold (NaN: censored, out of stock)
    revenue: np.ndarray                           # products x days: money taken
    first_sale: dict = field(default_factory=dict)  # product -> index of its first day with a sale
    categories: dict = field(default_factory=dict)
    sees_stockouts: bool = False

    @property
    def days(self):
        return self.units.shape[1]

    def day(self, index):
        return self.start + dt.timedelta(days=int(index))

    def index(self, product):
        return self.products.index(product)

    def series(self, product):
        return self.units[self.index(product)]


def _day(value):
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def daily_lines():
    """Return {(product, day): [units, revenue]} of every order line that is demand (guest orders too)."""
    totals = {}
    for r in get_adapter().order_lines(demand_only=True):
        if r.product_id is None or r.created is None or not r.quantity or r.quantity < 0:
            continue
        key = (r.product_id, _day(r.created))
        cell = totals.setdefault(key, [0.0, 0.0])
        cell[0] += r.quantity
        cell[1] += float(r.quantity * (r.unit_price or 0))
    return totals


def categories(product_ids=None):
    adapter = get_adapter()
    if not adapter.has("category"):
        return {}
    return {pk: values["category"] or "" for pk, values in adapter.product_values(product_ids).items()}


def build(totals, stockouts=None, cats=None, sees_stockouts=False):
    """Build a ``DemandHistory`` from {(product, day): [units, revenue]} and {(product, day)} days out of stock."""
    if not totals:
        return None
    days = [day for _, day in totals]
    start, end = min(days), max(days)
    products = sorted({product for product, _ in totals})
    row = {product: i for i, product in enumerate(products)}
    n_days = (end - start).days + 1
    units, revenue = np.zeros((len(products), n_days)), np.zeros((len(products), n_days))
    for (product, day), (qty, money) in totals.items():
        units[row[product], (day - start).days] = qty
        revenue[row[product], (day - start).days] = money
    first_sale = {product: int(np.flatnonzero(units[row[product]] > 0)[0]) for product in products}
    for product, day in stockouts or ():
        if product in row and start <= day <= end:
            units[row[product], (day - start).days] = np.nan
    return DemandHistory(start=start, end=end, products=products, units=units, revenue=revenue,
                         first_sale=first_sale, categories=cats or {}, sees_stockouts=sees_stockouts)


def load():
    """Read the shop's demand history and its stockouts (from the stock snapshots); None without any demand."""
    totals = daily_lines()
    if not totals:
        return None
    sees = StockSnapshot.objects.exists()
    stockouts = set(StockSnapshot.objects.filter(stock__lte=0).values_list("product_id", "day")) if sees else set()
    return build(totals, stockouts, categories(), sees_stockouts=sees)


def snapshot_stock(day=None):
    """Record every product's stock for ``day`` (today by default): one row per product and day. Return the count
    written; a second call on the same day updates the day's rows."""
    adapter = get_adapter()
    if not adapter.has("stock"):
        return 0
    day = day or timezone.localdate()  # the day the stock was read: a record, like an event's timestamp
    values = adapter.product_values()
    rows = [StockSnapshot(product_id=pk, day=day, stock=int(v["stock"] or 0)) for pk, v in values.items()
            if v.get("stock") is not None]
    StockSnapshot.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                      unique_fields=["product", "day"], update_fields=["stock"])
    return len(rows)
