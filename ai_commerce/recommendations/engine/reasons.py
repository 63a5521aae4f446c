"""Why each pick: the sources that scored it say "because ..." (``Source.because_many``), for the learned system and
a baseline served alone alike (no TensorFlow).

A pick is explained by a personal source (item-kNN, co-purchase, EASE, RP3beta, ALS, the two-tower model, or a
shop's own) that ranks it among its own best ``reason_rank`` for this user and names one of the user's items:
"bought with X" when the user bought X, "viewed X" otherwise. Else, from the learned system, "trending" (in its
category) when it is among the catalogue's trending items, else "popular"; from a source serving alone, that
source's own reason ("trending" for recent popularity, "popular" for popularity)."""

from __future__ import annotations

import numpy as np

from ..records import Rec
from .data import plain

REASONS = ("bought_with", "viewed", "bought_together", "similar", "trending", "popular")
__all__ = ["REASONS", "Explainer", "Rec"]


class Explainer:
    def __init__(self, state, meta, item_ids, within=None, alone=None):
        """``within``: a personal source explains a pick only among its own best this many (None: any rank);
        ``alone``: the source serving alone, whose own reason ("trending", "popular") is the fallback."""
        self.state, self.meta, self.ids, self.within, self.alone = state, meta, item_ids, within, alone
        trending = state.item_stats["trending"]
        self.trend_rank = np.argsort(np.argsort(-trending, kind="stable"), kind="stable")
        self.trend_cut = max(10, int(0.05 * state.known_items.sum()))

    def in_top(self, scores):
        """Per (row, item) of a chunk's score matrix: whether the item is among the row's best ``within``."""
        if self.within is None or self.within >= scores.shape[1]:
            return np.ones(scores.shape, dtype=bool)
        kth = -np.partition(-scores, self.within - 1, axis=1)[:, self.within - 1]
        return scores >= kth[:, None]

    def explain(self, user, picks, scores, rows):
        """[Rec] for the user index ``user``'s ``picks`` (item indices) with their ``scores``; ``rows`` is
        {source name: (that source's scores of this user, its in-top mask)}."""
        st = self.state
        prof = st.profile[user]
        mine, weights = prof.indices, prof.data
        picks = np.asarray(picks, dtype=np.int64)
        because = np.full(len(picks), -1, dtype=np.int64)
        strength = np.zeros(len(picks))
        for name, (row, top) in rows.items():
            source = st.fitted[name]
            if not source.personal or not len(mine):
                continue
            found = source.because_many(mine, weights, picks)
            own = row[picks] / max(float(row.max()), 1e-9)
            better = (found >= 0) & top[picks] & (row[picks] > 0) & (own > strength)
            because[better], strength[better] = mine[found[better]], own[better]
        alone = st.fitted.get(self.alone) if self.alone else None
        out, bought = [], set(st.purchased[user].indices.tolist())
        for j, s, b in zip(picks.tolist(), np.asarray(scores).tolist(), because.tolist(), strict=True):
            item, s = plain(self.ids[j]), float(s) if np.isfinite(s) else 0.0
            if b >= 0:
                out.append(Rec(item, s, "bought_with" if b in bought else "viewed", plain(self.ids[b])))
            elif (alone.reason == "trending") if alone is not None else (self.trend_rank[j] < self.trend_cut):
                out.append(Rec(item, s, "trending", None, self.meta.categories[int(self.meta.category[j])]))
            else:
                out.append(Rec(item, s, "popular"))
        return out
