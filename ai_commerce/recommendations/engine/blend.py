"""The learned ranker's order blended with one source's own order (the "anchor", e.g. EASE), per user, by
weighted reciprocal rank: ``(1 - w) / (C + learned position) + w / (C + anchor position)``. At ``w = 0`` the
ranker alone decides, at ``w = 1`` the anchor alone (its top-k exactly), so a weight chosen on validation keeps
the learned system at or above its best source there. Pure numpy."""

from __future__ import annotations

import numpy as np

from .registry import SOURCES

C = 10.0  # reciprocal-rank offset: how much more the first places count than the tenth
WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # the blend weights the selection tries


def rank_feature(name):
    """The feature in which source ``name`` gives each pair's rank in its own order (lower is better), or None
    when it has none (it cannot anchor)."""
    cls = SOURCES.get(name)
    return next((f for f in (cls.features if cls else ()) if "rank" in f), None)


def positions(rows, better):
    """Each pair's 0-based place among its user's pairs when ordered by ``better`` (higher first; ties to the
    earlier pair)."""
    rows = np.asarray(rows)
    out = np.zeros(len(rows), dtype=np.float64)
    if not len(rows):
        return out
    order = np.lexsort((np.arange(len(rows)), -np.asarray(better, dtype=np.float64), rows))
    starts = np.searchsorted(rows[order], rows[order], side="left")
    out[order] = np.arange(len(rows)) - starts
    return out


def blended(rows, learned, feats, anchor, weight):
    """The pairs' final scores: ``learned`` (the ranker's) alone when there is no anchor or ``weight`` is 0."""
    learned = np.asarray(learned, dtype=np.float64)
    feature = rank_feature(anchor) if anchor else None
    if feature is None or feature not in feats or weight <= 0 or not len(learned):
        return learned
    anchor_rank = np.nan_to_num(np.asarray(feats[feature], dtype=np.float64), nan=np.inf, posinf=np.inf)
    mine = positions(rows, learned)
    theirs = positions(rows, -anchor_rank)
    return (1.0 - weight) / (C + mine) + weight / (C + theirs)
