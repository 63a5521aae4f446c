"""Similar items: co-view and co-purchase neighbours blended with content and category similarity (numpy, scipy and
scikit-learn only: no TensorFlow, no Django).

    lists = similar_items(state, meta, k=20)                    # {item index: [(other index, score), ...]}
    category_agreement(lists, meta.category, state.known_items)  # {"agreement", "chance", "pairs"}

Behaviour alone (item-kNN over user profiles, the old "similar") is noise on a small shop and says nothing about an
item few people touched: on the 200-product demo shop its similar items shared the product's category about as often
as a random pick would. Here every candidate is scored, per source item, as

    knn * co-view + co * co-purchase + content * TF-IDF cosine + category * same category + embedding * two-tower cosine

over the known items only (those with interactions: the only ones that may be recommended), the item itself never.
Rows are processed in chunks, so memory stays at a few chunk x n blocks (10,000 items: about 16 MB each).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

# The weights of the blend (a ``weights`` dict passed to ``similar_items`` overrides any of them). Behaviour is
# normalised per source item to [0, 1] (its best neighbour gets 1 however weak the evidence), content and the
# two-tower term are cosines in [0, 1], the category term is 0 or 1.
# * behaviour, 0.40 in all: where shoppers' histories overlap it is the best evidence there is, so it orders the
#   list; co-view (kNN over the decayed user profiles, views included) gets more than co-purchase (same order),
#   because items bought in one order are more often companions (the "bought together" placement) than substitutes.
# * category 0.25 and content 0.25: "similar" means "instead of this one". A same-category item that shares a few
#   words (content ~0.3) scores ~0.33 with no behaviour at all, so an item from another category gets in only when
#   it is close to the top of both behaviour signals; the per-source max normalisation turns a small shop's noise
#   into 1.0s, and this keeps that noise out. Cold items (no behaviour) are ranked by these two alone.
# * embedding 0.10: the two-tower item embeddings, when present, learned from the same histories and the same words,
#   so they mostly repeat the other terms; they break ties among them.
DEFAULT_WEIGHTS = {"knn": 0.25, "co": 0.15, "content": 0.25, "category": 0.25, "embedding": 0.10}
MAX_BLOCK = 2_000_000  # cells of one chunk x n score block (float64: 16 MB)


def _by_source(m, n):
    """An item x item neighbour matrix whose column j holds j's neighbours, as csr with row j = j's neighbours."""
    if m is None:
        return sparse.csr_matrix((n, n), dtype=np.float64)
    return sparse.csr_matrix(m.T, dtype=np.float64)


def _row_max_normalised(block):
    top = block.max(axis=1, keepdims=True)
    return np.divide(block, top, out=np.zeros_like(block), where=top > 0)


def content_matrix(meta):
    """L2-normalised TF-IDF rows of title + description + category name (csr), or None when there are no words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    names = meta.categories
    texts = [f"{text} {names[int(c)] or ''}" for text, c in zip(meta.texts, meta.category, strict=True)]
    try:
        return TfidfVectorizer(min_df=1, sublinear_tf=True, dtype=np.float64).fit_transform(texts).tocsr()
    except ValueError:  # an empty vocabulary: no item has a word
        return None


def _top(scores, k):
    """Indices of the k best positive scores, best first, equal scores by lower index (exact at the k-th place)."""
    positive = int((scores > 0).sum())
    m = min(k, positive)
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    if m < len(scores):
        kth = scores[np.argpartition(-scores, m - 1)[m - 1]]
        idx = np.flatnonzero(scores >= kth)  # every tie of the k-th score, so the lowest indices win
    else:
        idx = np.arange(len(scores))
    return idx[np.lexsort((idx, -scores[idx]))][:m]


def similar_items(state, meta, k=20, weights=None):
    """{item index: [(other index, score), ...]} for every item index: the ``k`` best known items by the blend
    (DEFAULT_WEIGHTS, overridden by ``weights``), best first, equal scores by lower index; never the item itself,
    never an item without interactions. Items without behaviour (cold or not) get content and category neighbours."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    unknown = set(w) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown similar-item weights {sorted(unknown)}; expected {sorted(DEFAULT_WEIGHTS)}")
    n = int(state.shape[1])
    known = np.asarray(state.known_items, dtype=bool)
    if n == 0:
        return {}
    knn = _by_source(state.knn, n) if w["knn"] else None
    co = _by_source(getattr(state, "co", None), n) if w["co"] else None
    content = content_matrix(meta) if w["content"] else None
    category = np.asarray(meta.category, dtype=np.int64)
    emb = getattr(state, "tt_items", None) if w["embedding"] else None
    if emb is not None:
        emb = np.asarray(emb, dtype=np.float64)
    out = {}
    chunk = max(1, min(n, MAX_BLOCK // n))
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        score = np.zeros((len(rows), n), dtype=np.float64)
        if knn is not None:
            score += w["knn"] * _row_max_normalised(knn[rows].toarray())
        if co is not None:
            score += w["co"] * _row_max_normalised(co[rows].toarray())
        if content is not None:
            score += w["content"] * (content[rows] @ content.T).toarray()
        if w["category"]:
            src = category[rows][:, None]
            score += w["category"] * ((src == category[None, :]) & (src > 0))
        if emb is not None:
            score += w["embedding"] * np.maximum(emb[rows] @ emb.T, 0.0)
        score[:, ~known] = -np.inf
        score[np.arange(len(rows)), rows] = -np.inf
        for r, i in enumerate(rows.tolist()):
            s = score[r]
            out[i] = [(int(j), float(s[j])) for j in _top(s, k)]
    return out


def category_agreement(lists, category, candidates=None):
    """How often a similar item shares its source's category, against chance.

    Over every (source, similar item) pair of ``lists`` ({index: [(index, score), ...]}) where both have a category
    (non-zero): ``agreement`` is the share in the same category; ``chance`` the share expected if each similar item
    were drawn uniformly from the candidates with a category other than the source itself, computed exactly from
    their category counts. ``candidates`` are the items that may be recommended (a bool mask or indices; pass
    ``state.known_items``); by default, the items that appear in any list. Rounded to 4 decimals."""
    category = np.asarray(category, dtype=np.int64)
    if candidates is None:
        cand = np.zeros(len(category), dtype=bool)
        cand[[j for recs in lists.values() for j, _ in recs]] = True
    else:
        cand = np.asarray(candidates)
        if cand.dtype != bool:
            mask = np.zeros(len(category), dtype=bool)
            mask[cand.astype(np.int64)] = True
            cand = mask
    counts = np.bincount(category[cand], minlength=int(category.max(initial=0)) + 1).astype(np.float64)
    counts[0] = 0.0
    total = counts.sum()
    same = pairs = 0
    chance = 0.0
    for i, recs in lists.items():
        c = category[i]
        if c == 0:
            continue
        js = np.fromiter((j for j, _ in recs), dtype=np.int64, count=len(recs))
        js = js[category[js] > 0]
        if not len(js):
            continue
        own = float(cand[i])  # the source is a candidate, but never its own similar item
        pool = total - own
        pairs += len(js)
        same += int((category[js] == c).sum())
        chance += len(js) * ((counts[c] - own) / pool if pool > 0 else 0.0)
    if not pairs:
        return {"agreement": 0.0, "chance": 0.0, "pairs": 0}
    return {"agreement": round(same / pairs, 4), "chance": round(float(chance) / pairs, 4), "pairs": pairs}
