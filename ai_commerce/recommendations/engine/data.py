"""Interaction data: the engine's input format, id encoding and the temporal holdout split (no TensorFlow)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

KINDS = ("purchase", "cart", "view", "wishlist", "rating")
DAY = 86400.0

# {item_id: {"title": str, "description": str, "category": str | None, "price": float | None}}
Products = dict


class NotEnoughData(ValueError):
    """Too few events, users or items to train (or to evaluate) a model."""

    def __init__(self, have, need, what):
        self.have, self.need, self.what = have, need, what
        self.warnings = []  # what in the data may be why (``model.data_warnings``)
        super().__init__(f"not enough {what}: have {have}, need at least {need}")


def _to_seconds(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return float(value)


def _id_array(values):
    """int64 when every id is an integer, else object."""
    if values and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass
class Interactions:
    """Parallel numpy arrays, one row per event."""

    users: np.ndarray
    items: np.ndarray
    ts: np.ndarray
    kinds: np.ndarray
    quantities: np.ndarray
    orders: np.ndarray
    values: np.ndarray | None = None  # a rating's stars (NaN for other kinds)
    positive: np.ndarray | None = None  # what counts as a purchase: popularity, co-purchase, the held-out truth

    def __post_init__(self):
        n = len(self.users)
        self.values = np.full(n, np.nan) if self.values is None else np.asarray(self.values, dtype=np.float64)
        for name in ("items", "ts", "kinds", "quantities", "orders", "values"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Interactions.{name} has {len(getattr(self, name))} rows, users has {n}")
        self.ts = np.asarray(self.ts, dtype=np.float64)
        self.quantities = np.asarray(self.quantities, dtype=np.int64)
        self.kinds = np.asarray(self.kinds).astype(str)
        self.orders = np.asarray(self.orders).astype(str)
        unknown = set(np.unique(self.kinds).tolist()) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown interaction kinds {sorted(unknown)}; expected one of {KINDS}")
        if self.positive is None:
            self.positive = self.kinds == "purchase"
        self.positive = np.asarray(self.positive, dtype=bool)

    def with_positives(self, kinds=("purchase",), rating_at=4.0):
        """The same events, where the ``kinds`` count as purchases; a rating counts only at ``rating_at`` stars or
        more (a shop that logs ratings but no orders still gets popularity, co-occurrence and a held-out truth)."""
        positive = np.isin(self.kinds, list(kinds))
        rated = self.kinds == "rating"
        positive[rated] &= np.nan_to_num(self.values[rated], nan=-np.inf) >= float(rating_at)
        return Interactions(
            self.users, self.items, self.ts, self.kinds, self.quantities, self.orders, self.values, positive
        )

    @classmethod
    def from_rows(cls, rows):
        """Rows of (user, item, ts datetime|date|float, kind, quantity, order[, value]); quantity, order and value
        may be None."""
        users, items, ts, kinds, quantities, orders, values = [], [], [], [], [], [], []
        for user, item, when, kind, quantity, order, *value in rows:
            users.append(user)
            items.append(item)
            ts.append(_to_seconds(when))
            kinds.append(str(kind))
            quantities.append(1 if quantity is None else int(quantity))
            orders.append("" if order is None else str(order))
            values.append(np.nan if not value or value[0] is None else float(value[0]))
        return cls(
            _id_array(users),
            _id_array(items),
            np.asarray(ts, dtype=np.float64),
            np.asarray(kinds, dtype=str),
            np.asarray(quantities, dtype=np.int64),
            np.asarray(orders, dtype=str),
            np.asarray(values, dtype=np.float64),
        )

    def __len__(self):
        return len(self.users)

    def subset(self, mask):
        return Interactions(
            self.users[mask],
            self.items[mask],
            self.ts[mask],
            self.kinds[mask],
            self.quantities[mask],
            self.orders[mask],
            self.values[mask],
            self.positive[mask],
        )

    def before(self, cut):
        return self.subset(self.ts < cut)

    def positives(self):
        """The events that count as purchases (``with_positives``)."""
        return self.subset(self.positive)


class Vocab:
    """A stable mapping between external ids and 0..n-1."""

    def __init__(self, ids):
        self.ids = list(dict.fromkeys(ids))
        self.index = {v: i for i, v in enumerate(self.ids)}

    def __len__(self):
        return len(self.ids)

    def encode(self, values, missing=-1):
        get = self.index.get
        return np.fromiter((get(v, missing) for v in values), dtype=np.int64, count=len(values))


def plain(value):
    """A numpy scalar as a plain Python value (JSON-friendly ids)."""
    return value.item() if isinstance(value, np.generic) else value


def holdout_split(interactions, days, now=None):
    """(train, test, cut): test holds the events at or after cut = now - days (now defaults to the last event)."""
    end = float(interactions.ts.max()) if now is None else _to_seconds(now)
    cut = end - days * DAY
    return interactions.subset(interactions.ts < cut), interactions.subset(interactions.ts >= cut), cut


@dataclass
class Holdout:
    """The held-out window a model is judged on: its split, truth and what it holds."""

    train: Interactions
    test: Interactions
    cut: float
    end: float
    truth: dict
    bought: dict

    @property
    def days(self):
        return round((self.end - self.cut) / DAY, 1)

    def describe(self):
        """The window as stored on a model version: where it starts and ends and what it was judged on."""
        products = set().union(*self.truth.values()) if self.truth else set()
        return {
            "holdout_start": self.cut,
            "holdout_end": self.end,
            "holdout_days": self.days,
            "holdout_events": len(self.test),
            "evaluated_users": len(self.truth),
            "evaluated_products": len(products),
            "judged_on": {"users": len(self.truth), "products": len(products)},
        }


def choose_holdout(interactions, days, *, min_users=1, max_share=0.5, now=None):
    """Return the newest window that can judge a model: ``days`` before the newest event (or ``now``), doubled
    while it has fewer than ``min_users`` evaluable users, but never reaching back past the newest ``max_share`` of
    the events. Raise NotEnoughData when even the widest window is too thin to judge."""
    end = float(interactions.ts.max()) if now is None else _to_seconds(now)
    widest = float(np.quantile(interactions.ts, 1.0 - max_share)) if len(interactions) else end
    span = float(days)
    while True:
        cut = end - span * DAY
        if span > days:
            cut = max(cut, widest)
        train, test = interactions.subset(interactions.ts < cut), interactions.subset(interactions.ts >= cut)
        truth, bought = holdout_truth(train, test)
        holdout = Holdout(train, test, cut, end, truth, bought)
        if len(truth) >= min_users or cut <= widest or not len(train):
            break
        span *= 2
    if len(truth) < min_users:
        # An evaluable user bought before the window and something new in it (DESIGN section 7).
        raise NotEnoughData(len(truth), min_users, f"evaluable users in the held-out newest {holdout.days:g} days")
    return holdout


def holdout_truth(train, test):
    """DESIGN section 7: {user: set(new items)} for users with train history who buy, in test, at least one
    train-known item they never bought in train; plus {user: set(train-purchased items)} for the exclusions."""
    known_users = set(train.users.tolist())
    known_items = set(train.items.tolist())
    bought = {}
    tp = train.positives()
    for u, i in zip(tp.users.tolist(), tp.items.tolist(), strict=True):
        bought.setdefault(u, set()).add(i)
    truth = {}
    sp = test.positives()
    for u, i in zip(sp.users.tolist(), sp.items.tolist(), strict=True):
        if u in known_users and i in known_items and i not in bought.get(u, ()):
            truth.setdefault(u, set()).add(i)
    return truth, bought
