"""The learned system: candidate sources -> learned ranker, fitted at one point in time (no TensorFlow at import)."""

from __future__ import annotations

import numpy as np

from .blend import blended
from .data import DAY
from .pairs import chunk_size, chunks, pair_table, report_progress, top_per_user
from .ranker import Ranker
from .selection import fit_ranker

# what the selection chooses, stored in the metrics under these names
CONFIG = ("sources", "ranker", "ranker_iterations", "label_windows", "per_user_labels", "anchor", "anchor_weight")


class Engine:
    """Everything fitted for one point in time: the state (features at ``now``) and the ranker."""

    def __init__(self, state, ranker, sources, params):
        self.state, self.ranker, self.sources, self.params = state, ranker, list(sources), params

    def _feature_rows(self, users):
        rows, cols, feats, scores, _ = pair_table(self.state, users, self.sources, self.params)
        return rows, cols, feats, scores

    def rank(self, users, k):
        """(items (n x k) item indices, -1 padded; scores (n x k)) for user indices."""
        users = np.asarray(users, dtype=np.int64)
        out_items = np.full((len(users), k), -1, dtype=np.int64)
        out_scores = np.full((len(users), k), -np.inf)
        if len(users) == 0:
            return out_items, out_scores, {}
        rows, cols, feats, scores = self._feature_rows(users)
        s = self.ranker.score(feats) if len(rows) else np.zeros(0)
        s = blended(rows, s, feats, self.params.get("anchor", ""), float(self.params.get("anchor_weight", 0.0)))
        top = top_per_user(rows, cols, s, len(users), k)
        for r, picked in enumerate(top):
            out_items[r, : len(picked)] = [c for c, _ in picked]
            out_scores[r, : len(picked)] = [v for _, v in picked]
        # pad with popular items when a user has fewer than k candidates
        short = np.nonzero((out_items < 0).any(axis=1))[0]
        if len(short):
            pop = np.argsort(
                -(self.state.item_stats["pop_30"] + 1e-3 * self.state.item_stats["pop_all"]), kind="stable"
            )
            pop = pop[self.state.known_items[pop]]
            for r in short:
                have = set(out_items[r][out_items[r] >= 0].tolist())
                bought = set(self.state.purchased[users[r]].indices.tolist())
                fill = [j for j in pop[: k + len(have) + len(bought) + 1].tolist() if j not in have and j not in bought]
                free = np.nonzero(out_items[r] < 0)[0]
                for slot, j in zip(free, fill, strict=False):
                    out_items[r, slot] = j
                    out_scores[r, slot] = -1.0
        return out_items, out_scores, scores


def fit_engine(prep, now, params, on_progress=None, pct=(0, 100), cut=None):
    """Fit the ranker on an inner time split of the events before ``now`` (features before ``cut``, labels from
    ``cut`` to ``now``) and return the Engine at ``now``."""
    p = params
    sources = list(p["sources"])
    lo, hi = pct
    cut = now - float(p["label_days"]) * DAY if cut is None else cut
    report_progress(on_progress, lo + (hi - lo) * 0.05, "ranker features")
    pairs = None
    for back in range(int(p["label_windows"])):  # more windows, each label_days earlier: more to learn from
        shift = back * float(p["label_days"]) * DAY
        more = prep.labelled(cut - shift, now - shift, sources, int(p["ranker_max_users"]), pct=lo)
        pairs = more if pairs is None else pairs.join(more)
    if p["per_user_labels"]:
        pairs = prep.with_per_user(pairs, cut, sources, p, pct=lo)
    if pairs is None:
        ranker = Ranker("none", [])
    else:
        report_progress(on_progress, lo + (hi - lo) * 0.45, "training the ranker")
        ranker = fit_ranker(pairs, sources, p, p["ranker"])
    state = prep.state(now, sources, pct=lo + (hi - lo) * 0.6)
    return Engine(state, ranker, sources, p)


def rank_lists(engine, users, uv, iv, k):
    lists = {}
    for chunk in chunks(len(users), chunk_size(len(iv))):
        items, _, _ = engine.rank(users[chunk], k)
        for u, row in zip(users[chunk].tolist(), items.tolist(), strict=True):
            lists[uv.ids[u]] = [iv.ids[j] for j in row if j >= 0]
    return lists
