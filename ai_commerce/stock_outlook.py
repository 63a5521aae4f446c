"""Stock outlook: what the demand forecast knows about each product's stock, for the other capabilities to read.

Capabilities never import each other. A capability that can tell how long each product's stock lasts (the demand
forecast) names its provider in ``CapabilityConfig.stock_outlook``; the others ask this module and get nothing when
no such capability is installed or none has planned yet::

    from ai_commerce import stock_outlook

    outlook = stock_outlook.for_products([pk, ...])   # {pk: StockOutlook}; {} without a forecast
    outlook[pk].days_of_cover, outlook[pk].stockout_on, outlook[pk].restock_days, outlook[pk].overstock,
    outlook[pk].arrives_on                            # when the delivery staff ordered arrives (None: none ordered)
    stock_outlook.running_out_within()                # {pk, ...} expected to run out within RUNNING_OUT_DAYS
    stock_outlook.running_out_within(3, product_ids=[...])

A provider is ``provide(product_ids) -> {pk: StockOutlook}`` (``product_ids`` None: every product it has planned)
and costs a constant number of queries. The days are anchored to the forecast's data (its first forecast day, the day
after the newest order line), never to the wall clock.
"""

import datetime as dt
from dataclasses import dataclass

from . import capabilities
from .conf import app_settings


@dataclass(frozen=True)
class StockOutlook:
    """One product's stock as the forecast sees it."""

    stock: int
    daily_rate: float                 # units a day the forecast expects (mean over its horizon)
    days_of_cover: float | None       # stock / daily_rate; None when nothing is expected to sell
    stockout_on: dt.date | None       # the day the stock is expected to run out; None beyond the horizon
    planned_on: dt.date               # the forecast's first day (the day after the newest order line)
    restock_days: int                 # days an order placed now takes to arrive (the product's lead time)
    overstock: bool = False           # more days of cover than the forecast's overstock threshold
    arrives_on: dt.date | None = None  # the day the delivery staff marked as ordered arrives; None: nothing on order

    @property
    def days_to_stockout(self):
        """Days from ``planned_on`` to the expected stockout (0: out of stock now), or None beyond the horizon."""
        return None if self.stockout_on is None else (self.stockout_on - self.planned_on).days


def for_products(product_ids=None):
    """Return {product pk: StockOutlook} for ``product_ids`` (None: every planned product); {} without a provider.
    The first provider that knows a product wins."""
    return capabilities.merged("stock_outlook", None if product_ids is None else list(product_ids))


def running_out_within(days=None, product_ids=None):
    """Return the set of product pks expected to run out within ``days`` (``RUNNING_OUT_DAYS`` when None) of the
    forecast's first day, out of stock now included; an empty set without a forecast."""
    days = app_settings.RUNNING_OUT_DAYS if days is None else days
    return {pk for pk, outlook in for_products(product_ids).items()
            if outlook.days_to_stockout is not None and outlook.days_to_stockout < days}
