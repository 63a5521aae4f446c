"""The sources that score items for everyone alike, or by the user's categories: popularity (all time and recent),
trending and repeat category. They read the shared State's item statistics (distinct buyers per window)."""

from __future__ import annotations

import numpy as np

from .sources import Source


def _ranked(counts, ids):
    """Scores n..1 for the items with a count, by count then by id (so ties break the same on any machine)."""
    order = sorted(np.nonzero(counts)[0].tolist(), key=lambda j: (-counts[j], str(ids[j])))
    score = np.zeros(len(counts), dtype=np.float32)
    score[order] = np.arange(len(order), 0, -1, dtype=np.float32)
    return score


class Popularity(Source):
    """Items by distinct buyers, all time; the same list for everyone."""

    name, label, reason = "popularity", "popularity", "popular"
    window = "pop_all"
    features = ()

    @classmethod
    def fit(cls, fitting):
        return cls({"score": _ranked(fitting.state.item_stats[cls.window], fitting.prep.iv.ids)}, fitting.state)

    def scores(self, users):
        return np.broadcast_to(self.arrays["score"], (len(users), self.arrays["score"].size))

    def describe(self, scores, users, rows, cols):
        st = self.state.item_stats
        out = {key: np.log1p(st[key][cols]) for key in self.features if key in st}
        if "pop_rank_14" in self.features:
            pop_rank = np.argsort(np.argsort(-st["pop_14"], kind="stable"), kind="stable")
            out["pop_rank_14"] = np.log1p(pop_rank[cols])
        return out


class RecentPopularity(Popularity):
    """Items by distinct buyers over the 30 days before the cut: what sells now."""

    name, label, reason = "recent_popularity", "recent popularity", "trending"
    window = "pop_30"
    features = ("pop_7", "pop_14", "pop_30", "pop_rank_14")


class Trending(Source):
    """Recent buyers times growth over the window before (``trend_days``)."""

    name, label, reason = "trending", "trending", "trending"
    features = ("trend",)

    @classmethod
    def fit(cls, fitting):
        return cls({}, fitting.state)

    def scores(self, users):
        s = self.state.item_stats["trending"].astype(np.float32)
        return np.broadcast_to(s, (len(users), s.size))

    def describe(self, scores, users, rows, cols):
        return {"trend": np.log(self.state.item_stats["trend"][cols])}


class RepeatCategory(Source):
    """The user's share of each category times the category's recent popularity."""

    name, label, reason = "repeat_category", "repeat category", "trending"
    features = ("cat_affinity",)

    @classmethod
    def fit(cls, fitting):
        return cls({}, fitting.state)

    def scores(self, users):
        st = self.state
        return st.cat_affinity[users][:, st.meta.category] * np.log1p(st.item_stats["pop_30"]).astype(np.float32)[None]

    def describe(self, scores, users, rows, cols):
        st, cat = self.state, self.state.meta.category[cols]
        return {"cat_affinity": np.where(cat > 0, st.cat_affinity[np.asarray(users)[rows], cat], np.nan)}
