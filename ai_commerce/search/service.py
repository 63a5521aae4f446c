"""Search the catalogue, suggest as the shopper types, and re-rank a listing: what the web process calls.

``search`` costs at most three SQL statements (the serving version when it is looked up again, the shop's
eligibility of the matched products, the page's products), one more for a known shopper when the learned ranking
weighs their taste, and one more while the staff's rules are not cached (``ai_commerce.arrangement``: they apply
after the ranking, to search results and re-ranked listings alike); the search itself is logged after the response.
"""

import math
import random
import secrets
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from django.utils.translation import gettext as _

from ai_commerce import arrangement, deferred
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings

from . import serving, shoppers, text
from .models import SearchQuery
from .ranking import explore, query_key, shopper_affinity

_explorer = random.Random()
#: The trigram similarity a category name needs to rescue a query that matched no product.
CATEGORY_RESCUE_SIMILARITY = 0.2


@dataclass
class Result:
    product: object
    title: str
    position: int  # 1 is the first result of the whole list, not of the page
    score: float
    matched: dict  # {field: [words]}
    featured: bool = False  # a staff rule placed it (pinned, or boosted up)


@dataclass
class SearchPage:
    query: str
    results: list
    total: int
    page: int
    page_size: int
    did_you_mean: str = ""
    rescue: str = ""
    rescue_note: str = ""
    token: str = ""
    ranker: str = ""
    version: int = 0
    ignored: list = field(default_factory=list)

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.page_size))


VALUES = ("category", "price", "stock", "created")


def _eligible(ids, *, category=None, in_stock=None):
    """{pk: mapped values} of the ``ids`` a shopper may find now (the adapter's active and stock, the category),
    one query."""
    adapter = get_adapter()
    queryset = adapter.products(adapter.get_product_queryset().filter(pk__in=ids))
    if adapter.has("active"):
        queryset = queryset.filter(ai_active=True)
    if in_stock and adapter.has("stock"):
        queryset = queryset.filter(ai_stock__gt=0)
    if category and adapter.has("category"):
        queryset = queryset.filter(ai_category=category)
    names = [f"ai_{name}" for name in VALUES if adapter.has(name)]
    return {row["pk"]: {name[3:]: row[name] for name in names} for row in queryset.values("pk", *names)}


def _did_you_mean(index, matches):
    """The query with each word the catalogue does not hold replaced by the word it was taken for: a typo's
    correction, or the catalogue's word for a stem that is no inflection of it ("mugg" -> "mug", while "mugs" is
    left alone); empty when nothing changed."""
    corrected, changed = [], False
    for word, expansions in zip(matches.words, matches.expansions, strict=True):
        exact = next((e for e in expansions if e.how == "exact"), None)
        typo = next((e for e in expansions if e.how.startswith("typo")), None)
        if exact is None and typo is not None:
            corrected.append(typo.word)
            changed = True
        elif exact is not None and word not in index.words and not text.inflected(word):
            surface = index.stem_words.get(exact.stem, word)
            corrected.append(surface)
            changed = changed or surface != word
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else ""


def _best_category(index, query):
    best, score = None, CATEGORY_RESCUE_SIMILARITY
    for name in set(index.categories):
        similarity = text.similarity(query, name) if name else 0.0
        if similarity > score:
            best, score = name, similarity
    return best


def search(query, *, user=None, session_key=None, category=None, in_stock=None, page=1, page_size=None,
           log=True):
    """Search the shop's products for ``query``; return a ``SearchPage`` (results of ``page``, total, did you
    mean, rescue). ``in_stock`` None: the shop's ``IN_STOCK_ONLY``. The search is logged (``SearchQuery``) for the
    analytics and the learned ranking, unless ``log`` is False."""
    conf = app_settings.SEARCH
    page_size = min(int(page_size or conf["PAGE_SIZE"]), conf["MAX_PAGE_SIZE"])
    page = max(1, int(page))
    in_stock = conf["IN_STOCK_ONLY"] if in_stock is None else in_stock
    query = (query or "").strip()[:200] + (" " if (query or "").endswith(" ") else "")
    st = serving.state()
    index = st.index
    positions = None
    if category:
        positions = {i for i, c in enumerate(index.categories) if c == category}
    matches = index.match(query, synonyms=st.synonyms, positions=positions)
    wanted = len(matches.words)
    pool = [p for p, n in matches.matched.items() if n == wanted]
    rescue, note, ignored = "", "", []
    if not pool and matches.matched:
        pool, rescue = list(matches.matched), SearchQuery.Rescue.RELAXED
    elif not pool and query.strip():
        best = None if category else _best_category(index, query)
        if best is not None:
            pool = [i for i, c in enumerate(index.categories) if c == best]
            rescue, note = SearchQuery.Rescue.CATEGORY, _("No product matched; products of %(category)s instead.") % {
                "category": best}
    pool.sort(key=lambda p: (-matches.matched.get(p, 0), -matches.scores.get(p, 0.0), -index.popularity[p]))
    pool = pool[:conf["MAX_CANDIDATES"]]
    rules = arrangement.for_scope(arrangement.Scope("search", query=query, category=category or ""))
    pinned = [index.position[pk] for pk in rules.pinned if pk in index.position] if query.strip() else []
    eligible = _eligible([index.ids[p] for p in [*pool, *pinned]], category=category,
                         in_stock=in_stock) if pool or pinned else {}
    pool = [p for p in pool if index.ids[p] in eligible]
    key = query_key(query)
    depth = pool[:conf["RERANK_DEPTH"]]
    affinity = taste(index, user, session_key) if st.ranker.personal and depth else None
    scores = dict(zip(depth, st.ranker.score(index, matches, depth, key, affinity), strict=True))
    head = sorted(depth, key=lambda p: (-matches.matched.get(p, 0), -scores[p]))
    ordered = head + pool[len(depth):]
    featured = frozenset()
    if rules:
        arranged = rules.arrange([index.ids[p] for p in ordered], eligible, complete=True)
        ordered, featured = [index.position[pk] for pk in arranged.ids], arranged.featured
    swap = 0
    # A few first pages swap two results, to measure position bias; never a page where a staff rule placed one.
    if page == 1 and log and query.strip() and not featured:
        ordered, swap = explore(ordered, _share(conf.get("EXPLORE_SHARE")), _explorer)
    if rescue == SearchQuery.Rescue.RELAXED and ordered:
        top = ordered[0]
        ignored = [w for w, ex in zip(matches.words, matches.expansions, strict=True)
                   if not any(_holds(index, e.stem, top) for e in ex)]
        note = _("Not every word matched: showing products without %(words)s.") % {"words": ", ".join(ignored)}
    start = (page - 1) * page_size
    shown = ordered[start:start + page_size]
    objects = get_adapter().get_product_queryset().in_bulk([index.ids[p] for p in shown]) if shown else {}
    results = [Result(objects[index.ids[p]], index.titles[p], start + i + 1,
                      round(scores.get(p, matches.scores.get(p, 0.0)), 4), index.why(matches, p),
                      index.ids[p] in featured)
               for i, p in enumerate(shown) if index.ids[p] in objects]
    result = SearchPage(query=query.strip(), results=results, total=len(ordered), page=page, page_size=page_size,
                        did_you_mean=_did_you_mean(index, matches), rescue=rescue, rescue_note=note,
                        ranker=st.ranker.kind, version=st.version or 0, ignored=ignored)
    if log and query.strip():
        result.token = secrets.token_hex(16)
        deferred.create(SearchQuery, {
            "token": result.token, "user_id": getattr(user, "pk", user) if user is not None else None,
            "session_key": "" if user is not None else (session_key or ""), "query": query.strip(),
            "normalised": key, "category": category or "", "total": result.total, "offset": start,
            "shown": [r.product.pk for r in results], "did_you_mean": result.did_you_mean, "rescue": rescue,
            "ranker": result.ranker, "version": result.version, "swap": swap})
    return result


def _share(value):
    """``EXPLORE_SHARE`` when it is a share from 0 to 0.2, else 0 (ai_commerce.W081 says so at startup)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 0.2
    return value if ok else 0


def _holds(index, stem, position):
    from .index import FIELDS, _contains

    return any(_contains(index.postings[f][stem], position) for f in FIELDS if stem in index.postings[f])


def suggest(query, limit=8):
    """Completions of what the shopper is typing: the shop's popular past queries that start with it, then product
    titles that match it (the last word as a prefix). No SQL between refreshes."""
    st = serving.state()
    key = query_key(query)
    if not key:
        return []
    out = [{"text": q, "kind": "query"} for q, _n in st.popular_queries if q.startswith(key) and q != key][:limit // 2]
    index = st.index
    seen = {s["text"] for s in out}
    for p in index.complete(query, 2 * limit):  # a title offered already (or twice in the shop) is skipped
        if len(out) >= limit:
            break
        if index.titles[p] not in seen:
            seen.add(index.titles[p])
            out.append({"text": index.titles[p], "kind": "product", "product": index.ids[p]})
    return out


def taste(index, user, session_key):
    """The shopper's taste: their share of their newest events per category and per product
    (``ranking.shopper_affinity``; one query, none while ``shoppers`` has the visitor cached), or None for a shopper
    we know nothing of."""
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None
    if user is None and not session_key:
        return None
    products = shoppers.newest_products(getattr(user, "pk", user), session_key)
    return shopper_affinity((pid, index.categories[index.position[pid]]) for pid in products
                            if pid in index.position) or None


def rerank(products, *, user=None, session_key=None, context="default", category=""):
    """The same products reordered for this shopper: a queryset gives a list of its objects, a list of ids a list
    of ids. The learned order drops nothing; a product the serving index does not know (new) keeps its place. How
    far the learned order may move a product is ``RERANK_BLEND[context]`` (else ``["default"]``). Then the staff's
    rules for listings (in ``category``, when the listing is one) apply: they may pin, move or hide products of the
    listing (the mapped values the rules read: one query, then none until the catalogue changes)."""
    is_ids = not hasattr(products, "model")
    items = list(products)
    user = user if getattr(user, "is_authenticated", user is not None) else None
    rules = arrangement.for_scope(arrangement.Scope("listing", category=category or ""))
    items = _learned_order(items, is_ids, user, session_key, context)
    if not rules or not items:
        return items
    ids = items if is_ids else [obj.pk for obj in items]
    arranged = rules.arrange_listing(ids)
    by_pk = dict(zip(ids, items, strict=True))
    return [by_pk[pk] for pk in arranged.ids]


def _learned_order(items, is_ids, user, session_key, context):
    """``items`` in the learned order blended with theirs: each known product's learned score (the log of its
    popularity, plus twice the shopper's share of its category) ranks it among the known ones, and its place is
    ``(1 - blend) * its position + blend * its learned rank`` (scaled to the list); unknown products keep their
    places. A few array operations over the list (the scores per product come with the index, once per version)."""
    ids = items if is_ids else [obj.pk for obj in items]
    n = len(ids)
    if n < 2:
        return items
    blends = app_settings.SEARCH["RERANK_BLEND"]
    blend = float(blends.get(context, blends.get("default", 0.5)))
    st = serving.state()
    index = st.index
    user = user if getattr(user, "is_authenticated", user is not None) else None
    categories = (taste(index, user, session_key) or {}).get("categories", {})
    log_popularity, category_code, category_names = index.listing
    positions = np.fromiter(map(index.position.get, ids, repeat(-1)), dtype=np.int64, count=n)
    known = np.flatnonzero(positions >= 0)
    if not len(known):
        return items
    at = positions[known]
    learned = log_popularity[at]
    if categories:
        shares = np.array([float(categories.get(name, 0)) for name in category_names])
        learned = learned + 2.0 * shares[category_code[at]]
    by_learned = np.lexsort((known, -learned))
    learned_rank = np.empty(len(known), dtype=np.int64)
    learned_rank[by_learned] = np.arange(len(known))
    place = (1 - blend) * known + blend * learned_rank * n / max(1, len(known))
    order = np.arange(n)
    order[known] = known[np.lexsort((known, place))]
    return list(map(items.__getitem__, order.tolist()))
