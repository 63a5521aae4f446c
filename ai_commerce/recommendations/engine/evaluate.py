"""Ranking metrics of the temporal holdout protocol (DESIGN section 7): Recall@k and NDCG@k (no TensorFlow)."""

from __future__ import annotations

import math


def recall_at(ranked, truth, k=10):
    """hits in the first k / min(|truth|, k)."""
    if not truth:
        return 0.0
    hits = sum(1 for item in ranked[:k] if item in truth)
    return hits / min(len(truth), k)


def ndcg_at(ranked, truth, k=10):
    if not truth:
        return 0.0
    dcg = sum(1.0 / math.log2(pos + 2) for pos, item in enumerate(ranked[:k]) if item in truth)
    ideal = sum(1.0 / math.log2(pos + 2) for pos in range(min(len(truth), k)))
    return dcg / ideal


def evaluate_lists(lists, truth, k=10):
    """Mean Recall@k and NDCG@k over the users of ``truth`` ({user: set}); a user without a list scores 0."""
    users = list(truth)
    if not users:
        return {f"recall_at_{k}": 0.0, f"ndcg_at_{k}": 0.0, "n_users": 0}
    recall = sum(recall_at(list(lists.get(u, ())), truth[u], k) for u in users) / len(users)
    ndcg = sum(ndcg_at(list(lists.get(u, ())), truth[u], k) for u in users) / len(users)
    return {f"recall_at_{k}": round(recall, 5), f"ndcg_at_{k}": round(ndcg, 5), "n_users": len(users)}


def per_user(lists, truth, k, metric):
    """Each user's ``metric`` (recall_at_k or ndcg_at_k), in the order of ``truth``: for paired comparisons."""
    at = recall_at if metric.startswith("recall") else ndcg_at
    return [at(list(lists.get(u, ())), truth[u], k) for u in truth]
