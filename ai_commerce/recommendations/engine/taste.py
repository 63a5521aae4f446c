"""The per-user split: each evaluable user's newest purchases held out, whoever they are and whenever they bought
(no TensorFlow). It judges taste where the newest window judges time, and it is used when the newest window holds
too few users to decide (``PARAMS["holdout_decide_users"]``); the gate (``.gate.choose_on_splits``) then reads both.

A user is evaluable with at least two distinct purchased items: their newest ``per_user_share`` (20%, at least one,
never all) by first purchase are held out, with every event of theirs from the first held-out purchase on; the
truth is the held-out items that the rest of the shop's training events know and that the user had not bought
before. The split's cut is just after the newest event: every other user's events are training events."""

from __future__ import annotations

import math

import numpy as np

from .data import Holdout, holdout_truth


class UserHoldout(Holdout):
    def describe(self):
        products = set().union(*self.truth.values()) if self.truth else set()
        return {"split": "per_user", "evaluated_users": len(self.truth), "evaluated_products": len(products),
                "holdout_events": len(self.test)}


def per_user_holdout(interactions, share, end):
    """The per-user split of ``interactions`` (purchases marked) at ``end`` (the newest event)."""
    pos = interactions.positives()
    first = {}
    for u, i, t in zip(pos.users.tolist(), pos.items.tolist(), pos.ts.tolist(), strict=True):
        key = (u, i)
        if t < first.get(key, math.inf):
            first[key] = t
    by_user = {}
    for (u, i), t in first.items():
        by_user.setdefault(u, []).append((t, str(i), i))
    held_from = {}
    for u, items in by_user.items():
        if len(items) < 2:
            continue
        items.sort()
        n_held = min(len(items) - 1, max(1, round(share * len(items))))
        held_from[u] = items[-n_held][0]
    since = np.array([held_from.get(u, math.inf) for u in interactions.users.tolist()], dtype=np.float64)
    test_mask = interactions.ts >= since
    train, test = interactions.subset(~test_mask), interactions.subset(test_mask)
    truth, bought = holdout_truth(train, test)
    truth = {u: items for u, items in truth.items() if u in bought}  # judged: users who bought before their cut
    return UserHoldout(train, test, float(end) + 1e-3, float(end), truth, bought)
