"""Learn the ranking from search sessions, and judge it: pure functions over ``Session``s, shared by the trainer
and ``bench/search.py``. Worker only (scikit-learn).

Labels: an order of a shown product is 3, a basket 2, a click 1. The sessions are split by time: the newest
``holdout`` share is held out. Inside the rest, statistics (click and order rates per query and product, corrected
for position bias by inverse propensity, and the query's category affinity) come from the older half and the
ranker learns from the newer half, as it will serve: statistics of the past applied to new searches (and, cross-fitted,
from the older half with the newer half's statistics). Taste groups (``taste_groups``: products bought by the same
shoppers) are learned from the shop's baskets and purchases before the sessions they describe. Three rankers
are judged on the held-out sessions with the statistics of every training session: lexical alone, lexical plus
popularity (its weight chosen on the training sessions) and the learned linear ranker (pairwise logistic
regression, RankNet's loss on a linear score).
"""

import bisect
import math
import random
from collections import defaultdict

import numpy as np

from . import text
from .ranking import (
    FEATURES,
    LEARNED,
    LEXICAL,
    LEXICAL_POPULARITY,
    Ranker,
    Session,  # noqa: F401  (learning.Session: what the trainer and the bench hand in)
)

CANDIDATES = 50
SMOOTHING = 5.0
PAIRS_PER_SESSION = 60
POPULARITY_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
#: Swapped searches needed to measure the position bias (``examination``); fewer: the prior 1 / log2(p + 1).
MIN_SWAPS = 100


def learned_synonyms(sessions, index, *, min_choices=3, share=0.6):
    """``{shopper's word: [catalogue word]}``: a query word the catalogue does not hold ("cup"), whose shoppers
    chose (clicked, basketed, bought) products of which at least ``share`` hold one catalogue word ("mug"), over at
    least ``min_choices`` choices. Staff synonyms are the other source; these are searched the same way."""
    chosen = defaultdict(list)
    for s in sessions:
        words = [w for w in s.key.split() if w not in index.words and len(w) >= 3 and not w.isdigit()]
        if not words or not s.labels:
            continue
        for pid in s.labels:
            position = index.position.get(pid)
            if position is not None:
                for word in words:
                    chosen[word].append(set(text.tokens(index.titles[position])))
    out = {}
    for word, titles in chosen.items():
        if len(titles) < min_choices:
            continue
        counts = defaultdict(int)
        for title in titles:
            for token in title:
                counts[token] += 1
        best = max(counts, key=lambda t: (counts[t], t))
        # A misspelled catalogue word is typo tolerance's, not a synonym.
        if counts[best] >= share * len(titles) and not index.corrections(word):
            out[word] = [best]
    return out


#: Taste groups: products embedded by who bought them (this many dimensions), then clustered.
GROUP_DIMENSIONS = 16
GROUP_COUNTS = (2, 3, 4, 6, 8, 10, 12, 16, 20, 25, 30)
#: A product bought by fewer distinct shoppers has no group.
GROUP_MIN_BUYERS = 2


def taste_groups(events, *, seed=0, counts=None):
    """``{product id (str): group}``: products bought (or put in the basket) by the same shoppers, grouped. Each
    product is the unit vector of its buyers, reduced to ``GROUP_DIMENSIONS`` by truncated SVD, and the vectors are
    clustered by k-means, k chosen among ``GROUP_COUNTS`` by the silhouette. ``events``: (shopper, product id)."""
    from scipy.sparse import csr_matrix
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    shoppers, products, pairs = {}, {}, set()
    for who, pid in events:
        pairs.add((products.setdefault(pid, len(products)), shoppers.setdefault(who, len(shoppers))))
    if len(products) < 4 or len(shoppers) < 2:
        return {}
    rows, cols = zip(*pairs, strict=True)
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(products), len(shoppers)))
    buyers = np.asarray(matrix.sum(axis=1)).ravel()
    keep = np.flatnonzero(buyers >= GROUP_MIN_BUYERS)
    dims = min(GROUP_DIMENSIONS, len(shoppers) - 1, len(keep) - 1)
    if len(keep) < 4 or dims < 1:
        return {}
    vectors = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(normalize(matrix[keep])))
    best, best_score = None, -2.0
    rng = np.random.RandomState(seed)
    for k in counts or GROUP_COUNTS:
        if k >= len(keep):
            break
        labels = KMeans(k, n_init=4, random_state=seed).fit_predict(vectors)
        score = silhouette_score(vectors, labels, sample_size=min(len(keep), 3000), random_state=rng)
        if score > best_score:
            best, best_score = labels, score
    if best is None:
        return {}
    ids = list(products)
    return {str(ids[keep[i]]): int(g) for i, g in enumerate(best)}


def propensity(position, eta=None):
    """How likely a shopper looks at ``position`` (1-based): ``position ** -eta`` when the shop's own swaps measured
    ``eta`` (``examination``), else the common prior 1 / log2(position + 1)."""
    if eta is not None:
        return float(position) ** -eta
    return 1.0 / math.log2(position + 1)


def examination(sessions, *, min_swaps=MIN_SWAPS):
    """The position bias measured by the shop's own swap interventions (Joachims, Swaminathan & Schnabel 2017):
    a search that showed its first result at position k (``Session.swap``) clicks it less often than searches that
    showed it first, by the share of shoppers who look at k. Fit ``P(look at k) = k ** -eta`` by maximum likelihood
    over the swapped searches (their first result's clicks at k, against the unswapped first results' click rate);
    return ``(eta, swaps)``, eta None when fewer than ``min_swaps`` searches were swapped (the prior serves)."""
    first = [s for s in sessions if not s.swap and not s.offset and len(s.shown) >= 2]
    swapped = [s for s in sessions if s.swap >= 2 and not s.offset and len(s.shown) >= s.swap]
    if len(swapped) < min_swaps or not first:
        return None, len(swapped)
    top_rate = sum(1 for s in first if s.shown[0] in s.labels) / len(first)
    if not top_rate:
        return None, len(swapped)
    counts = defaultdict(lambda: [0, 0])  # k -> [searches, clicks on the first result shown at k]
    for s in swapped:
        counts[s.swap][0] += 1
        counts[s.swap][1] += s.shown[s.swap - 1] in s.labels
    best, best_ll = None, -math.inf
    for eta in np.arange(0.0, 3.001, 0.05):
        ll = 0.0
        for k, (n, c) in counts.items():
            rate = min(max(top_rate * k ** -eta, 1e-9), 1 - 1e-9)
            ll += c * math.log(rate) + (n - c) * math.log(1 - rate)
        if ll > best_ll:
            best, best_ll = round(float(eta), 2), ll
    return best, len(swapped)


def query_stats(sessions, index, eta=None):
    """``({query key: {"products": {id: [click rate, order rate]}, "categories": {category: share}}}, prior)``."""
    shown = defaultdict(lambda: defaultdict(float))
    clicked = defaultdict(lambda: defaultdict(float))
    ordered = defaultdict(lambda: defaultdict(float))
    categories = defaultdict(lambda: defaultdict(float))
    total_shown = total_clicks = total_orders = 0.0
    for s in sessions:
        for i, pid in enumerate(s.shown):
            weight = 1.0 / propensity(s.offset + i + 1, eta)
            shown[s.key][pid] += 1
            total_shown += 1
            gain = s.labels.get(pid, 0)
            if gain:
                clicked[s.key][pid] += weight
                total_clicks += weight
                position = index.position.get(pid)
                if position is not None:
                    categories[s.key][index.categories[position]] += gain
            if gain >= 2:
                ordered[s.key][pid] += weight
                total_orders += weight
    prior = (total_clicks / total_shown if total_shown else 0.0, total_orders / total_shown if total_shown else 0.0)
    stats = {}
    for key, products in shown.items():
        cats = categories.get(key, {})
        mass = sum(cats.values()) or 1.0
        stats[key] = {
            "products": {str(pid): [round((clicked[key][pid] + SMOOTHING * prior[0]) / (n + SMOOTHING), 5),
                                    round((ordered[key][pid] + SMOOTHING * prior[1]) / (n + SMOOTHING), 5)]
                         for pid, n in products.items()},
            "categories": {c: round(v / mass, 4) for c, v in cats.items()}}
    return stats, prior


def candidates(index, session, synonyms=None):
    """(matches, positions): the lexical top ``CANDIDATES`` for the session's query plus its labelled products."""
    matches = index.match(session.query, synonyms=synonyms)
    wanted = len(matches.words)
    pool = [p for p, n in matches.matched.items() if n == wanted] or list(matches.matched)
    pool.sort(key=lambda p: (-matches.matched.get(p, 0), -matches.scores.get(p, 0.0)))
    pool = pool[:CANDIDATES]
    for pid in session.labels:
        p = index.position.get(pid)
        if p is not None and p not in pool:
            pool.append(p)
    return matches, pool


def ranked(ranker, index, matches, pool, key, affinity=None):
    scores = dict(zip(pool, ranker.score(index, matches, pool, key, affinity), strict=True))
    return sorted(pool, key=lambda p: (-matches.matched.get(p, 0), -scores[p]))


def ndcg_mrr(order, labels, index, k=10, weights=None):
    """NDCG@k and MRR of ``order`` (positions) for ``labels`` ({id: gain}); ``weights`` ({id: w}) scale each
    labelled product's gain (inverse propensity: a click far down the logged list says more)."""
    weights = weights or {}
    value = {pid: (2 ** g - 1) * weights.get(pid, 1.0) for pid, g in labels.items()}
    gains = [value.get(index.ids[p], 0.0) for p in order]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = sorted(value.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, g in enumerate(gains) if g), None)
    return (dcg / idcg if idcg else 0.0), (1.0 / (first + 1) if first is not None else 0.0)


def ips_weights(session, eta=None):
    """Each labelled product's inverse propensity at the position it was shown (1 when it was not shown)."""
    where = {pid: session.offset + i + 1 for i, pid in enumerate(session.shown)}
    return {pid: 1.0 / propensity(where[pid], eta) if pid in where else 1.0 for pid in session.labels}


def evaluate(ranker, index, sessions, prepared=None, debias=True, eta=None):
    """NDCG@10 and MRR of ``ranker`` over ``sessions`` (each ranked over its candidates). Without ``debias``, the
    mean of each session's NDCG@10 and MRR. With it, the counterfactual estimate of unbiased learning-to-rank
    (Joachims, Swaminathan & Schnabel 2017): each chosen product counts its gain over its inverse propensity at
    the position it was logged at, discounted by where ``ranker`` puts it, and the sum is normalised by the same
    weighted gains all put first (self-normalised); so the logged ranking is not rewarded for the clicks it drew by
    placing products on top. MRR is weighted the same way."""
    prepared = prepared or [candidates(index, s) for s in sessions]
    if not sessions:
        return 0.0, 0.0
    if not debias:
        scores = [ndcg_mrr(ranked(ranker, index, m, pool, s.key, s.affinity), s.labels, index)
                  for s, (m, pool) in zip(sessions, prepared, strict=True)]
        return float(np.mean([a for a, _ in scores])), float(np.mean([b for _, b in scores]))
    gained = ideal = reciprocal = mass = 0.0
    for s, (m, pool) in zip(sessions, prepared, strict=True):
        weights = ips_weights(s, eta)
        where = {index.ids[p]: r for r, p in enumerate(ranked(ranker, index, m, pool, s.key, s.affinity), start=1)}
        for pid, gain in s.labels.items():
            value = (2 ** gain - 1) * weights.get(pid, 1.0)
            ideal += value
            rank = where.get(pid)
            if rank is not None and rank <= 10:
                gained += value / math.log2(rank + 1)
        first = min((where[pid] for pid in s.labels if pid in where), default=None)
        weight = max(weights.values(), default=1.0)
        reciprocal += weight * (1.0 / first if first else 0.0)
        mass += weight
    return (gained / ideal if ideal else 0.0), (reciprocal / mass if mass else 0.0)


def fit_linear(index, blocks, seed=0, eta=None):
    """Fit the learned ranker's weights (pairwise logistic regression over standardised features) on ``blocks``:
    (sessions, their candidates, the Ranker whose statistics and groups describe them). A pair is a chosen product
    over one the shopper was shown and passed by (a product never shown was never judged, so it is no negative),
    weighted by the gain's difference and the chosen product's inverse propensity (a choice far down the list says
    more)."""
    from sklearn.linear_model import LogisticRegression

    rows, pairs, rng = [], [], random.Random(seed)
    for sessions, prepared, probe in blocks:
        for s, (m, pool) in zip(sessions, prepared, strict=True):
            shares = probe.group_shares(s.affinity)
            feats = {p: probe.features(index, m, p, s.key, s.affinity, shares) for p in pool}
            rows.extend(feats.values())
            gains = {p: s.labels.get(index.ids[p], 0) for p in pool}
            ips = ips_weights(s, eta)
            shown = {index.position.get(pid) for pid in s.shown}
            session_pairs = [(a, b) for a in pool for b in pool if gains[a] > gains[b] and b in shown]
            rng.shuffle(session_pairs)
            pairs.extend((feats[a], feats[b], (gains[a] - gains[b]) * ips.get(index.ids[a], 1.0))
                         for a, b in session_pairs[:PAIRS_PER_SESSION])
    if not pairs:
        return None
    x = np.asarray(rows, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    diffs = np.asarray([(np.asarray(a) - np.asarray(b)) / scale for a, b, _g in pairs])
    weights = np.asarray([g for _a, _b, g in pairs], dtype=float)
    model = LogisticRegression(fit_intercept=False, C=1.0, max_iter=1000)
    model.fit(np.vstack([diffs, -diffs]), np.r_[np.ones(len(diffs)), np.zeros(len(diffs))],
              sample_weight=np.r_[weights, weights])
    return [round(float(w), 6) for w in model.coef_[0]], [float(v) for v in mean], [float(v) for v in scale]


def learn(index, sessions, *, holdout=0.2, min_sessions=40, rankers_out=None, events=()):
    """Choose and fit what ranks, judged on the newest sessions. Return (Ranker, metrics); ``rankers_out`` (a dict),
    when given, receives every ranker judged (for a benchmark). ``events``: the shop's baskets and purchases as
    (shopper, product id, when), from which the taste groups are learned (each from the events before the
    sessions it serves: the fit's, the held-out ones', and all for what serves)."""
    ordered = sorted(sessions, key=lambda s: (s.at is None, s.at))
    labelled = [s for s in ordered if s.labels]
    metrics = {"sessions": len(labelled), "searches": len(ordered), "features": list(FEATURES)}
    if len(labelled) < min_sessions:
        metrics.update(serving=LEXICAL, reason=(
            f"Lexical ranking serves: {len(labelled)} search sessions with a click, basket or order, and a learned "
            f"ranking needs {min_sessions} to be fitted and judged."))
        return Ranker(LEXICAL), metrics
    # Cut by time where the newest ``holdout`` share of labelled sessions begins; searches without a click count in
    # the statistics (they were shown and not chosen) but give nothing to learn or judge from.
    cut = ordered.index(labelled[int(len(labelled) * (1 - holdout))])
    before, held = ordered[:cut], [s for s in ordered[cut:] if s.labels]
    train = [s for s in before if s.labels]
    inner = ordered.index(train[len(train) // 2])
    past, recent = ordered[:inner], [s for s in ordered[inner:cut] if s.labels]
    # The position bias, from the swaps among the searches before the held-out ones (the prior without them).
    eta, swaps = examination(before)
    metrics.update(examination_eta=eta, swaps=swaps)
    stats_past, prior_past = query_stats(past, index, eta)
    prepared_recent = [candidates(index, s) for s in recent]
    best_weight, best = 0.0, -1.0
    for weight in POPULARITY_WEIGHTS:
        score = evaluate(Ranker(LEXICAL_POPULARITY, popularity_weight=weight), index, recent, prepared_recent,
                         eta=eta)[0]
        if score > best + 1e-9:
            best_weight, best = weight, score
    events = sorted(events, key=lambda e: e[2])
    whens = [e[2] for e in events]

    def groups_before(at):
        end = len(events) if at is None else bisect.bisect_left(whens, at)
        return taste_groups((who, pid) for who, pid, _at in events[:end])

    # Cross-fitted: the newer half's features take their statistics from the older half (as they will serve), and
    # the older half's from the newer half, so both halves teach the weights without seeing their own choices.
    groups_fit = groups_before(ordered[inner].at)
    older = [s for s in past if s.labels]
    stats_recent, prior_recent = query_stats(ordered[inner:cut], index, eta)
    fitted = fit_linear(index, [
        (recent, prepared_recent, Ranker(LEARNED, queries=stats_past, prior=prior_past, groups=groups_fit)),
        (older, [candidates(index, s) for s in older],
         Ranker(LEARNED, queries=stats_recent, prior=prior_recent, groups=groups_fit))], eta=eta)
    stats, prior = query_stats(before, index, eta)
    prepared_held = [candidates(index, s) for s in held]
    rankers = {LEXICAL: Ranker(LEXICAL),
               LEXICAL_POPULARITY: Ranker(LEXICAL_POPULARITY, popularity_weight=best_weight)}
    if fitted is not None:
        w, mean, scale = fitted
        rankers[LEARNED] = Ranker(LEARNED, weights=w, mean=mean, scale=scale, queries=stats, prior=prior,
                                  groups=groups_before(ordered[cut].at))
    judged = {name: evaluate(r, index, held, prepared_held, eta=eta) for name, r in rankers.items()}
    if rankers_out is not None:
        rankers_out.update(rankers)
    for name, (ndcg, mrr) in judged.items():
        metrics[f"{name}_ndcg_at_10" if name != LEARNED else "learned_ndcg_at_10"] = round(ndcg, 4)
        metrics[f"{name}_mrr" if name != LEARNED else "learned_mrr"] = round(mrr, 4)
    serving = max(judged, key=lambda n: (judged[n][0], n == LEXICAL))
    if LEARNED in judged and serving != LEARNED:
        reason = (f"The learned ranking (NDCG@10 {judged[LEARNED][0]:.3f}) did not beat {serving.replace('_', ' ')} "
                  f"({judged[serving][0]:.3f}) on {len(held)} held-out sessions, so {serving.replace('_', ' ')} "
                  "serves.")
    elif serving == LEARNED:
        reason = (f"The learned ranking serves: NDCG@10 {judged[LEARNED][0]:.3f} against "
                  f"{judged[LEXICAL][0]:.3f} for lexical alone and {judged[LEXICAL_POPULARITY][0]:.3f} with "
                  f"popularity, on {len(held)} held-out sessions.")
    else:
        reason = "No pair of results with different labels to learn from; " + serving.replace("_", " ") + " serves."
    chosen = rankers[serving]
    if serving == LEARNED:  # what serves uses the statistics and groups of every session (a copy: the judged one
        all_stats, all_prior = query_stats(ordered, index, eta)  # stays as judged, for a benchmark)
        chosen = Ranker(LEARNED, weights=chosen.weights, mean=chosen.mean, scale=chosen.scale, queries=all_stats,
                        prior=all_prior, groups=groups_before(None))
    metrics.update(serving=serving, reason=reason, ndcg_at_10=round(judged[serving][0], 4),
                   mrr=round(judged[serving][1], 4), held_out=len(held), popularity_weight=best_weight,
                   weights=dict(zip(FEATURES, rankers[LEARNED].weights, strict=True)) if LEARNED in rankers else {},
                   taste_groups=len(set(chosen.groups.values())))
    return chosen, metrics
