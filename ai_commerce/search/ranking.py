"""How matched products are ordered: by their lexical score, by lexical score plus popularity, or by a learned
linear ranker over per-field lexical scores, popularity, and the click and order rates of this query's shoppers.

A ranker is a small dict of numbers (stored as the version's ``ranker.json``), scored here in pure Python: the web
process needs no scikit-learn to serve what the worker learned.
"""

import json
import math

from . import text

FEATURES = ("title", "category", "description", "coverage", "typo", "popularity", "click_rate", "order_rate",
            "category_affinity")
LEXICAL, LEXICAL_POPULARITY, LEARNED = "lexical", "lexical_popularity", "learned"


def query_key(query):
    """The form under which a query's statistics are kept: its words, normalised, in order."""
    return " ".join(text.tokens(query))[:200]


class Ranker:
    def __init__(self, kind=LEXICAL, *, weights=None, mean=None, scale=None, popularity_weight=0.0, queries=None,
                 prior=(0.0, 0.0), synonyms=None):
        self.kind, self.weights, self.mean, self.scale = kind, weights, mean, scale
        self.synonyms = synonyms or {}  # learned from behaviour: {shopper's word: [catalogue words]}
        self.popularity_weight, self.queries, self.prior = popularity_weight, queries or {}, tuple(prior)

    def dumps(self):
        return json.dumps({"kind": self.kind, "weights": self.weights, "mean": self.mean, "scale": self.scale,
                           "popularity_weight": self.popularity_weight, "queries": self.queries,
                           "prior": list(self.prior), "synonyms": self.synonyms}).encode()

    @classmethod
    def loads(cls, data):
        raw = json.loads(data)
        return cls(raw.pop("kind"), **raw)

    def features(self, index, matches, position, key):
        per_field = matches.fields.get(position) or dict.fromkeys(("title", "category", "description"), 0.0)
        stats = self.queries.get(key) or {}
        pid = str(index.ids[position])
        click, order = (stats.get("products") or {}).get(pid, self.prior)
        affinity = (stats.get("categories") or {}).get(index.categories[position], 0.0)
        return [per_field["title"], per_field["category"], per_field["description"],
                matches.matched.get(position, 0) / max(1, len(matches.words)), float(matches.typo.get(position, 0)),
                math.log1p(index.popularity[position]), click, order, affinity]

    def score(self, index, matches, positions, key):
        """Scores of ``positions`` (higher first) for the query whose statistics are under ``key``."""
        if self.kind == LEXICAL:
            return [matches.scores.get(p, 0.0) for p in positions]
        if self.kind == LEXICAL_POPULARITY:
            return [matches.scores.get(p, 0.0) + self.popularity_weight * math.log1p(index.popularity[p])
                    for p in positions]
        return [linear(self.features(index, matches, p, key), self.weights, self.mean, self.scale) for p in positions]


def linear(x, weights, mean, scale):
    return sum(w * (v - m) / s for v, w, m, s in zip(x, weights, mean, scale, strict=True))
