"""One contract for every source of scores: the ranker's candidate sources and the baselines alike (no TensorFlow).

A source is fitted on the events before a cut (``Fitting``), scores users against every item, describes the ranker
features it contributes, says which of a user's items explains a pick ("because ..."), and saves and loads its
arrays. The ranker consumes any set of sources (``params["sources"]``); a baseline is a source that serves alone
(``params["baselines"]``). Adding a source is one module with a ``Source`` subclass and one line in
``registry.py`` (or ``registry.register(cls)`` from a shop's own code)::

    source = SOURCES["ease"].fit(Fitting(prep, cut))
    source.scores(users)                    # dense (len(users) x items)
    source.describe(scores, users, rows, cols)   # {feature name: value per (user, item) pair}
    source.because(user_items, item)        # an index into user_items, or None
    source.to_arrays() / Source.from_arrays(arrays, state)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass
class Fitting:
    """What a source is fitted on: the shop's events before ``cut`` (``prep`` holds them with the vocabularies)."""

    prep: object
    cut: float

    @property
    def params(self):
        return self.prep.params

    @property
    def state(self):
        """The shared State at the cut (profiles, item statistics, neighbourhoods), built once per cut."""
        return self.prep.state(self.cut, ())

    def events(self):
        return self.prep.inter.before(self.cut)

    def binary(self):
        """The binary users x items matrix of every weighted event before the cut."""
        x = self.state.profile.copy().tocsr()
        x.data = (x.data > 0).astype(np.float32)
        x.eliminate_zeros()
        return x


def binary(rows, cols, shape, weights=None):
    """A csr matrix of ones at (rows, cols), or the summed ``weights`` there."""
    m = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32) if weights is None else weights.astype(np.float32), (rows, cols)),
        shape=shape,
    )
    m.sum_duplicates()
    if weights is None:
        m.data[:] = 1.0
    return m


def encoded(inter, uv, iv, now):
    """The events before ``now`` whose user and item the vocabularies know, with their indices."""
    inter = inter.before(now)
    u, i = uv.encode(inter.users), iv.encode(inter.items)
    ok = (u >= 0) & (i >= 0)
    return inter.subset(ok), u[ok], i[ok]


def kind_weights(kinds, params):
    """The weight of each event by its kind (``params["kind_weights"]``; a kind not named weighs 0)."""
    names, index = np.unique(np.asarray(kinds, dtype=str), return_inverse=True)
    return np.array([float(params["kind_weights"].get(k, 0.0)) for k in names], dtype=np.float32)[index]


def ranks(scores):
    """Per-row rank (0 = best) of every column of a dense score matrix."""
    order = np.argsort(-scores, axis=1, kind="stable")
    out = np.empty_like(order)
    np.put_along_axis(out, order, np.arange(scores.shape[1])[None, :].repeat(scores.shape[0], 0), axis=1)
    return out


def top_lists(scores, exclude, k):
    """Per row of ``scores``, the ``k`` best items with a positive score that ``exclude`` (csr rows) does not hold;
    ties go to the lower item index."""
    out = []
    for r in range(scores.shape[0]):
        s = np.asarray(scores[r], dtype=np.float64).copy()
        s[exclude[r].indices] = 0.0
        n = min(k, int((s > 0).sum()))
        if n <= 0:
            out.append([])
            continue
        top = np.argpartition(-s, n - 1)[:n]
        out.append(top[np.lexsort((top, -s[top]))].tolist())
    return out


class Source:
    """A source of scores fitted at one point in time.

    ``name`` is its key in the registry and in ``params["sources"]``/``params["baselines"]``; ``label`` its name in
    words; ``features`` the ranker features it contributes (``describe``); ``reason`` what a pick says when
    ``because`` names none of the user's items ("popular", "trending"); ``personal`` whether its scores follow the
    user's own items (then its strongest picks are explained by the user's item ``because`` names)."""

    name = ""
    label = ""
    features = ()
    reason = "popular"
    personal = False

    def __init__(self, arrays, state=None):
        self.arrays, self.state = arrays, state

    @classmethod
    def fit(cls, fitting):
        raise NotImplementedError

    def scores(self, users):
        raise NotImplementedError

    def describe(self, scores, users, rows, cols):
        """The ranker features of the (users[rows], cols) pairs, from this source's ``scores`` of ``users``: by
        default its score, the score over the user's best (``_norm``) and the log rank (``_rank``)."""
        out = {}
        for feature in self.features:
            if feature.endswith("_score"):
                out[feature] = scores[rows, cols]
            elif feature.endswith("_norm"):
                mx = scores.max(axis=1) if scores.size else np.zeros(len(users))
                out[feature] = scores[rows, cols] / np.maximum(mx[rows], 1e-9)
            elif feature.endswith("_rank"):
                out[feature] = np.log1p(ranks(scores)[rows, cols]) if scores.size else np.zeros(len(rows))
        return out

    def because(self, user_items, item):
        """The user's item that most explains ``item`` (an index into ``user_items``), or None."""
        pick = int(self.because_many(user_items, np.ones(len(user_items)), [item])[0])
        return None if pick < 0 else pick

    def because_many(self, user_items, weights, items):
        """For each of ``items``, the index into ``user_items`` (weighted by ``weights``, the user's profile) of
        the item that explains it best, -1 for none: a whole list explained in one step."""
        return np.full(len(items), -1, dtype=np.int64)

    def lists(self, users, exclude, k):
        return top_lists(self.scores(users), exclude[users], k)

    # -- persistence ----------------------------------------------------------------------------------------------
    def to_arrays(self):
        out = {}
        for key, value in self.arrays.items():
            if sparse.issparse(value):
                value = value.tocsr()
                out.update({f"{key}.data": value.data, f"{key}.indices": value.indices,
                            f"{key}.indptr": value.indptr, f"{key}.shape": np.array(value.shape)})
            else:
                out[key] = value
        return out

    @classmethod
    def from_arrays(cls, arrays, state=None):
        plain, parts = {}, {}
        for key, value in arrays.items():
            if "." in key:
                name, part = key.split(".", 1)
                parts.setdefault(name, {})[part] = value
            else:
                plain[key] = value
        for name, p in parts.items():
            plain[name] = sparse.csr_matrix((p["data"], p["indices"], p["indptr"]), shape=tuple(p["shape"]))
        return cls(plain, state)


class ItemItem(Source):
    """A source scoring ``profile[user] @ W`` with an item x item matrix ``W`` (``w``, by default arrays["w"]): the
    user's item that explains a pick is the one whose weighted link to it is strongest."""

    personal = True
    reason = "bought_with"

    @property
    def w(self):
        return self.arrays["w"]

    def profile(self, users):
        return self.state.profile[users]

    def scores(self, users):
        s = self.profile(users) @ self.w
        return np.asarray(s.toarray() if sparse.issparse(s) else s, dtype=np.float32)

    def because_many(self, user_items, weights, items):
        """One gather of the (user items x picks) block: the whole explanation of a list in one step."""
        if not len(user_items) or not len(items):
            return np.full(len(items), -1, dtype=np.int64)
        block = self.w[user_items][:, items]
        block = np.asarray(block.toarray() if sparse.issparse(block) else block) * np.asarray(weights)[:, None]
        best = block.argmax(axis=0)
        return np.where(block.max(axis=0) > 0, best, -1)

