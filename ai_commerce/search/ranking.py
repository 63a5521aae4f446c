"""How matched products are ordered: by their lexical score, by lexical score plus popularity, or by a learned
linear ranker over per-field lexical scores, popularity, the click and order rates of this query's shoppers, and
the shopper's own taste (their share of past events in the product's category, whether they had to do with the
product itself before, ``affinity``, and the share of their products in the product's taste group: products bought
by the same shoppers, ``groups``, learned by the trainer).

A ranker is a small dict of numbers (stored as the version's ``ranker.json``), scored here in pure Python: the web
process needs no scikit-learn to serve what the worker learned.
"""

import json
import math
from dataclasses import dataclass, field

from . import text

FEATURES = ("title", "category", "description", "coverage", "typo", "popularity", "click_rate", "order_rate",
            "category_affinity", "shopper_affinity", "shopper_product", "shopper_group")
#: The features read from the shopper's taste (worth a query to read it when one weighs).
PERSONAL = ("shopper_affinity", "shopper_product", "shopper_group")
LEXICAL, LEXICAL_POPULARITY, LEARNED = "lexical", "lexical_popularity", "learned"
#: A shopper's taste is read from their newest this many events.
TASTE_EVENTS = 200


def shopper_affinity(events):
    """A shopper's taste from their past events, given as (product id, category): ``{"categories": {category:
    share of the events}, "products": {product id: 1.0}}`` (the products they have had to do with: shoppers buy
    again what they bought before, nearly half the demo's order lines), or ``{}`` without events."""
    categories, products = {}, {}
    for product, category in events:
        categories[category] = categories.get(category, 0) + 1
        products[product] = products.get(product, 0) + 1
    total = sum(categories.values())
    if not total:
        return {}
    return {"categories": {c: n / total for c, n in categories.items()},
            "products": dict.fromkeys(products, 1.0)}


#: Positions a swap may move the first result to.
EXPLORE_DEPTH = 10


def explore(order, share, rng):
    """``(order, swap)``: with probability ``share``, ``order`` with its first result swapped with the one at a
    position k drawn uniformly from 2 to ``EXPLORE_DEPTH`` (swap = k), else unchanged (swap = 0). The swaps let the
    trainer measure how much less shoppers look down the list (``learning.examination``)."""
    depth = min(EXPLORE_DEPTH, len(order))
    if depth < 2 or not share or rng.random() >= share:
        return order, 0
    k = rng.randint(2, depth)
    order = list(order)
    order[0], order[k - 1] = order[k - 1], order[0]
    return order, k


def query_key(query):
    """The form under which a query's statistics are kept: its words, normalised, in order."""
    return " ".join(text.tokens(query))[:200]


@dataclass
class Session:
    query: str
    shown: list  # product ids in the order shown, from position offset + 1
    labels: dict  # {product id: 1 click, 2 basket, 3 order}
    offset: int = 0
    at: object = None
    affinity: dict = None  # the shopper's taste before the search (ranking.shopper_affinity); None: anonymous
    swap: int = 0  # the position the ranking's first result was shown at, swapped for exploration (0: not swapped)
    key: str = field(init=False)

    def __post_init__(self):
        self.key = query_key(self.query)


class Ranker:
    def __init__(self, kind=LEXICAL, *, weights=None, mean=None, scale=None, popularity_weight=0.0, queries=None,
                 prior=(0.0, 0.0), synonyms=None, groups=None):
        self.kind, self.weights, self.mean, self.scale = kind, weights, mean, scale
        self.groups = groups or {}  # {product id (str): taste group}, from who bought what (learning.taste_groups)
        self.synonyms = synonyms or {}  # learned from behaviour: {shopper's word: [catalogue words]}
        self.popularity_weight, self.queries, self.prior = popularity_weight, queries or {}, tuple(prior)

    def dumps(self):
        return json.dumps({"kind": self.kind, "weights": self.weights, "mean": self.mean, "scale": self.scale,
                           "popularity_weight": self.popularity_weight, "queries": self.queries,
                           "prior": list(self.prior), "synonyms": self.synonyms, "groups": self.groups}).encode()

    @classmethod
    def loads(cls, data):
        raw = json.loads(data)
        return cls(raw.pop("kind"), **raw)

    def group_shares(self, affinity):
        """The share of the shopper's products (``affinity["products"]``) in each taste group."""
        counts = {}
        for pid in (affinity or {}).get("products", ()):
            group = self.groups.get(str(pid))
            if group is not None:
                counts[group] = counts.get(group, 0) + 1
        total = sum(counts.values())
        return {g: n / total for g, n in counts.items()} if total else {}

    def features(self, index, matches, position, key, affinity=None, shares=None):
        """The feature row of ``position``; ``shares``: ``group_shares(affinity)``, computed once per search."""
        if shares is None:
            shares = self.group_shares(affinity)
        per_field = matches.fields.get(position) or dict.fromkeys(("title", "category", "description"), 0.0)
        stats = self.queries.get(key) or {}
        pid = str(index.ids[position])
        click, order = (stats.get("products") or {}).get(pid, self.prior)
        category = index.categories[position]
        taste = affinity or {}
        return [per_field["title"], per_field["category"], per_field["description"],
                matches.matched.get(position, 0) / max(1, len(matches.words)), float(matches.typo.get(position, 0)),
                math.log1p(index.popularity[position]), click, order,
                (stats.get("categories") or {}).get(category, 0.0), taste.get("categories", {}).get(category, 0.0),
                taste.get("products", {}).get(index.ids[position], 0.0),
                shares.get(self.groups.get(pid), 0.0)]

    def score(self, index, matches, positions, key, affinity=None):
        """Scores of ``positions`` (higher first) for the query whose statistics are under ``key``, for a shopper
        whose taste is ``affinity`` (``shopper_affinity``; None: anonymous)."""
        if self.kind == LEXICAL:
            return [matches.scores.get(p, 0.0) for p in positions]
        if self.kind == LEXICAL_POPULARITY:
            return [matches.scores.get(p, 0.0) + self.popularity_weight * math.log1p(index.popularity[p])
                    for p in positions]
        n = len(self.weights)  # a version saved before a feature was appended reads the ones it knew
        shares = self.group_shares(affinity)
        return [linear(self.features(index, matches, p, key, affinity, shares)[:n], self.weights, self.mean,
                       self.scale) for p in positions]

    @property
    def personal(self):
        """Whether the shopper's taste changes this ranker's order (worth a query to read it)."""
        if self.kind != LEARNED or not self.weights:
            return False
        return any(self.weights[FEATURES.index(f)] != 0 for f in PERSONAL if FEATURES.index(f) < len(self.weights))


def linear(x, weights, mean, scale):
    return sum(w * (v - m) / s for v, w, m, s in zip(x, weights, mean, scale, strict=True))
