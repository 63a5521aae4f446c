"""What a listing keeps between requests, per web process: its products' mapped values and its arranged order.

A listing (search's ``rerank`` of a category page, the home page's "All products") is arranged whole, every product
it lists, on every request. Reading the values of hundreds of products each time cost the demo's home page about
6 ms, most of what merchandising added to it. So:

- ``read(ids, fields)`` reads the values in one query and keeps them under ``VALUES_STAMP``, a cache stamp that
  every save or delete of a product, of a row its mapped fields read (a stock record, a category:
  ``signals.connect_catalogue``) and every price ai_commerce writes (``adapter.products_written``) bumps, in every
  process at once. A change made without a signal (``QuerySet.update()``) shows within ``CACHE_SECONDS``, as on
  the cached recommendation lists. With the cache down, every list reads the database.
- ``arranged(rules, ids)`` arranges the listing with them and remembers the result for the same order of the same
  products under the same rules and values: the next page of a listing, and every anonymous visitor's listing (the
  same learned order), cost a lookup. A rule whose conditions change with time or read other capabilities' signals
  (new since N days, review sentiment, days of cover) is arranged every time.
"""

import threading
import time

from django.db import transaction

from ai_commerce import adapter, cache, signals
from ai_commerce.conf import app_settings

VALUES_STAMP = "merchandising:values"
#: Products' values kept per process, over all the lists kept (a shop's listings: all products, each category):
#: about 4 MB; past it the process starts afresh.
KEPT_PRODUCTS = 20_000
#: Arranged listings remembered per process (about 7 KB each for 400 products).
KEPT_ORDERS = 256
_kept = {}  # (stamp, fields, frozenset of ids) -> (monotonic expiry, {pk: {field: value}})
_orders = {}  # (ids of the rules' specs, the listing's ids) -> (values, the rules' specs, Arranged)
_lock = threading.Lock()


def _alias():
    return app_settings.MERCHANDISING["CACHE"]


def read(ids, fields):
    """``{pk: {field: value}}`` of the products ``ids`` (in any order), only ``fields``: one query, then none until
    the catalogue changes or ``CACHE_SECONDS`` pass."""
    fields = frozenset(fields)
    stamp = cache.stamp(_alias(), VALUES_STAMP)
    if stamp == cache.DOWN:
        return adapter.get_adapter().product_values(ids, fields)
    key = (stamp, fields, frozenset(ids))
    found = _kept.get(key)
    now = time.monotonic()  # how long a kept set serves, never what a rule decides
    if found is not None and found[0] > now:
        return found[1]
    values = adapter.get_adapter().product_values(key[2], fields)
    with _lock:
        if sum(len(found[1]) for found in _kept.values()) + len(values) > KEPT_PRODUCTS:
            _kept.clear()
        _kept[key] = (now + app_settings.MERCHANDISING["CACHE_SECONDS"], values)
    return values


def arranged(rules, ids):
    """The ``Arranged`` complete list ``ids`` (a listing, best first) under ``rules`` (``arranging.Rules``), with
    the kept values; remembered while the same values are kept."""
    ids = tuple(ids)
    values = read(ids, rules.fields)
    if any(rule.uses_standing or rule.uses_outlook or any(test == "since" for _name, test, _value in rule.conditions)
           for rule in rules.rules):
        return rules.arrange(ids, values, complete=True)
    key = (tuple(map(id, rules.rules)), ids)  # the entry holds the specs, so their ids name them while it lives
    found = _orders.get(key)
    if found is not None and found[0] is values:
        return found[2]
    result = rules.arrange(ids, values, complete=True)
    with _lock:
        if len(_orders) >= KEPT_ORDERS:
            _orders.clear()
        _orders[key] = (values, tuple(rules.rules), result)
    return result


def forget(**kwargs):
    """Drop the kept values in every process (the catalogue changed): now, and again once the change commits, so
    that a list read in between cannot keep the values from before it."""
    cache.bump(_alias(), VALUES_STAMP)
    transaction.on_commit(lambda: cache.bump(_alias(), VALUES_STAMP), robust=True)


def connect():
    signals.connect_catalogue(forget, "merchandising_values")
    adapter.products_written.connect(forget, dispatch_uid="ai_commerce_merchandising_values_written")
