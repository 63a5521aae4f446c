"""Serve recommendations from the active version's precomputed tables, filtered live by the shop (no TensorFlow).

One function per placement::

    from ai_commerce.recommendations import serving

    serving.recommended_for(user=request.user, session_key=request.session.session_key, k=8)
    serving.similar_to(product, k=8)
    serving.bought_with(product, k=8)
    serving.trending(k=8, category="Mugs")

Each returns a list of ``Recommended`` (the host's product instance, a score, a plain reason such as "Because you
bought Blue mug", the placement and the model version, for attribution). The shop's business filters are applied at
request time through the shop adapter: only active, in-stock products; never the user's purchases, the ``exclude``
ids (a basket) or the product on the page; optionally only ``categories`` or none of ``exclude_categories``. Each
placement over-fetches its candidates and backfills (similar items, trending in the category, then overall trending,
then any eligible product), so ``k`` products come back whenever the catalog has ``k`` eligible ones.

While no version is active (a new shop, or nothing promoted yet), the trending rungs read popularity from the event
log instead (``popularity``): recent purchases, then all time, overall and per category. Catalogue order is only the
last resort, for a shop with no events at all.

Cold start: an anonymous visitor with views in this session gets products similar to what they viewed; a user the
model does not know yet gets what is trending in the categories they touched, then overall; a product added after the
last retrain has content-based neighbours (``ContentNeighbour``) until the next one.

Query cost is constant whatever ``k`` is: the active version and the candidate rows of each rung of the ladder (both
cached, the rows per version), the user's purchases, one query for every candidate product with the shop's
attributes, and one backfill query when the candidates run out. A known user costs at most six queries, three when
cached; the cold-start ladder of an unknown user at most nine.
"""

from dataclasses import dataclass

from django.core.cache import caches
from django.utils.translation import gettext as _

from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction, ModelVersion

from . import popularity
from .models import ContentNeighbour, Reason, Recommendation, RelatedProduct, TrendingProduct

MAX_K = 50
OVERFETCH = 3
RECENT_VIEWS = 5
ACTIVE_KEY = "ai_commerce:recommendations:active"
PLACEMENTS = ("recommended", "similar", "bought_together", "trending")
_COLUMNS = ("product_id", "score", "reason", "because_id", "category")


@dataclass(frozen=True)
class Candidate:
    product_id: object
    score: float
    reason: str
    because_id: object = None
    category: str = ""


@dataclass(frozen=True)
class Recommended:
    product: object
    score: float
    reason: str
    reason_code: str
    placement: str
    model_version: int | None

    @property
    def attribution(self):
        """``placement:version`` for crediting clicks and purchases to what was shown."""
        return f"{self.placement}:{self.model_version or 0}"

    @property
    def click_url(self):
        """The product's link through the click log."""
        from .attribution import click_url

        return click_url(self)


def _cache():
    return caches[app_settings.RECOMMENDATIONS["CACHE"]]


def active_version_id():
    """The id of the active recommendations version, or None (cached briefly; activation clears it)."""
    cache = _cache()
    found = cache.get(ACTIVE_KEY)
    if found is None:
        version = ModelVersion.objects.of_kind("recommendations").active().values_list("pk", flat=True).first()
        found = version or 0
        cache.set(ACTIVE_KEY, found, app_settings.RECOMMENDATIONS["CACHE_SECONDS"])
    return found or None


def forget_active_version(**kwargs):
    _cache().delete(ACTIVE_KEY)


def check_k(k):
    """Return ``k`` as an int in 1..MAX_K, or raise ValueError saying what is allowed."""
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}") from None
    if not 1 <= value <= MAX_K:
        raise ValueError(f"k must be from 1 to {MAX_K}, not {value}")
    return value


def _rows(version, queryset, limit, key):
    """Candidate rows of one rung, cached per version (the rows of a version never change)."""
    if version is None:
        return []
    cache, cache_key = _cache(), f"ai_commerce:recs:{version}:{key}:{limit}"
    rows = cache.get(cache_key)
    if rows is None:
        rows = [Candidate(*row) for row in queryset.filter(model_version_id=version).values_list(*_COLUMNS)[:limit]]
        cache.set(cache_key, rows, app_settings.RECOMMENDATIONS["CACHE_SECONDS"])
    return rows


def _trending_rows(version, limit, category=""):
    if version is None:  # nothing promoted yet: popularity from the event log, never catalogue order
        return [Candidate(*row) for row in popularity.ranked(category)[:limit]]
    return _rows(version, TrendingProduct.objects.filter(category=category or ""), limit,
                 f"trending:{category or ''}")


def _related_rows(version, kind, sources, limit):
    sources = list(sources)
    if not sources:
        return []
    rows = _rows(version, RelatedProduct.objects.filter(kind=kind, source__in=sources), limit * len(sources),
                 f"{kind}:{','.join(map(str, sorted(sources)))}")
    return rows[:limit * len(sources)]


def _content_rows(product_id, limit):
    rows = ContentNeighbour.objects.filter(source=product_id).values_list("product_id", "score")[:limit]
    return [Candidate(pid, score, Reason.SIMILAR, product_id) for pid, score in rows]


def reason_text(code, because_title=None, category=""):
    if code == Reason.BOUGHT_WITH and because_title:
        return _("Because you bought %(title)s") % {"title": because_title}
    if code == Reason.VIEWED and because_title:
        return _("Because you viewed %(title)s") % {"title": because_title}
    if code == Reason.BOUGHT_TOGETHER and because_title:
        return _("Bought together with %(title)s") % {"title": because_title}
    if code == Reason.SIMILAR and because_title:
        return _("Similar to %(title)s") % {"title": because_title}
    if code == Reason.TRENDING:
        return _("Trending in %(category)s") % {"category": category} if category else _("Trending now")
    if code == Reason.POPULAR:
        return _("Popular")
    return _("You might also like")


def _serve(placement, version, ladder, k, *, exclude=(), categories=None, exclude_categories=None):
    """Walk the candidate ``ladder`` (lists of Candidate, best first), keep the first ``k`` eligible products."""
    adapter = get_adapter()
    excluded = {str(pk) for pk in exclude}
    candidates, seen = [], set()
    for rung in ladder:
        for row in rung:
            key = str(row.product_id)
            if key not in seen and key not in excluded:
                seen.add(key)
                candidates.append(row)
    wanted = {row.product_id for row in candidates} | {row.because_id for row in candidates if row.because_id}
    products = {str(p.pk): p for p in adapter.products(adapter.get_product_queryset().filter(pk__in=wanted))}

    def eligible(product):
        if product is None:
            return False
        if adapter.has("active") and not product.ai_active:
            return False
        if adapter.has("stock") and not (product.ai_stock or 0) > 0:
            return False
        category = getattr(product, "ai_category", None)
        if categories is not None and category not in categories:
            return False
        return not (exclude_categories and category in exclude_categories)

    chosen = []
    for row in candidates:
        product = products.get(str(row.product_id))
        if not eligible(product):
            continue
        because = products.get(str(row.because_id)) if row.because_id else None
        title = getattr(because, "ai_title", None) if because is not None else None
        chosen.append(Recommended(product, float(row.score), reason_text(row.reason, title, row.category),
                                  row.reason, placement, version))
        if len(chosen) == k:
            return chosen
    # Backfill from the rest of the catalog: one query, whatever is missing.
    queryset = adapter.eligible().exclude(pk__in=[*seen, *exclude])
    if categories is not None:
        queryset = queryset.filter(ai_category__in=list(categories))
    if exclude_categories:
        queryset = queryset.exclude(ai_category__in=list(exclude_categories))
    for product in queryset.order_by("pk")[:k - len(chosen)]:
        chosen.append(Recommended(product, 0.0, reason_text("catalog"), "catalog", placement, version))
    return chosen


def _purchased(user_id):
    if user_id is None:
        return set()
    return set(Interaction.objects.filter(user_id=user_id, kind=Interaction.Kind.PURCHASE)
               .values_list("product_id", flat=True).distinct())


def recommended_for(user=None, *, session_key=None, k=10, exclude=(), categories=None, exclude_categories=None):
    """"Recommended for you": the user's precomputed top-K, or the cold-start ladder."""
    k = check_k(k)
    version = active_version_id()
    user_id = getattr(user, "pk", user) if getattr(user, "is_authenticated", True) else None
    limit = k * OVERFETCH
    ladder = []
    if user_id is not None:
        ladder.append(_rows(version, Recommendation.objects.filter(user_id=user_id), limit, f"user:{user_id}"))
    if not any(ladder):
        touched = Interaction.objects.filter(**({"user_id": user_id} if user_id is not None else
                                                {"session_key": session_key or "-", "user__isnull": True}))
        recent = list(touched.order_by("-occurred_at").values_list("product_id", flat=True)[:RECENT_VIEWS])
        viewed = [Candidate(row.product_id, row.score, Reason.VIEWED, row.because_id)
                  for row in _related_rows(version, RelatedProduct.Kind.SIMILAR, recent, OVERFETCH)]
        ladder.append(viewed)
        categories_touched = {values.get("category") for values in get_adapter().product_values(recent).values()}
        for category in sorted(c for c in categories_touched if c)[:2]:
            ladder.append(_trending_rows(version, limit, category))
    ladder.append(_trending_rows(version, limit))
    return _serve("recommended", version, ladder, k, exclude={*exclude, *_purchased(user_id)},
                  categories=categories, exclude_categories=exclude_categories)


def _category_of(product):
    values = get_adapter().product_values([product.pk]).get(product.pk, {})
    return values.get("category") or ""


def similar_to(product, *, k=10, user=None, exclude=(), categories=None, exclude_categories=None):
    """"Similar items": embedding neighbours, or content neighbours for a product newer than the model."""
    k = check_k(k)
    version = active_version_id()
    limit = k * OVERFETCH
    similar = _related_rows(version, RelatedProduct.Kind.SIMILAR, [product.pk], limit)
    ladder = [similar or _content_rows(product.pk, limit), _trending_rows(version, limit, _category_of(product)),
              _trending_rows(version, limit)]
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    return _serve("similar", version, ladder, k, exclude={*exclude, product.pk, *_purchased(user_id)},
                  categories=categories, exclude_categories=exclude_categories)


def bought_with(product, *, k=10, user=None, exclude=(), categories=None, exclude_categories=None):
    """"Bought together": products in the same orders as this one, then similar ones."""
    k = check_k(k)
    version = active_version_id()
    limit = k * OVERFETCH
    ladder = [_related_rows(version, RelatedProduct.Kind.BOUGHT_TOGETHER, [product.pk], limit),
              _related_rows(version, RelatedProduct.Kind.SIMILAR, [product.pk], limit),
              _trending_rows(version, limit)]
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    return _serve("bought_together", version, ladder, k, exclude={*exclude, product.pk, *_purchased(user_id)},
                  categories=categories, exclude_categories=exclude_categories)


def trending(*, k=10, category=None, exclude=(), exclude_categories=None):
    """"Trending": recency-weighted popularity, in ``category`` when given (then overall)."""
    k = check_k(k)
    version = active_version_id()
    limit = k * OVERFETCH
    ladder = [_trending_rows(version, limit, category)] if category else []
    ladder.append(_trending_rows(version, limit))
    return _serve("trending", version, ladder, k, exclude=exclude,
                  categories=[category] if category else None, exclude_categories=exclude_categories)
