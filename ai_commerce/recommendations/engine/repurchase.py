"""Buy it again: which of the products a shopper bought before they are likely to buy again soon (no Django, no
TensorFlow; scikit-learn only inside ``RepurchaseModel.fit``, which runs in workers).

    histories = Histories.of(interactions.positives(), now)   # each shopper's purchase days per product, up to now
    cycles = product_cycles(histories)                         # each product's typical interval between purchases
    model = RepurchaseModel.fit(train, window_days=30)         # learns on a time split inside ``train``
    scores = model.score(features(histories, cycles))          # one score per (shopper, product) pair
    judged = judge(interactions, window_days=30)               # learned vs P-TopFreq on the newest window: the gate

A product's *cycle* is the median number of days between two purchases of it by the same shopper, over the shop's
repeat buyers (shrunk towards the shop's median when few shoppers bought it twice), and its *repeat share* the share of
its buyers who bought it again. A shopper's product is due when the days since they last bought it approach its
cycle, or their own interval when they bought it three times or more. The learned model is a logistic regression on
these timing features (due-ness, how often and how recently they bought it, how repeatable the product is), fitted on
a time split inside the training events: features from before an inner cut, labels = bought again in the window of
``window_days`` after it. Its coefficients are plain numbers, so serving scores with a dot product; the features and
the score are ``repurchase_timing``'s, which serving shares.

The baseline is P-TopFreq (each shopper's most often bought products, the most recent first on ties), the simple
repeat recommender that next-basket studies find hard to beat (Li et al., "A Next Basket Recommendation Reality
Check", TOIS 2023). ``judge`` scores both on the newest ``window_days`` (the truth: the products a shopper bought before
the cut and bought again in the window) and says which serves: the learned model only when it scores higher by more
than one shopper's worth (``gate.noise``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..key_metrics import KEY_METRIC, KEY_METRIC_LABEL
from ..repurchase_timing import DAY, FEATURES, RECENT_DAYS, RECENT_WINDOW, feature_arrays, learned_scores
from ..repurchase_timing import top_frequency_scores as _top_frequency
from .data import Interactions
from .evaluate import evaluate_lists
from .gate import noise

#: Shrinkage (in shoppers) of a product's cycle and repeat share towards the shop's.
PRIOR_WEIGHT = 3.0
METRIC = KEY_METRIC  # the capability's key metric (Recall@10), as the issue judges buy it again


@dataclass
class Histories:
    """Each (shopper, product) pair bought before ``now``: on how many distinct days, the last of them (days before
    ``now``), and the shopper's own median interval in days (NaN under two intervals); and each shopper's count of
    distinct purchase days. Parallel arrays, one row per pair."""

    users: np.ndarray
    items: np.ndarray
    times: np.ndarray
    days_since: np.ndarray
    own_interval: np.ndarray
    recent_times: np.ndarray  # the distinct days, each weighed by exp(-its age / RECENT_DAYS)
    gaps: dict  # {item: np.ndarray of intervals in days between consecutive purchases by the same shopper}
    user_days: dict  # {user: distinct purchase days}
    now: float

    @classmethod
    def of(cls, purchases: Interactions, now=None):
        """The histories of ``purchases`` (events that count as purchases) before ``now`` (default: the newest)."""
        now = float(purchases.ts.max()) + 1.0 if now is None and len(purchases) else float(now or 0.0)
        keep = purchases.ts < now
        users, items, days = purchases.users[keep], purchases.items[keep], np.floor(purchases.ts[keep] / DAY)
        if not len(users):
            empty = np.array([], dtype=float)
            return cls(users, items, empty, empty, empty, empty, {}, {}, now)
        user_codes, user_ids = _codes(users)
        item_codes, item_ids = _codes(items)
        triples = np.unique(np.stack([user_codes, item_codes, days.astype(np.int64)], axis=1), axis=0)
        pair_key = triples[:, 0] * (len(item_ids) + 1) + triples[:, 1]
        starts = np.flatnonzero(np.r_[True, pair_key[1:] != pair_key[:-1]])
        counts = np.diff(np.r_[starts, len(triples)])
        last_day = triples[np.r_[starts[1:], len(triples)] - 1, 2]
        recent = np.add.reduceat(np.exp(-(now / DAY - (triples[:, 2] + 0.5)) / RECENT_DAYS), starts)
        gap = np.diff(triples[:, 2]).astype(float)
        same = pair_key[1:] == pair_key[:-1]
        gap_items, gap_values, gap_pairs = triples[1:, 1][same], gap[same], np.searchsorted(starts, np.flatnonzero(
            same) + 1, side="right") - 1
        own = np.full(len(starts), np.nan)
        order = np.argsort(gap_pairs, kind="stable")
        for pair, values in _groups(gap_pairs[order], gap_values[order]):
            if len(values) >= 2:
                own[pair] = float(np.median(values))
        gaps = {item_ids[code]: values for code, values in _groups(*_sorted(gap_items, gap_values))}
        user_day_pairs = np.unique(triples[:, [0, 2]], axis=0)
        user_codes_of_days, user_day_counts = np.unique(user_day_pairs[:, 0], return_counts=True)
        user_days = {user_ids[code].item() if isinstance(user_ids[code], np.generic) else user_ids[code]: int(n)
                     for code, n in zip(user_codes_of_days, user_day_counts, strict=True)}
        return cls(user_ids[triples[starts, 0]], item_ids[triples[starts, 1]], counts.astype(float),
                   now / DAY - (last_day + 0.5), own, recent, gaps, user_days, now)

    def __len__(self):
        return len(self.users)


def _codes(values):
    ids, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), ids


def _sorted(keys, values):
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]


def _groups(keys, values):
    """(key, values) for each run of equal ``keys`` (sorted)."""
    if not len(keys):
        return
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(keys)], strict=True):
        yield keys[start].item() if isinstance(keys[start], np.generic) else keys[start], values[start:end]


@dataclass
class Cycle:
    """A product's repeat-purchase cycle: the typical days between two purchases by one shopper (shrunk towards the
    shop's), the share of its buyers who bought it again (shrunk likewise), and how many did."""

    days: float
    repeat_share: float
    buyers: int
    repeat_buyers: int
    recent_buyers: int = 0  # shoppers who bought it in the newest RECENT_WINDOW days


@dataclass
class Cycles:
    """Each product's ``Cycle``, and the shop's own (for a product nobody bought twice)."""

    products: dict
    shop: Cycle

    def of(self, item):
        return self.products.get(item, Cycle(self.shop.days, self.shop.repeat_share * 0.5, 0, 0, 0))

    @property
    def has_repeats(self):
        return self.shop.repeat_buyers > 0


def product_cycles(histories: Histories, prior_weight=PRIOR_WEIGHT):
    """Each product's ``Cycle`` from the shoppers' histories, and the shop's; a product never bought twice by one
    shopper has the shop's cycle and a repeat share shrunk towards 0."""
    buyers, repeaters, recent = {}, {}, {}
    for item, times, days in zip(histories.items.tolist(), histories.times.tolist(), histories.days_since.tolist(),
                                 strict=True):
        buyers[item] = buyers.get(item, 0) + 1
        repeaters[item] = repeaters.get(item, 0) + (times >= 2)
        recent[item] = recent.get(item, 0) + (days <= RECENT_WINDOW)
    all_gaps = np.concatenate(list(histories.gaps.values())) if histories.gaps else np.array([])
    total_buyers, total_repeaters = sum(buyers.values()), sum(repeaters.values())
    shop_days = float(np.median(all_gaps)) if len(all_gaps) else 30.0
    shop_share = total_repeaters / total_buyers if total_buyers else 0.0
    shop = Cycle(shop_days, shop_share, total_buyers, total_repeaters)
    products = {}
    for item, n in buyers.items():
        gaps = histories.gaps.get(item)
        k = repeaters[item]
        median = math.log(max(float(np.median(gaps)), 1.0)) if gaps is not None and len(gaps) else math.log(shop_days)
        days = math.exp((k * median + prior_weight * math.log(max(shop_days, 1.0))) / (k + prior_weight))
        share = (k + prior_weight * shop_share) / (n + prior_weight)
        products[item] = Cycle(round(days, 2), round(share, 4), n, k, recent[item])
    return Cycles(products, shop)


def features(histories: Histories, cycles: Cycles):
    """The timing features of every pair of ``histories`` ({name: array}, in ``FEATURES``)."""
    cycle_days = np.array([cycles.of(item).days for item in histories.items.tolist()], dtype=float)
    share = np.array([cycles.of(item).repeat_share for item in histories.items.tolist()], dtype=float)
    recent_buyers = np.array([cycles.of(item).recent_buyers for item in histories.items.tolist()], dtype=float)
    user_days = np.array([histories.user_days.get(user, 1) for user in histories.users.tolist()], dtype=float)
    return feature_arrays(histories.times, histories.days_since, histories.own_interval, cycle_days, share, user_days,
                           histories.recent_times, recent_buyers)


@dataclass
class RepurchaseModel:
    """A logistic regression over ``FEATURES``: standardised inputs (``mean``, ``scale``), ``coef`` and
    ``intercept``; plain floats, stored with a version and read by serving."""

    mean: list
    scale: list
    coef: list
    intercept: float
    fitted_on: dict = field(default_factory=dict)

    def score(self, feats):
        """The probability-like score of each row of ``feats`` ({name: array})."""
        return learned_scores(self.to_dict(), feats)

    def to_dict(self):
        return {"features": list(FEATURES), "mean": self.mean, "scale": self.scale, "coef": self.coef,
                "intercept": self.intercept, "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, data):
        if list(data.get("features", ())) != list(FEATURES):
            raise ValueError("a repurchase model of other features")
        return cls(data["mean"], data["scale"], data["coef"], data["intercept"], data.get("fitted_on", {}))

    @classmethod
    def fit(cls, purchases: Interactions, window_days=30.0):
        """Learn from a time split inside ``purchases``: features from before ``end - window_days``, labels = bought
        again within the window (only shoppers who bought anything in it, as only they can be judged). Return None
        when the split holds no repurchase to learn from."""
        from sklearn.linear_model import LogisticRegression

        if not len(purchases):
            return None
        end = float(purchases.ts.max()) + 1.0
        cut = end - window_days * DAY
        before = Histories.of(purchases, cut)
        after = purchases.subset(purchases.ts >= cut)
        again = set(zip(after.users.tolist(), after.items.tolist(), strict=True))
        active = set(after.users.tolist())
        keep = np.fromiter((user in active for user in before.users.tolist()), dtype=bool, count=len(before))
        labels = np.fromiter(((u, i) in again for u, i in zip(before.users.tolist(), before.items.tolist(),
                                                              strict=True)), dtype=bool, count=len(before))[keep]
        if labels.sum() < 5 or labels.all():
            return None
        feats = features(before, product_cycles(before))
        x = np.column_stack([feats[name][keep] for name in FEATURES])
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        fitted = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, labels)
        return cls([float(v) for v in mean], [float(v) for v in scale], [float(v) for v in fitted.coef_[0]],
                   float(fitted.intercept_[0]), {"pairs": int(keep.sum()), "bought_again": int(labels.sum()),
                                                 "window_days": float(window_days)})


def top_frequency_scores(histories: Histories):
    """P-TopFreq: how often the shopper bought each product, the most recent first on ties."""
    return _top_frequency(histories.times, histories.days_since)


def ranked_lists(histories: Histories, scores, k=10):
    """{user: [item, ...]}: each shopper's products by ``scores``, best first, at most ``k``."""
    order = np.lexsort((-scores, _codes(histories.users)[0]))
    lists = {}
    for index in order.tolist():
        row = lists.setdefault(histories.users[index].item() if isinstance(histories.users[index], np.generic)
                               else histories.users[index], [])
        if len(row) < k:
            row.append(histories.items[index].item() if isinstance(histories.items[index], np.generic)
                       else histories.items[index])
    return lists


def repurchase_truth(train: Interactions, test: Interactions):
    """{user: set(products)}: the products each shopper bought before the cut and bought again after it."""
    bought = {}
    for user, item in zip(train.users.tolist(), train.items.tolist(), strict=True):
        bought.setdefault(user, set()).add(item)
    truth = {}
    for user, item in zip(test.users.tolist(), test.items.tolist(), strict=True):
        if item in bought.get(user, ()):
            truth.setdefault(user, set()).add(item)
    return truth


@dataclass
class Judgement:
    """What the gate read: the window, its truth's size, each system's Recall@10 and NDCG@10, what serves and why."""

    served: str  # "learned", "p_topfreq" or "off"
    reason: str
    learned: dict | None = None
    baseline: dict | None = None
    window: dict = field(default_factory=dict)
    model: RepurchaseModel | None = None

    def to_dict(self):
        return {"served": self.served, "reason": self.reason, "learned": self.learned, "p_topfreq": self.baseline,
                **self.window}


def judge(interactions: Interactions, window_days=30.0, min_users=1, k=10):
    """Judge the learned model against P-TopFreq on the newest ``window_days`` of ``interactions`` (the learned
    model fitted on the events before the window only) and say which serves: the learned one when its Recall@k is
    higher, P-TopFreq when it is not, nothing ("off") when no shopper bought a product twice."""
    purchases = interactions.positives()
    if not len(purchases):
        return Judgement("off", "No purchases yet, so nothing can be bought again.")
    end = float(purchases.ts.max())
    cut = end - window_days * DAY  # the engine's split (``data.holdout_split``): test is t >= newest - window
    train, test = purchases.subset(purchases.ts < cut), purchases.subset(purchases.ts >= cut)
    everything = Histories.of(purchases, end + 1.0)
    if not product_cycles(everything).has_repeats:
        return Judgement("off", "No shopper has bought the same product twice (on two days), so nothing shows what "
                                "shoppers buy again: buy it again is off.")
    window = {"holdout_days": float(window_days), "holdout_start": cut, "holdout_end": end}
    truth = repurchase_truth(train, test)
    window["evaluated_users"] = len(truth)
    if len(truth) < min_users:
        return Judgement("p_topfreq", f"Only {len(truth)} shoppers bought a product again in the newest "
                                      f"{window_days:g} days (at least {min_users} are needed to judge the learned "
                                      "timing), so each shopper's most often bought products serve.", window=window)
    model = RepurchaseModel.fit(train, window_days)
    histories = Histories.of(train, cut)
    baseline = evaluate_lists(ranked_lists(histories, top_frequency_scores(histories), k), truth, k)
    if model is None:
        return Judgement("p_topfreq", "Too few repurchases before the held-out window to learn their timing, so each "
                                      "shopper's most often bought products serve.", baseline=baseline, window=window)
    learned = evaluate_lists(ranked_lists(histories, model.score(features(histories, product_cycles(histories))), k),
                             truth, k)
    name = KEY_METRIC_LABEL
    where = f"on the newest {window_days:g} days ({len(truth)} shoppers who bought again)"
    # Ahead by more than one shopper's worth (``gate.noise``): a smaller lead is not evidence.
    if learned[METRIC] > baseline[METRIC] + noise(len(truth)):
        reason = (f"The repurchase timing's {name} {learned[METRIC]:.4f} {where} beats each shopper's most often "
                  f"bought products ({baseline[METRIC]:.4f}) by more than one shopper's worth, so it serves.")
        return Judgement("learned", reason, learned, baseline, window, model)
    reason = (f"The repurchase timing's {name} {learned[METRIC]:.4f} {where} does not beat each shopper's most often "
              f"bought products ({baseline[METRIC]:.4f}) by more than one shopper's worth ({noise(len(truth)):.4f}), "
              "so those serve.")
    return Judgement("p_topfreq", reason, learned, baseline, window, model)
