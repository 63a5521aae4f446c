"""Hyperparameters of the recommendation engine (no TensorFlow)."""

from __future__ import annotations

# Tuned on an inner validation split of Online Retail's training window (bench/recommendations.py --tune: the 30 days
# before the test window, never the test window itself); tiny shops train in seconds with the same values.
DEFAULTS = {
    # protocol
    "holdout_days": 30,            # evaluation window (DESIGN section 7), counted back from the newest event
    "holdout_min_users": 10,       # fewer evaluable users than this: the window doubles until it has them ...
    "holdout_max_share": 0.5,      # ... but never holds more than this share of the events (then: skipped)
    "label_days": 30,              # the ranker's inner label window, before the evaluation window
    "label_windows": 1,            # how many such windows, each label_days earlier, the ranker learns from
    "eval_k": 10,
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
    "seed": 7,
}


def default_params():
    """A fresh copy of the defaults (safe to mutate)."""
    import copy

    return copy.deepcopy(DEFAULTS)
