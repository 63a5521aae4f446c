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

Experiments: while one covers a placement, a visitor (the user, or the anonymous session) is served the version of
their arm (``version_for``, see ``experiments``), and every item carries the arm for attribution.

Each returns the list of a ``Served`` plan (``plan_recommended``, ``plan_similar``, ...): its key names the cached
list, so that the template tags can find the rendered fragment of that list without reading the list itself.

Query cost: a served list, its products included, is cached for ``CACHE_SECONDS`` under the served stamp (see
``SERVED_STAMP``), so a warm list costs no query; an anonymous visitor's list is keyed by the products they viewed
last, cached per session and kept in step as their events are recorded. Building a list is constant whatever ``k``
is: the active version (with whether an experiment runs, in the same query) and the candidate rows of each rung of
the ladder (both cached, the rows per version), the user's purchases, one query for every candidate product with the
shop's attributes, and one backfill query when the candidates run out; a known user at most six queries, the
cold-start ladder of an unknown user at most nine (one more, once per cache period, while an experiment runs).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Value
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ai_commerce import arrangement, cache, stock_outlook
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction, ModelVersion

from . import experiments, popularity
from .models import ContentNeighbour, Experiment, Reason, Recommendation, RelatedProduct, TrendingProduct
from .records import Rec

MAX_K = 50
OVERFETCH = 3
RECENT_VIEWS = 5
ACTIVE_KEY = "ai_commerce:recommendations:active"
#: The stamp of every served list: bumped when a product, a row its mapped fields read or an order line is saved
#: (stock, activity and purchases may have changed), when ai_commerce writes a price, when a product gets its content
#: neighbours, and when a user is forgotten (``receivers``).
SERVED_STAMP = "recommendations:served"
PLACEMENTS = ("recommended", "similar", "bought_together", "trending", "buy_again")  # buy_again: see buy_again.py
_COLUMNS = ("product_id", "score", "reason", "because_id", "category")  # a stored row, read as a Rec


@dataclass(frozen=True)
class Recommended:
    product: object
    score: float
    reason: str
    reason_code: str
    placement: str
    model_version: int | None
    arm: int = 0  # the experiment arm it was served in (0: none)

    @property
    def attribution(self):
        """``placement:version[:arm]`` for crediting clicks and purchases to what was shown."""
        base = f"{self.placement}:{self.model_version or 0}"
        return f"{base}:{self.arm}" if self.arm else base

    @property
    def click_url(self):
        """The product's link through the click log."""
        from .attribution import click_url

        return click_url(self)


def _alias():
    return app_settings.RECOMMENDATIONS["CACHE"]


def _seconds():
    return app_settings.RECOMMENDATIONS["CACHE_SECONDS"]


def _state():
    """(active version id or 0, whether an experiment runs), in one query, cached briefly; activating a version or
    saving an experiment clears it."""
    found = cache.get(_alias(), ACTIVE_KEY)
    if found is None:
        running = Experiment.objects.filter(status=Experiment.Status.RUNNING).order_by().values_list("pk", Value(2))
        rows = list(ModelVersion.objects.of_kind("recommendations").active().order_by().values_list("pk", Value(1))
                    .union(running, all=True))
        found = (next((pk for pk, what in rows if what == 1), 0), any(what == 2 for _pk, what in rows))
        cache.set(_alias(), ACTIVE_KEY, found, _seconds())
    return found


def active_version_id():
    """The id of the active recommendations version, or None (cached briefly; activation clears it)."""
    return _state()[0] or None


def version_for(placement, user=None, session_key=None):
    """(version id or None, arm id) serving ``placement`` to this visitor: their experiment arm's version while an
    experiment covers the placement, else the active version (arm 0). No query while the cache is warm, and none for
    experiments while none runs."""
    active, experimenting = _state()
    assigned = experiments.assign(placement, experiments.visitor_key(user, session_key)) if experimenting else None
    return assigned if assigned is not None else (active or None, 0)


def forget_active_version(**kwargs):
    cache.delete(_alias(), ACTIVE_KEY)
    experiments.forget_running()


def forget_served(**kwargs):
    """Drop every cached served list (the next request of each placement reads the database again)."""
    cache.bump(_alias(), SERVED_STAMP)


def served_stamp():
    """The token of the current served lists (it changes whenever they are dropped); ``cache.DOWN`` when uncached."""
    return cache.stamp(_alias(), SERVED_STAMP) if _seconds() else cache.DOWN


@dataclass(frozen=True)
class Served:
    """What a placement serves: ``items()``, and ``key``, the cache key of that list (None while it is uncached),
    which changes with the version, the served stamp and everything else the list depends on."""

    placement: str
    key: str | None
    compute: object

    def items(self):
        if self.key is None:
            return self.compute()
        found = cache.get(_alias(), self.key)
        if found is None:
            found = self.compute()
            cache.set(_alias(), self.key, found, _seconds())
        return found


def _served(placement, version, subject, compute, arm=0):
    """The served list of ``placement`` for ``subject`` (everything the list depends on but the version and arm),
    cached for ``CACHE_SECONDS`` under the current served stamp; uncached while the cache is down."""
    stamp = served_stamp()
    if stamp == cache.DOWN:
        return Served(placement, None, compute)
    subject = (subject, get_language(), arrangement.stamp())  # the staff rules in effect now (merchandising)
    key = f"ai_commerce:served:{version or 0}:{arm}:{stamp}:{placement}:{cache.digest(*subject)}"
    return Served(placement, key, compute)


def _frozen(values):
    return None if values is None else tuple(sorted(map(str, values)))


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
    cache_key = f"ai_commerce:recs:{version}:{key}:{limit}"
    rows = cache.get(_alias(), cache_key)
    if rows is None:
        rows = [Rec(*row) for row in queryset.filter(model_version_id=version).values_list(*_COLUMNS)[:limit]]
        cache.set(_alias(), cache_key, rows, _seconds())
    return rows


def _trending_rows(version, limit, category=""):
    if version is None:  # nothing promoted yet: popularity from the event log, never catalogue order
        return [Rec(*row) for row in popularity.ranked(category)[:limit]]
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
    return [Rec(pid, score, Reason.SIMILAR, product_id) for pid, score in rows]


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
    if code == arrangement.FEATURED:
        return _("Featured")
    return _("You might also like")


def _serve(placement, version, ladder, k, *, arm=0, exclude=(), categories=None, exclude_categories=None):
    """Walk the candidate ``ladder`` (lists of Rec, best first), keep the first ``k`` eligible products, arranged by
    the staff's rules (``ai_commerce.arrangement``) before the backfill."""
    adapter = get_adapter()
    excluded = {str(pk) for pk in exclude}
    candidates, seen = [], set()
    for rung in ladder:
        for row in rung:
            key = str(row.item)
            if key not in seen and key not in excluded:
                seen.add(key)
                candidates.append(row)
    category = next(iter(categories)) if categories is not None and len(categories) == 1 else ""
    rules = arrangement.for_scope(arrangement.Scope(placement, category=category or "", arm=arm))
    pinned = [pk for pk in rules.pinned if str(pk) not in excluded]
    wanted = {row.item for row in candidates} | {row.because for row in candidates if row.because} | set(pinned)
    # One rule for every placement and the backfill alike: the adapter's eligible(), overridden or not (pre-orders,
    # B2B), evaluated in the same query as the products (the reasons' "because" products need not be eligible).
    base = adapter.get_product_queryset()
    products = {str(p.pk): p for p in adapter.products(base.filter(pk__in=wanted)).annotate(
        ai_eligible=Exists(adapter.eligible(base.all()).filter(pk=OuterRef("pk"))))}

    def eligible(product):
        if product is None or not product.ai_eligible:
            return False
        category = getattr(product, "ai_category", None)
        if categories is not None and category not in categories:
            return False
        return not (exclude_categories and category in exclude_categories)

    chosen = []
    for row in candidates:
        product = products.get(str(row.item))
        if not eligible(product):
            continue
        because = products.get(str(row.because)) if row.because else None
        title = getattr(because, "ai_title", None) if because is not None else None
        chosen.append(Recommended(product, float(row.score), reason_text(row.reason, title, row.category),
                                  row.reason, placement, version, arm))
    chosen = running_out_last(chosen)
    if rules:
        chosen = _arranged(chosen, rules, [products.get(str(pk)) for pk in pinned], eligible, placement, version, arm)
    chosen = chosen[:k]
    if len(chosen) == k:
        return chosen
    # Backfill from the rest of the catalog: one query, whatever is missing.
    queryset = adapter.eligible().exclude(pk__in=[*seen, *exclude, *(item.product.pk for item in chosen)])
    if categories is not None:
        queryset = queryset.filter(ai_category__in=list(categories))
    if exclude_categories:
        queryset = queryset.exclude(ai_category__in=list(exclude_categories))
    missing = k - len(chosen)
    backfill = list(queryset.order_by("pk")[:missing * (OVERFETCH if rules else 1)])
    if rules:  # the rules' filters and caps hold for the backfill too
        values = {p.pk: _values(p) for p in [*(item.product for item in chosen), *backfill]}
        kept = set(rules.arrange(list(values), values).ids)
        backfill = [p for p in backfill if p.pk in kept]
    for product in backfill[:missing]:
        chosen.append(Recommended(product, 0.0, reason_text("catalog"), "catalog", placement, version, arm))
    return chosen


def _values(product):
    return {name: getattr(product, f"ai_{name}", None) for name in ("category", "price", "stock", "created")}


def _arranged(chosen, rules, pinned, eligible, placement, version, arm):
    """``chosen`` arranged by the staff's ``rules``; the ``pinned`` products join when the shop's filters let them,
    and an item a rule placed says "Featured"."""
    by_pk = {item.product.pk: item for item in chosen}
    values = {item.product.pk: _values(item.product) for item in chosen}
    values.update({p.pk: _values(p) for p in pinned if eligible(p) and p.pk not in values})
    arranged = rules.arrange(list(by_pk), values)
    out = []
    for pk in arranged.ids:
        item = by_pk.get(pk)
        if pk in arranged.featured:
            product = item.product if item is not None else next(p for p in pinned if p is not None and p.pk == pk)
            item = Recommended(product, item.score if item else 0.0, reason_text(arrangement.FEATURED),
                               arrangement.FEATURED, placement, version, arm)
        out.append(item)
    return out


def running_out_last(chosen):
    """Return ``chosen`` with the products the demand forecast expects to run out within ``RUNNING_OUT_DAYS`` moved
    after the others, each group in its order (``RECOMMENDATIONS["DEMOTE_RUNNING_OUT"]``; one query with the forecast
    installed, none without it)."""
    if not chosen or not app_settings.RECOMMENDATIONS.get("DEMOTE_RUNNING_OUT", True):
        return chosen
    soon = stock_outlook.running_out_within(product_ids=[item.product.pk for item in chosen])
    return sorted(chosen, key=lambda item: item.product.pk in soon) if soon else chosen


def _purchased(user_id):
    if user_id is None:
        return set()
    return set(Interaction.objects.filter(user_id=user_id, kind=Interaction.Kind.PURCHASE)
               .values_list("product_id", flat=True).distinct())


def _recent_key(session_key):
    return f"ai_commerce:recent:{cache.digest(session_key)}"


def _recent_views(user_id, session_key):
    """The products this visitor touched last, newest first (none for an anonymous visitor without a session).
    An anonymous session's list is cached, and kept in step by ``remember_views`` as its events are recorded."""
    if user_id is None and not session_key:
        return []
    if user_id is None:
        found = cache.get(_alias(), _recent_key(session_key))
        if found is not None:
            return found
    touched = Interaction.objects.filter(**({"user_id": user_id} if user_id is not None else
                                            {"session_key": session_key, "user__isnull": True}))
    recent = list(touched.order_by("-occurred_at").values_list("product_id", flat=True)[:RECENT_VIEWS])
    if user_id is None:
        cache.set(_alias(), _recent_key(session_key), recent, _seconds())
    return recent


def remember_views(events):
    """Put the products of newly recorded anonymous events in front of their session's cached recent list (a
    session with no cached list reads the event log when it is next served)."""
    newest = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.user_id is None and event.session_key:
            newest.setdefault(event.session_key, []).insert(0, event.product_id)
    for session_key, products in newest.items():
        found = cache.get(_alias(), _recent_key(session_key))
        if found is not None:
            cache.set(_alias(), _recent_key(session_key), [*products, *found][:RECENT_VIEWS], _seconds())


def recommended_for(user=None, **options):
    """"Recommended for you": the user's precomputed top-K, or the cold-start ladder."""
    return plan_recommended(user, **options).items()


def similar_to(product, **options):
    """"Similar items": embedding neighbours, or content neighbours for a product newer than the model."""
    return plan_similar(product, **options).items()


def bought_with(product, **options):
    """"Bought together": products in the same orders as this one, then similar ones."""
    return plan_bought_together(product, **options).items()


def trending(**options):
    """"Trending": recency-weighted popularity, in ``category`` when given (then overall)."""
    return plan_trending(**options).items()


def plan_recommended(user=None, *, session_key=None, k=10, exclude=(), categories=None, exclude_categories=None):
    """The ``Served`` plan of ``recommended_for`` (the template tags read its key before its items)."""
    k = check_k(k)
    user_id = getattr(user, "pk", user) if getattr(user, "is_authenticated", True) else None
    version, arm = version_for("recommended", user if user_id is not None else None, session_key)
    # An anonymous visitor's list depends on what they viewed: read it first (one query), and key the list by it.
    recent = _recent_views(None, session_key) if user_id is None else None

    def compute():
        limit = k * OVERFETCH
        ladder = []
        if user_id is not None:
            # A user's rows go with the served stamp, so that forgetting the user drops them from the cache too.
            ladder.append(_rows(version, Recommendation.objects.filter(user_id=user_id), limit,
                                f"user:{user_id}:{served_stamp()}"))
        if not any(ladder):
            viewed_ids = recent if recent is not None else _recent_views(user_id, None)
            viewed = [Rec(row.item, row.score, Reason.VIEWED, row.because)
                      for row in _related_rows(version, RelatedProduct.Kind.SIMILAR, viewed_ids, OVERFETCH)]
            ladder.append(viewed)
            touched = {values.get("category") for values in get_adapter().product_values(viewed_ids).values()}
            for category in sorted(c for c in touched if c)[:2]:
                ladder.append(_trending_rows(version, limit, category))
        ladder.append(_trending_rows(version, limit))
        return _serve("recommended", version, ladder, k, arm=arm, exclude={*exclude, *_purchased(user_id)},
                      categories=categories, exclude_categories=exclude_categories)

    subject = (k, user_id, recent, _frozen(exclude), _frozen(categories), _frozen(exclude_categories))
    return _served("recommended", version, subject, compute, arm)


def _category_of(product):
    values = get_adapter().product_values([product.pk]).get(product.pk, {})
    return values.get("category") or ""


def _shopper(user):
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def plan_similar(product, *, k=10, user=None, session_key=None, exclude=(), categories=None, exclude_categories=None):
    k = check_k(k)
    (version, arm), user_id = version_for("similar", user, session_key), _shopper(user)

    def compute():
        limit = k * OVERFETCH
        similar = _related_rows(version, RelatedProduct.Kind.SIMILAR, [product.pk], limit)
        ladder = [similar or _content_rows(product.pk, limit),
                  _trending_rows(version, limit, _category_of(product)), _trending_rows(version, limit)]
        return _serve("similar", version, ladder, k, arm=arm, exclude={*exclude, product.pk, *_purchased(user_id)},
                      categories=categories, exclude_categories=exclude_categories)

    subject = (k, product.pk, user_id, _frozen(exclude), _frozen(categories), _frozen(exclude_categories))
    return _served("similar", version, subject, compute, arm)


def plan_bought_together(product, *, k=10, user=None, session_key=None, exclude=(), categories=None,
                         exclude_categories=None):
    k = check_k(k)
    (version, arm), user_id = version_for("bought_together", user, session_key), _shopper(user)

    def compute():
        limit = k * OVERFETCH
        ladder = [_related_rows(version, RelatedProduct.Kind.BOUGHT_TOGETHER, [product.pk], limit),
                  _related_rows(version, RelatedProduct.Kind.SIMILAR, [product.pk], limit),
                  _trending_rows(version, limit)]
        return _serve("bought_together", version, ladder, k, arm=arm,
                      exclude={*exclude, product.pk, *_purchased(user_id)}, categories=categories,
                      exclude_categories=exclude_categories)

    subject = (k, product.pk, user_id, _frozen(exclude), _frozen(categories), _frozen(exclude_categories))
    return _served("bought_together", version, subject, compute, arm)


def plan_trending(*, k=10, category=None, exclude=(), exclude_categories=None, user=None, session_key=None):
    k = check_k(k)
    version, arm = version_for("trending", user, session_key)

    def compute():
        limit = k * OVERFETCH
        ladder = [_trending_rows(version, limit, category)] if category else []
        ladder.append(_trending_rows(version, limit))
        return _serve("trending", version, ladder, k, arm=arm, exclude=exclude,
                      categories=[category] if category else None, exclude_categories=exclude_categories)

    subject = (k, category or "", _frozen(exclude), _frozen(exclude_categories))
    return _served("trending", version, subject, compute, arm)
