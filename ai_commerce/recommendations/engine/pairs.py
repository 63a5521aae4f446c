"""The (user, candidate) pairs the ranker learns from and ranks, and the shop's states at several cuts (no
TensorFlow at import; the two-tower model is fitted lazily through .twotower).

    prep = Prepared(interactions, meta, user_vocab, item_vocab, params)
    prep.state(cut, sources)                            # the State at a cut, built once, two-tower/ALS attached
    prep.labelled(cut, now, sources, max_users)         # Pairs: features at cut, labels from cut to now
    prep.labelled_per_user(now, sources, max_users)     # Pairs: labels = each user's newest purchases before now
    top_per_user(rows, cols, scores, n_users, k)        # the best k pairs of each user
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .data import holdout_truth
from .features import State, candidates, feature_matrix, source_scores
from .registry import SOURCES, all_features, features_of
from .sources import Fitting


def report_progress(cb, pct, msg):
    if cb is not None:
        cb(int(pct), msg)


def chunks(n, size):
    for start in range(0, n, size):
        yield np.arange(start, min(n, start + size))


def chunk_size(n_items):
    return max(16, min(1024, int(4e6 // max(n_items, 1))))


def top_per_user(rows, cols, scores, n_users, k):
    """Per user row, the k (column, score) pairs with the best score; ties go to the lower column."""
    order = np.lexsort((cols, -scores, rows))
    rows_o, cols_o, s_o = rows[order], cols[order], scores[order]
    starts = np.searchsorted(rows_o, np.arange(n_users + 1))
    return [
        list(zip(cols_o[a : min(b, a + k)].tolist(), s_o[a : min(b, a + k)].tolist(), strict=True))
        for a, b in itertools.pairwise(starts)
    ]


def pair_table(state, users, sources, params):
    """The (user, candidate) pairs of ``users`` from ``sources``: (rows, cols, features of the sources, source
    scores, {source: bool per pair, whether that source proposed it})."""
    scores = source_scores(state, users, sources)
    by_source = {}
    mask, _, scores = candidates(state, users, sources, int(params["candidates_per_source"]), scores, by_source)
    rows, cols = np.nonzero(mask)
    feats = feature_matrix(state, users, rows, cols, scores)
    return rows, cols, feats, scores, {name: m[rows, cols] for name, m in by_source.items()}


class Prepared:
    """The states of one shop at several cuts, each built once (and its two-tower and ALS fitted once) and shared
    by the source selection, the holdout evaluation, the ablation and the final fit."""

    def __init__(self, inter, meta, uv, iv, params, cache=None, on_progress=None):
        self.inter, self.meta, self.uv, self.iv, self.params = inter, meta, uv, iv, params
        self.cache = {} if cache is None else cache
        self.on_progress = on_progress

    def state(self, cut, sources, pct=None):
        """The State at ``cut`` with ``sources`` fitted on the events before it (each fitted once per cut)."""
        key = ("state", round(float(cut), 3))
        if key not in self.cache:
            self.cache[key] = State(self.inter, self.meta, self.uv, self.iv, cut, self.params)
        st = self.cache[key]
        for name in sources:
            if name not in st.fitted:
                if name not in SOURCES:
                    raise ValueError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}")
                if pct is not None:
                    report_progress(self.on_progress, pct, f"fitting {SOURCES[name].label or name}")
                st.fitted[name] = SOURCES[name].fit(Fitting(self, cut))
        return st

    def als(self, cut):
        """implicit ALS's (user, item) factors at ``cut`` (.latent.fit_als), fitted once per cut."""
        from .latent import fit_als

        key = ("als", round(float(cut), 3))
        if key not in self.cache:
            self.cache[key] = fit_als(self.inter, self.uv, self.iv, cut, self.params)
        return self.cache[key]

    def source(self, name, cut):
        """Source ``name`` fitted on the events before ``cut``: the same object the ranker's features read."""
        return self.state(cut, (name,)).fitted[name]

    def labelled(self, cut, now, sources, max_users, pct=None):
        """The pairs to learn from: features at ``cut``, labels from the purchases between ``cut`` and ``now``
        (up to ``max_users`` users, a seeded sample); None when nobody bought anything new."""
        window = self.inter.subset((self.inter.ts >= cut) & (self.inter.ts < now))
        truth, _ = holdout_truth(self.inter.before(cut), window)
        return self._pairs(cut, truth, sources, max_users, pct)

    def labelled_per_user(self, now, sources, max_users, pct=None):
        """Pairs from the per-user split of the events before ``now`` (``.taste``: each user's newest purchases
        held out, features on the rest): every returning customer labels, not only those who bought in one
        window. None when the split judges nobody."""
        from .taste import per_user_holdout

        split = per_user_holdout(self.inter.before(now), float(self.params["per_user_share"]), now)
        if not split.truth:
            return None
        key = ("per_user", round(float(now), 3))
        if key not in self.cache:
            self.cache[key] = Prepared(split.train, self.meta, self.uv, self.iv, self.params, {}, self.on_progress)
        return self.cache[key]._pairs(split.cut, split.truth, sources, max_users, pct)

    def with_per_user(self, pairs, now, sources, params, pct=None):
        """``pairs`` and, when they label fewer than ``holdout_decide_users`` users, the per-user split's pairs of
        the events before ``now`` (``labelled_per_user``): on a small shop one time window labels about a hundred
        customers, the per-user split every returning one, and it teaches taste as well as time."""
        if pairs is not None and len(pairs.truth) >= int(params["holdout_decide_users"]):
            return pairs
        more = self.labelled_per_user(now, sources, int(params["ranker_max_users"]), pct=pct)
        return more if pairs is None else pairs.join(more)

    def _pairs(self, cut, truth, sources, max_users, pct=None):
        if not truth:
            return None
        st = self.state(cut, sources, pct)
        users = self.uv.encode(list(truth))
        if len(users) > max_users:
            users = np.sort(np.random.default_rng(int(self.params["seed"])).choice(users, max_users, replace=False))
        parts = []
        for chunk in chunks(len(users), chunk_size(len(self.iv))):
            u = users[chunk]
            rows, cols, feats, _, member = pair_table(st, u, sources, self.params)
            wanted = [set(self.iv.encode(list(truth[self.uv.ids[x]])).tolist()) for x in u]
            y = np.fromiter(
                (c in wanted[r] for r, c in zip(rows.tolist(), cols.tolist(), strict=True)),
                dtype=np.int64,
                count=len(rows),
            )
            parts.append((u[rows], cols, feats, y, member))
        return Pairs(
            *(np.concatenate([p[n] for p in parts]) for n in (0, 1)),
            {k: np.concatenate([p[2][k] for p in parts]) for k in parts[0][2]},
            np.concatenate([p[3] for p in parts]),
            {k: np.concatenate([p[4][k] for p in parts]) for k in parts[0][4]},
            {self.uv.ids[x]: truth[self.uv.ids[x]] for x in users.tolist()},  # the sampled users' truth only
        )


@dataclass
class Pairs:
    """Labelled (user, candidate) pairs: user index, item index, features, label, which source proposed each."""

    users: np.ndarray
    items: np.ndarray
    feats: dict
    y: np.ndarray
    member: dict
    truth: dict

    def join(self, other):
        """These pairs and ``other``'s (another window's), for one ranker to learn from both."""
        if other is None:
            return self
        return Pairs(
            np.concatenate([self.users, other.users]),
            np.concatenate([self.items, other.items]),
            {k: np.concatenate([v, other.feats[k]]) for k, v in self.feats.items() if k in other.feats},
            np.concatenate([self.y, other.y]),
            {k: np.concatenate([v, other.member.get(k, np.zeros(len(other.y), bool))]) for k, v in self.member.items()},
            self.truth,
        )

    def only(self, sources):
        keep = np.zeros(len(self.y), dtype=bool)
        for name in sources:
            keep |= self.member.get(name, False)
        allowed, source_feats = features_of(sources), all_features()
        feats = {k: v[keep] for k, v in self.feats.items() if k not in source_feats or k in allowed}
        return keep, feats
