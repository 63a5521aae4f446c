"""The timing of repeat purchases, shared by the trainer (``engine.repurchase``) and serving (``buy_again``): the
features of a (shopper, product) pair and the score of the learned model, with numpy only (no Django, no
scikit-learn), so that both compute exactly the same numbers.

    history = shopper_history([(product_id, occurred_at_seconds), ...], now_seconds)   # one shopper's products
    feats = feature_arrays(times, days_since, own_interval, cycle_days, repeat_share, user_days, recent_times,
                           recent_buyers)                                                # {name: array}
    scores = learned_scores(model, feats)        # model: RepurchaseModel.to_dict(), as stored on the version
    scores = top_frequency_scores(times, days_since)   # P-TopFreq: most often bought, the most recent first on ties

A purchase *day* is a distinct calendar day (UTC) with at least one purchase of the product: two lines of one order,
or two orders in one afternoon, are one purchase.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np

DAY = 86400.0
#: The features, in the order of the model's coefficients.
FEATURES = ("log_times", "log_days_since", "log_due", "log_due_squared", "own_due", "repeat_logit", "share_of_orders",
            "log_recent_times", "log_recent_buyers")
#: The time scale, in days, of the recency-weighted count of purchase days.
RECENT_DAYS = 60.0
#: A product's recent buyers are those of the newest RECENT_WINDOW days.
RECENT_WINDOW = 30.0


@dataclass(frozen=True)
class ProductHistory:
    """One shopper's purchases of one product: on how many days, how many days ago the last was, their own median
    interval (NaN under two intervals), their mean interval (NaN after one purchase day), and the purchase days
    weighed by recency; ``days_ago`` counts calendar days (UTC) from the last purchase to ``now``, for the reasons."""

    times: int
    days_since: float
    days_ago: int
    own_interval: float
    mean_interval: float
    recent_times: float


def purchase_days(timestamps):
    """The distinct purchase days (day numbers) of ``timestamps`` (seconds), in order."""
    return sorted({math.floor(float(ts) / DAY) for ts in timestamps})


def product_history(days, now):
    """The ``ProductHistory`` of one product's purchase ``days`` (day numbers, sorted) at ``now`` (seconds)."""
    gaps = [float(b - a) for a, b in itertools.pairwise(days)]
    today = now / DAY
    return ProductHistory(
        times=len(days),
        days_since=today - (days[-1] + 0.5),
        days_ago=math.floor(today) - days[-1],
        own_interval=float(np.median(gaps)) if len(gaps) >= 2 else math.nan,
        mean_interval=sum(gaps) / len(gaps) if gaps else math.nan,
        recent_times=float(sum(math.exp(-(today - (day + 0.5)) / RECENT_DAYS) for day in days)),
    )


def shopper_history(purchases, now):
    """({product: ProductHistory}, the shopper's count of distinct purchase days) of one shopper's ``purchases``,
    (product, seconds) pairs, before ``now`` (seconds)."""
    days, all_days = {}, set()
    for product, ts in purchases:
        if float(ts) < now:
            day = math.floor(float(ts) / DAY)
            days.setdefault(product, set()).add(day)
            all_days.add(day)
    return {product: product_history(sorted(found), now) for product, found in days.items()}, len(all_days)


def feature_arrays(times, days_since, own_interval, cycle_days, repeat_share, user_days, recent_times, recent_buyers):
    """The features ({name: array}, ``FEATURES``) of pairs given as parallel arrays: purchase days of the product,
    days since the last, the shopper's own median interval (NaN when unknown), the product's cycle in days and
    repeat share, the shopper's purchase days in all, their recency-weighted purchase days of the product, and the
    product's recent buyers."""
    times, days_since, own_interval, cycle_days, repeat_share, user_days, recent_times, recent_buyers = (
        np.asarray(value, dtype=float) for value in (times, days_since, own_interval, cycle_days, repeat_share,
                                                     user_days, recent_times, recent_buyers))
    days_since = np.maximum(days_since, 0.5)
    due = np.log(days_since / np.maximum(cycle_days, 1.0))
    own = np.where(np.isfinite(own_interval),
                   np.abs(np.log(days_since / np.maximum(np.nan_to_num(own_interval, nan=1.0), 1.0))), 0.0)
    share = np.clip(repeat_share, 1e-4, 1 - 1e-4)
    return {
        "log_times": np.log1p(times),
        "log_days_since": np.log1p(days_since),
        "log_due": due,
        "log_due_squared": due**2,
        "own_due": own,
        "repeat_logit": np.log(share / (1 - share)),
        "share_of_orders": times / np.maximum(user_days, 1.0),
        "log_recent_times": np.log1p(recent_times),
        "log_recent_buyers": np.log1p(recent_buyers),
    }


def learned_scores(model, feats):
    """The learned model's probability that each pair of ``feats`` is bought again soon; ``model`` is the dict it
    is stored as (standardisation ``mean`` and ``scale``, ``coef``, ``intercept``, over ``features``)."""
    if list(model["features"]) != list(FEATURES):
        raise ValueError(f"a repurchase model over {model['features']}, not {list(FEATURES)}")
    n = len(feats[FEATURES[0]])
    x = np.column_stack([feats[name] for name in FEATURES]) if n else np.zeros((0, len(FEATURES)))
    z = ((x - np.asarray(model["mean"])) / np.asarray(model["scale"])) @ np.asarray(model["coef"]) + model["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def top_frequency_scores(times, days_since):
    """P-TopFreq: the purchase days of each pair, the most recent first on ties."""
    return np.asarray(times, dtype=float) - np.minimum(np.asarray(days_since, dtype=float), 1e5) / 1e6
