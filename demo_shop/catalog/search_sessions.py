"""Search sessions of simulated shoppers, with known truth: each shopper wants one product, types words of it (its
noun, material or style, sometimes a synonym, sometimes with a typo in each word of 5+ letters), looks down the
results with a position-biased eye, clicks what attracts them and buys what they wanted.

Pure Python and numpy, no database: ``bench/search.py`` judges rankers on these sessions, and the tests and
``demo_seed`` write them as ``SearchQuery``/``SearchClick`` rows. Which product a shopper wants follows the
products' popularity (the order history), so a ranking that learns from clicks and orders can find it where the
words alone cannot. Given ``wants`` (the shop's own order lines: a customer, a product, a time), each search is a
customer looking for what they then buy, so it carries their taste too (the demo's customers buy mostly within
their taste cluster): a ranking that knows what a shopper bought before can find it where popularity cannot.
"""

import string

import numpy as np

#: Words shoppers use for the catalogue's words (either way round).
SYNONYMS = {"jumper": "sweater", "trainers": "sneakers", "mug": "cup", "trousers": "pants", "tote": "shopper",
            "cushion": "pillow", "throw": "blanket", "scarf": "shawl", "perfume": "fragrance", "joggers": "sweatpants"}
EXAMINE = 1.0  # the eye's decay: P(look at position p) = 1 / p ** EXAMINE


def misspell(word, rng):
    """``word`` with one edit (a deletion, a swap of neighbours, a substitution or an insertion) when it has 5+
    letters; shorter words are typed right."""
    if len(word) < 5:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(4))
    letter = string.ascii_lowercase[int(rng.integers(26))]
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]
    if kind == 2:
        return word[:i] + (letter if letter != word[i] else "x") + word[i + 1:]
    return word[:i] + letter + word[i:]


def query_for(title, rng, *, synonym_p=0.2):
    """Two or three words of a product's title, the last being its noun; a synonym of the noun at ``synonym_p``."""
    words = [w for w in title.lower().replace("-", " ").split() if w.isalpha()]
    if not words:
        return title.lower()
    noun = words[-1]
    if noun in SYNONYMS and rng.random() < synonym_p:
        noun = SYNONYMS[noun]
    qualifiers = words[:-1]
    take = min(len(qualifiers), int(rng.integers(0, 3)))
    chosen = sorted(rng.choice(len(qualifiers), size=take, replace=False).tolist()) if take else []
    return " ".join([*(qualifiers[i] for i in chosen), noun])


def with_typos(query, rng):
    return " ".join(misspell(w, rng) for w in query.split())


def simulate(products, n_sessions, rank, *, seed=0, typo_p=0.15, start=0.0, span=1.0, page=10, wants=None):
    """``n_sessions`` sessions over ``products`` (dicts with "id", "title", "popularity").

    ``rank(query, visitor) -> [product id]`` is what the shop showed (the logging policy; a one-argument ``rank``
    is called with the query alone); it may answer ``([product id], swap)`` when it swapped its first result to
    position ``swap`` (``ai_commerce.search.ranking.explore``). ``wants``: (visitor, product id, at) in time order,
    what shoppers went on to buy; each session is one of them, drawn uniformly (so by popularity, season and
    taste). Without it, a session's product is drawn by popularity and its visitor is anonymous. Returns dicts:
    "query", "clean" (the query without typos), "target", "visitor", "shown" (the first ``page`` ids), "swap",
    "labels" ({id: 1 click, 2 basket, 3 order}), "at" (a float in [start, start + span), in order; or the want's
    own time).
    """
    import inspect

    rng = np.random.default_rng(seed)
    weights = np.asarray([p["popularity"] + 1.0 for p in products], dtype=float) ** 1.3
    weights /= weights.sum()
    by_id = {p["id"]: p for p in products}
    personal = len(inspect.signature(rank).parameters) > 1
    drawn = None
    if wants:
        picks = np.sort(rng.choice(len(wants), size=min(n_sessions, len(wants)), replace=False))
        drawn = [wants[int(i)] for i in picks]
    sessions = []
    for n in range(len(drawn) if drawn is not None else n_sessions):
        if drawn is not None:
            visitor, target_id, at = drawn[n]
            target = by_id[target_id]
        else:
            visitor, target = None, products[int(rng.choice(len(products), p=weights))]
            at = start + span * n / max(1, n_sessions)
        clean = query_for(target["title"], rng)
        query = with_typos(clean, rng) if rng.random() < typo_p else clean
        answer = rank(query, visitor) if personal else rank(query)
        answer, swap = answer if isinstance(answer, tuple) else (answer, 0)
        shown = list(answer)[:page]
        labels = {}
        target_words = set(target["title"].lower().replace("-", " ").split())
        for position, pid in enumerate(shown, start=1):
            if rng.random() > 1 / position ** EXAMINE:
                continue
            if pid == target["id"]:
                labels[pid] = 3 if rng.random() < 0.5 else 2 if rng.random() < 0.5 else 1
                break
            other = by_id.get(pid)
            overlap = len(target_words & set(other["title"].lower().replace("-", " ").split())) if other else 0
            if rng.random() < 0.08 * overlap:
                labels[pid] = 1
        sessions.append({"query": query, "clean": clean, "target": target["id"], "visitor": visitor,
                         "shown": shown, "labels": labels, "at": at, "swap": swap})
    return sessions
