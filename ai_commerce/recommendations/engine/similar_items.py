"""Similar items: behaviour (co-view and co-purchase neighbours) blended with content and category (no TensorFlow).

    similar_items(state, meta, k=20)           # {item index: [(other index, score), ...]}, best first
    category_agreement(lists, meta.category)   # how often a similar item shares the source's category, vs chance

Behaviour alone says nothing about an item few people touched, and on a small shop it is mostly chance, so a shopper
looking at a mug was shown anything. Content (the TF-IDF of title, description and category name) and the category
keep "similar" similar; behaviour still leads wherever there is enough of it.
"""

from __future__ import annotations

import numpy as np

# Behaviour first: where shoppers co-view and co-buy, that is the best evidence of substitutes and companions.
# The category and the words then decide between items behaviour cannot tell apart, and carry cold items alone.
# The two-tower item embeddings (when the learned system has them) add what the model learned about both.
DEFAULT_WEIGHTS = {"behaviour": 0.5, "content": 0.2, "category": 0.2, "embedding": 0.1}
CHUNK = 512


def _row_normalised(block):
    top = block.max(axis=1, keepdims=True)
    return np.divide(block, top, out=np.zeros_like(block), where=top > 0)


def _content_matrix(meta):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{text} {meta.categories[int(c)] or ''}" for text, c in zip(meta.texts, meta.category, strict=True)]
    try:
        return TfidfVectorizer(min_df=1, sublinear_tf=True).fit_transform(texts).tocsr()
    except ValueError:  # no words at all
        return None


def similar_items(state, meta, k=20, weights=None):
    """For every item, the ``k`` known items most similar to it (never itself), ties to the lower index."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    n = state.shape[1]
    known = np.asarray(state.known_items, dtype=bool)
    knn, co = state.knn.tocsc(), state.co.tocsc()
    content = _content_matrix(meta) if w["content"] else None
    category = np.asarray(meta.category)
    emb = state.tt_items if w["embedding"] else None
    out = {}
    for start in range(0, n, CHUNK):
        rows = np.arange(start, min(n, start + CHUNK))
        behaviour = 0.5 * _row_normalised(knn[:, rows].toarray().T) + 0.5 * _row_normalised(co[:, rows].toarray().T)
        score = w["behaviour"] * behaviour
        if content is not None:
            score += w["content"] * (content[rows] @ content.T).toarray()
        if w["category"]:
            same = (category[rows][:, None] == category[None, :]) & (category[rows][:, None] > 0)
            score += w["category"] * same
        if emb is not None:
            score += w["embedding"] * np.maximum(emb[rows] @ emb.T, 0.0)
        score[:, ~known] = 0.0
        score[np.arange(len(rows)), rows] = 0.0
        for r, i in enumerate(rows.tolist()):
            s = score[r]
            m = min(k, int((s > 0).sum()))
            if m <= 0:
                out[i] = []
                continue
            top = np.argpartition(-s, m - 1)[:m]
            top = top[np.lexsort((top, -s[top]))]
            out[i] = [(int(j), float(s[j])) for j in top]
    return out


def category_agreement(lists, category):
    """Share of (item, similar item) pairs in the same category, over pairs where both have one; and the share a
    uniform pick among the other categorised candidates would give (chance)."""
    category = np.asarray(category)
    candidates = {j for recs in lists.values() for j, _ in recs}
    counts = np.bincount(category[sorted(candidates)], minlength=int(category.max()) + 1)
    counts[0] = 0
    same = pairs = 0
    chance = 0.0
    for i, recs in lists.items():
        if category[i] == 0:
            continue
        own = int(i in candidates)  # the item itself is never its own similar item
        for j, _ in recs:
            if category[j] == 0:
                continue
            pairs += 1
            same += int(category[j] == category[i])
            chance += (counts[category[i]] - own) / max(counts.sum() - own, 1)
    if not pairs:
        return {"agreement": None, "chance": None, "pairs": 0}
    return {"agreement": round(same / pairs, 4), "chance": round(float(chance) / pairs, 4), "pairs": pairs}
