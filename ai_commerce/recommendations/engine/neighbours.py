"""The item-item neighbourhood sources on the shared State: item-kNN (cosine over users' decayed profiles, kept to
the ``knn_neighbours`` strongest per item) and co-purchase (cosine over orders). item-kNN is also a baseline."""

from __future__ import annotations

from .sources import ItemItem


class StateNeighbours(ItemItem):
    """An item x item matrix the State already holds (saved with it, so nothing of its own to save)."""

    matrix = ""

    @classmethod
    def fit(cls, fitting):
        return cls({}, fitting.state)

    @property
    def w(self):
        return getattr(self.state, self.matrix)


class ItemKNN(StateNeighbours):
    """score(u, j) = sum over the user's items i of profile(u, i) * cosine(i, j)."""

    name, label, matrix = "item_knn", "item-kNN", "knn"
    features = ("knn_score", "knn_norm", "knn_rank")


class CoPurchase(StateNeighbours):
    """score(u, j) = sum over the user's items i of profile(u, i) * cosine(i, j) over orders (bought together)."""

    name, label, matrix = "co_purchase", "co-purchase", "co"
    features = ("co_score", "co_norm", "co_rank")
