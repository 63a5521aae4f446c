"""EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): the item x item weights
B = -P / diag(P) with P = (X'X + lambda I)^-1 and a zero diagonal, in closed form; score(u) = x_u B.

The closed form inverts a dense (items x items) matrix: fine up to ``ease_max_items`` items (about 12 s for 3,665
on this machine). A larger catalogue gets the pruned variant: the same closed form on its ``ease_max_items`` most
interacted items (the others get no EASE score; the other sources still cover them)."""

from __future__ import annotations

import numpy as np

from . import threads
from .sources import ItemItem


class EASE(ItemItem):
    name, label = "ease", "EASE"
    features = ("ease_score", "ease_norm", "ease_rank")

    @classmethod
    def fit(cls, fitting):
        x = fitting.binary()
        counts = np.asarray(x.sum(axis=0)).ravel()
        keep = np.nonzero(counts)[0]
        limit = int(fitting.params["ease_max_items"])
        if len(keep) > limit:  # the pruned variant: the most interacted items only
            keep = np.sort(keep[np.lexsort((keep, -counts[keep]))[:limit]])
        xs = x[:, keep]
        gram = (xs.T @ xs).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += float(fitting.params["ease_lambda"])
        with threads.blas():  # its sums depend on the thread count (.threads)
            p = np.linalg.inv(gram)
        b = -p / np.diag(p)[None, :]
        b[np.diag_indices_from(b)] = 0.0
        return cls({"keep": keep.astype(np.int64), "b": b.astype(np.float32), "n": np.array(x.shape[1])},
                   fitting.state)

    def profile(self, users):
        x = self.state.profile[users][:, self.arrays["keep"]]
        x.data = (x.data > 0).astype(np.float32)
        return x

    def scores(self, users):
        out = np.zeros((len(users), int(self.arrays["n"])), dtype=np.float32)
        if len(self.arrays["keep"]):
            out[:, self.arrays["keep"]] = np.asarray(self.profile(users) @ self.arrays["b"], dtype=np.float32)
        return out

    @property
    def positions(self):
        """Each item's row in ``b`` (-1: pruned), built once (explaining a list reads it for every user)."""
        if getattr(self, "_positions", None) is None:
            keep = self.arrays["keep"]
            self._positions = np.full(int(self.arrays["n"]), -1, dtype=np.int64)
            self._positions[keep] = np.arange(len(keep))
        return self._positions

    def because_many(self, user_items, weights, items):
        b = self.arrays["b"]
        rows, cols = self.positions[np.asarray(user_items, dtype=np.int64)], self.positions[np.asarray(items, np.int64)]
        out = np.full(len(items), -1, dtype=np.int64)
        if not (rows >= 0).any() or not (cols >= 0).any():
            return out
        block = np.where((rows >= 0)[:, None] & (cols >= 0)[None, :], b[rows][:, cols], 0.0)
        best = block.argmax(axis=0)
        return np.where(block.max(axis=0) > 0, best, -1)
