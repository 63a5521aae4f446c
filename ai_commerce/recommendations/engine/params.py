"""Hyperparameters of the recommendation engine (no TensorFlow)."""

from __future__ import annotations

import copy
from dataclasses import field, make_dataclass
from difflib import get_close_matches

# Tuned on an inner validation split of Online Retail's training window (bench/recommendations.py --tune: the 30 days
# before the test window, never the test window itself); tiny shops train in seconds with the same values.
DEFAULTS = {
    # protocol
    "holdout_days": 30,            # evaluation window (DESIGN section 7), counted back from the newest event
    "holdout_min_users": 10,       # fewer evaluable users than this: the window doubles until it has them ...
    "holdout_max_share": 0.5,      # ... but never holds more than this share of the events (then: skipped)
    # fewer evaluable users than this in the held-out window: the gate also judges on each evaluable user's newest
    # per_user_share of purchases (.taste), averaging both splits over their users, with a noise guard (.gate)
    "holdout_decide_users": 200,
    "per_user_share": 0.2,
    "label_days": 30,              # the ranker's inner label window, before the evaluation window
    "label_windows": 1,            # how many such windows, each label_days earlier, the ranker learns from
    # when those windows label fewer than holdout_decide_users users, the ranker also learns from the per-user split
    # of the same events (each user's newest purchases held out, .taste)
    "per_user_labels": True,
    "eval_k": 10,
    "metric": "recall_at_10",      # what the gate compares (the capability's key metric): recall_at_k or ndcg_at_k
    # minimum data
    "min_events": 20,
    "min_users": 3,
    "min_items": 3,
    # which events count as purchases (popularity, trending, co-purchase, the held-out truth, "already bought");
    # a rating counts only at rating_positive_at stars or more. A shop that logs ratings but no orders adds "rating".
    "positive_kinds": ["purchase"],
    "rating_positive_at": 4.0,
    # event weights and time decay
    "kind_weights": {"purchase": 1.0, "cart": 0.5, "wishlist": 0.4, "rating": 0.6, "view": 0.15},
    "profile_decay_days": 90.0,    # the user's profile (kNN / co-purchase scores, category affinity)
    "trend_days": 14,              # the "recent" window of trending
    # item-item neighbourhoods
    "knn_neighbours": 200,
    # candidate sources and how many candidates each gives per user
    # the sources of scores (.registry): those the ranker consumes, and those judged alone as baselines (the best
    # baseline serves when the learned system loses to it)
    "sources": ["two_tower", "als", "item_knn", "co_purchase", "recent_popularity", "trending", "repeat_category",
                "ease", "rp3beta"],
    "baselines": ["popularity", "recent_popularity", "item_knn", "als", "ease", "rp3beta"],
    "candidates_per_source": 100,
    # choose the sources and the ranker per shop on a validation window inside the training window (the
    # holdout_days before the held-out window): for up to select_rounds rounds, the source whose removal raises
    # validation Recall@10 most (by more than select_min_gain) is dropped; then the best of select_rankers is kept.
    "select": True,
    "select_max_users": 2000,
    "select_min_gain": 0.001,
    "select_rounds": 2,
    "select_rankers": ["hgb", "tfrs"],
    "select_label_windows": 2,     # then 1 to this many label windows for the ranker (label_windows)
    # the collaborative-filtering source and the ALS baseline (implicit)
    "als_factors": 64,
    "als_regularization": 0.05,
    "als_iterations": 15,
    "als_threads": 0,              # implicit's own threads (0: every core); its results do not depend on them
    # EASE (Steck 2019): L2 strength; the dense closed form inverts an (items x items) matrix up to this many items,
    # a larger catalogue is pruned to its most interacted items
    "ease_lambda": 200.0,
    "ease_max_items": 6000,
    # RP3beta: transition exponent, popularity penalty, neighbours kept per item
    "rp3_alpha": 1.0,
    "rp3_beta": 0.5,
    "rp3_neighbours": 200,
    # a personal source explains a pick ("bought with X") when the pick is among its own best this many
    "reason_rank": 20,
    # two-tower retrieval model (TFRS)
    "tt_dim": 32,
    "tt_history": 10,
    "tt_epochs": 3,
    "tt_batch": 2048,
    "tt_learning_rate": 0.05,
    "tt_temperature": 0.1,
    "tt_decay_days": 120.0,        # sample_weight = kind weight * exp(-age / tt_decay_days)
    # popularity (logQ) correction strength, via candidate_sampling_probability ** tt_logq: 0 = off, 1 = full.
    # Off won on Online Retail's inner validation split (R@10 0.109 vs 0.095 full, 0.092 half): shoppers there buy
    # the popular items, and the ranker gets popularity as features anyway. Set 1.0 for long-tail discovery.
    "tt_logq": 0.0,
    "tt_text_buckets": 4096,
    "tt_text_tokens": 16,
    "tt_seed": 7,
    # learned ranker: "hgb" (scikit-learn HistGradientBoosting), "tfrs" (a TFRS ranking MLP) or "none" (rank fusion)
    "ranker": "tfrs",
    "ranker_iterations": 200,
    "ranker_learning_rate": 0.08,
    "ranker_leaves": 31,
    "ranker_negative_rate": 0.3,
    "ranker_max_users": 5000,
    "ranker_epochs": 8,            # tfrs ranker only
    # the ranker's order blended with one source's own order (.blend): weight 0 = the ranker alone, 1 = the
    # anchor alone; the selection chooses both on validation (the source best alone there, the best weight)
    "anchor": "",
    "anchor_weight": 0.0,
    "seed": 7,
}


def default_params():
    """A fresh copy of the defaults (safe to mutate)."""
    return copy.deepcopy(DEFAULTS)


def _field(value):
    return field(default_factory=lambda: copy.deepcopy(value)) if isinstance(value, list | dict) else field(
        default=value)


# the parameters that must be positive, and the shares that must lie in (0, 1]
POSITIVE = ("holdout_days", "label_days", "label_windows", "eval_k", "profile_decay_days", "trend_days",
            "knn_neighbours", "candidates_per_source", "select_rounds", "als_factors", "als_iterations",
            "ease_lambda", "ease_max_items", "rp3_neighbours", "reason_rank", "tt_dim", "tt_epochs", "tt_batch",
            "tt_decay_days", "ranker_iterations", "ranker_max_users", "select_max_users")
SHARES = ("holdout_max_share", "per_user_share")


class _Checks:
    """The engine's parameters: every key of ``DEFAULTS`` with its default, checked on creation (a name that does
    not exist, a value of the wrong type, a count that is not positive, an unknown source) with a ValueError that
    names the parameter. ``Params.of(mapping).as_dict()`` is what the engine reads."""

    def __post_init__(self):
        for name, default in DEFAULTS.items():
            value = getattr(self, name)
            numeric = isinstance(default, int | float) and not isinstance(default, bool)
            if numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError(f"PARAMS['{name}'] = {value!r} must be a number (default {default!r})")
            if not numeric and not isinstance(value, type(default)):
                raise ValueError(f"PARAMS['{name}'] = {value!r} must be a {type(default).__name__} "
                                 f"(default {default!r})")
        for name in POSITIVE:
            if getattr(self, name) <= 0:
                raise ValueError(f"PARAMS['{name}'] = {getattr(self, name)!r} must be more than 0")
        for name in SHARES:
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"PARAMS['{name}'] = {getattr(self, name)!r} must be a share in (0, 1]")
        allowed = (f"recall_at_{self.eval_k}", f"ndcg_at_{self.eval_k}")
        if self.metric not in allowed:
            raise ValueError(f"PARAMS['metric'] = {self.metric!r} must be one of {', '.join(allowed)}")
        from .registry import SOURCES

        for key in ("sources", "baselines"):
            unknown = [name for name in getattr(self, key) if name not in SOURCES]
            if unknown:
                raise ValueError(f"PARAMS['{key}'] names unknown source(s) {', '.join(map(repr, unknown))}; known: "
                                 f"{', '.join(sorted(SOURCES))}")
        if self.anchor and self.anchor not in SOURCES:
            raise ValueError(f"PARAMS['anchor'] = {self.anchor!r} is not a known source; known: "
                             f"{', '.join(sorted(SOURCES))}")
        if not 0 <= self.anchor_weight <= 1:
            raise ValueError(f"PARAMS['anchor_weight'] = {self.anchor_weight!r} must lie in [0, 1]")
        if not self.baselines:
            raise ValueError("PARAMS['baselines'] is empty: the gate needs at least one baseline to judge against")

    @classmethod
    def of(cls, mapping=None):
        """``Params`` from a mapping of overrides (unknown names refused, with the closest known one)."""
        mapping = dict(mapping or {})
        unknown = sorted(set(mapping) - set(DEFAULTS))
        if unknown:
            hints = [f"{name} (did you mean {close[0]}?)" if (close := get_close_matches(name, DEFAULTS, 1)) else name
                     for name in unknown]
            raise ValueError(f"unknown recommendation parameter(s): {', '.join(hints)}")
        return cls(**mapping)

    def as_dict(self):
        return {name: copy.deepcopy(getattr(self, name)) for name in DEFAULTS}


Params = make_dataclass("Params", [(name, type(value), _field(value)) for name, value in DEFAULTS.items()],
                        bases=(_Checks,))
Params.__doc__, Params.__module__ = _Checks.__doc__, __name__


def validated(params=None):
    """The defaults with ``params`` over them, checked (``Params``), as the dict the engine reads."""
    return Params.of(params).as_dict()
