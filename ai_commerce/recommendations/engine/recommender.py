"""The Recommender: what a training run serves (the learned system or the baseline that won), its item lists, and
its metrics; saved and loaded by ``.persistence`` (no TensorFlow at import)."""

from __future__ import annotations

import numpy as np

from .data import plain
from .pairs import chunk_size, chunks
from .reasons import Explainer, Rec


def _topk_row(scores, k, exclude=None):
    s = np.asarray(scores, dtype=np.float64).copy()
    if exclude is not None:
        s[exclude] = -np.inf
    k = min(k, int(np.isfinite(s).sum()), int((s > 0).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-s, k - 1)[:k]
    return top[np.lexsort((top, -s[top]))]


class Recommender:
    """A fitted engine at the time of the last event, with its metrics: candidate sources + learned ranker when
    ``served == "learned"``, else the baseline that won on this shop (``scorer``). Similar, bought together and
    trending come from the same state either way."""

    def __init__(self, engine, user_vocab, item_vocab, meta, params, metrics, served="learned", scorer=None):
        self._engine = engine
        self._uv, self._iv, self._meta = user_vocab, item_vocab, meta
        self.params = params
        self.metrics = metrics
        self.served, self._scorer = served, scorer

    # -- queries -------------------------------------------------------------------------------------------------
    def users(self):
        known = self._engine.state.known_users
        return [plain(u) for n, u in enumerate(self._uv.ids) if known[n]]

    def items(self):
        known = self._engine.state.known_items
        return [plain(i) for n, i in enumerate(self._iv.ids) if known[n]]

    def recommend(self, users, k=50):
        """{user: [Rec]} for the given users (unknown users are left out); excludes items the user purchased. Each
        pick carries its reason (``.reasons``)."""
        st = self._engine.state
        ids = [u for u in users if self._uv.index.get(u, -1) >= 0 and st.known_users[self._uv.index[u]]]
        idx = self._uv.encode(ids)
        alone = self._scorer is not None
        explainer = Explainer(st, self._meta, self._iv.ids, None if alone else int(self.params.get("reason_rank", 20)),
                              self.served if alone else None)
        out = {}
        for chunk in chunks(len(idx), 512 if alone else chunk_size(len(self._iv))):
            users_c = idx[chunk]
            if alone:
                scores = self._scorer.scores(users_c)
                lists = self._scorer.lists(users_c, st.purchased, k)
                items = [np.asarray(row, dtype=np.int64) for row in lists]
                values = [scores[r][row] for r, row in enumerate(items)]
                src = {self.served: scores}
            else:
                ranked, ranked_scores, src = self._engine.rank(users_c, k)
                items = [row[row >= 0] for row in ranked]
                values = [s_row[row >= 0] for row, s_row in zip(ranked, ranked_scores, strict=True)]
            tops = {name: explainer.in_top(np.asarray(s)) for name, s in src.items() if st.fitted[name].personal}
            for r, u in enumerate(users_c.tolist()):
                rows = {name: (src[name][r], top[r]) for name, top in tops.items()}
                out[plain(self._uv.ids[u])] = explainer.explain(u, items[r], values[r], rows)
        return out

    def similar(self, k=20):
        """{item: [Rec(reason="similar", because=item)]}: co-view and co-purchase neighbours blended with content and
        category similarity (``similar.similar_items``); an item without interactions gets its content neighbours."""
        from .similar import similar_items

        if not self._engine.state.known_items.any():
            return {}
        ids = self._iv.ids
        return {plain(ids[i]): [Rec(plain(ids[j]), score, "similar", plain(ids[i])) for j, score in recs]
                for i, recs in similar_items(self._engine.state, self._meta, k).items() if recs}

    def bought_together(self, k=20):
        """{item: [Rec(reason="bought_together", because=item)]}: cosine of co-occurrence in the same order."""
        co = self._engine.state.co.tocsc()
        out = {}
        for i in range(co.shape[1]):
            start, stop = co.indptr[i], co.indptr[i + 1]
            if start == stop:
                continue
            rows, vals = co.indices[start:stop], co.data[start:stop]
            order = np.lexsort((rows, -vals))[:k]
            out[plain(self._iv.ids[i])] = [
                Rec(plain(self._iv.ids[rows[o]]), float(vals[o]), "bought_together", plain(self._iv.ids[i]))
                for o in order
            ]
        return out

    def trending(self, k=50):
        """{category or None (overall): [Rec(reason="trending", category=...)]}: recent buyers x growth."""
        st = self._engine.state
        score = st.item_stats["trending"] + 1e-3 * st.item_stats["pop_30"]
        score = np.where(st.known_items, score, 0.0)
        out = {}
        top = _topk_row(score, k)
        out[None] = [Rec(plain(self._iv.ids[j]), float(score[j]), "trending", None, None) for j in top]
        cats = self._meta.category
        for c in range(1, len(self._meta.categories)):
            name = self._meta.categories[c]
            top = _topk_row(np.where(cats == c, score, 0.0), k)
            if len(top):
                out[name] = [Rec(plain(self._iv.ids[j]), float(score[j]), "trending", None, name) for j in top]
        return out

    # -- persistence ---------------------------------------------------------------------------------------------
    def save(self, directory):
        from .persistence import save

        return save(self, directory)

    @classmethod
    def load(cls, directory):
        from .persistence import load

        return load(cls, directory)
