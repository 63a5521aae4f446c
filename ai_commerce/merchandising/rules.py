"""Apply the staff's rules to a ranked list: the provider of ``ai_commerce.arrangement`` (see there for the contract).

::

    from ai_commerce import arrangement

    rules = arrangement.for_scope(arrangement.Scope("search", query="red dress"), now)
    arranged = rules.arrange(ids, values)

**Cost.** The enabled rules are read in one query and cached under a stamp that every save or delete of a rule
bumps (``RULES_STAMP``); a web process keeps the rules of the current stamp in memory, so a warm list reads one cache
key and no SQL, whatever the number of rules. Which rules apply is decided in Python: their window (start, end) at
``now``, their surfaces, query, category and experiment arm. A rule with a condition on review sentiment or on the
forecast's days of cover reads those signals for the list's products (``review_insights.standing``,
``stock_outlook``: one query each, only while such a rule applies).

**Order of the steps**, so that conflicts resolve the same way everywhere:

1. *Filters* (exclude, hide below a stock level) drop products: filters beat pins, and the shop's own filters
   (active, in stock, already bought) ran before the rules, so a pin never brings back a product they dropped.
2. *Boost and bury* multiply each product's weight, where the model's order gives the product at position ``i``
   (from 0) the weight ``1 / log2(i + 2)`` (the discount of NDCG); the list is sorted by weight again.
3. *Caps* drop a product whose field value (category, price band) already fills its cap from a placement's list
   (search results and listings keep it, after the others: a cap never hides a product from a search).
4. *Diversify* reorders the first ``DIVERSIFY_DEPTH`` products by maximal marginal relevance: each next product
   maximises ``trade_off * weight - (1 - trade_off) * [its field value is shown already]`` (weights scaled to 0-1).
5. *Pins* put their product at their position (the higher priority first; a taken position passes to the next
   free one): pins beat bury, boosts, caps and diversity.

A product that a pin placed, or that a boost moved up, is *featured*: the surfaces say "Featured" as its reason.
"""

import contextlib
import contextvars
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.db.models.signals import post_delete, post_save

from ai_commerce import cache
from ai_commerce.conf import app_settings

from .arranging import FILTERS, WEIGHERS, Rules, price_band  # noqa: F401 (price_band: the bands, for callers)
from .models import Rule

RULES_STAMP = "merchandising:rules"
#: The rules a preview serves with instead of the saved ones (``previewing``).
_previewed = contextvars.ContextVar("ai_commerce_merchandising_previewed", default=None)
_memo = {}
_lock = threading.Lock()
_FIELDS = ("pk", "name", "action", "priority", "starts_at", "ends_at", "surfaces", "query", "query_match",
           "category", "arm", "product_id", "position", "factor", "stock_level", "field", "cap", "trade_off",
           "if_category", "if_price_min", "if_price_max", "if_stock_below", "if_new_days", "if_score_below",
           "if_flagged", "if_cover_below")
#: The scope index of recent sets of rules (``_scopes``): {id(rules): (rules, Scopes)}.
_indexes = {}


def normalise_query(query):
    return " ".join((query or "").lower().split())


@dataclass(frozen=True, slots=True)
class Spec:
    """A rule as plain values, as it is cached (see ``Rule`` for the fields)."""

    pk: int
    name: str
    action: str
    priority: int
    starts_at: object
    ends_at: object
    surfaces: tuple
    query: str
    query_match: str
    category: str
    arm: int | None
    product_id: object
    position: int
    factor: float
    stock_level: int
    field: str
    cap: int
    trade_off: float
    if_category: str
    if_price_min: object
    if_price_max: object
    if_stock_below: int | None
    if_new_days: int | None
    if_score_below: float | None
    if_flagged: bool
    if_cover_below: float | None
    # Compiled from the fields above (``__post_init__``): the conditions as (column, test, value).
    conditions: tuple = ()
    uses_standing: bool = False
    uses_outlook: bool = False
    timed: bool = False  # it has a start or an end

    def __post_init__(self):
        object.__setattr__(self, "conditions", tuple(_conditions(self)))
        object.__setattr__(self, "uses_standing", self.if_score_below is not None or self.if_flagged)
        object.__setattr__(self, "uses_outlook", self.if_cover_below is not None)
        object.__setattr__(self, "timed", self.starts_at is not None or self.ends_at is not None)

    @classmethod
    def of(cls, row):
        row = dict(row)
        row["surfaces"] = tuple(row["surfaces"] or ())
        row["query"] = normalise_query(row["query"])
        return cls(**row)

    def live(self, now):
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)

    def covers(self, scope, query):
        """Whether the rule applies to a list served in ``scope`` (``query`` normalised)."""
        if self.surfaces and scope.surface not in self.surfaces:
            return False
        if self.query:
            if scope.surface != "search":
                return False
            if self.query_match == Rule.QueryMatch.EXACT and query != self.query:
                return False
            if self.query_match == Rule.QueryMatch.CONTAINS and self.query not in query:
                return False
        if self.category and scope.category != self.category:
            return False
        return self.arm is None or self.arm == scope.arm


def _conditions(rule):
    """The (column, test, value) conditions ``rule`` sets, all of which must hold."""
    if rule.action == Rule.Action.HIDE:
        yield "stock", "below", rule.stock_level
    if rule.if_category:
        yield "category", "is", rule.if_category
    if rule.if_price_min is not None:
        yield "price", "at_least", rule.if_price_min
    if rule.if_price_max is not None:
        yield "price", "at_most", rule.if_price_max
    if rule.if_stock_below is not None:
        yield "stock", "below", rule.if_stock_below
    if rule.if_new_days is not None:
        yield "created", "since", timedelta(days=rule.if_new_days)
    if rule.if_score_below is not None:
        yield "score", "below", rule.if_score_below
    if rule.if_flagged:
        yield "flagged", "is", True
    if rule.if_cover_below is not None:
        yield "cover", "below", rule.if_cover_below


def _alias():
    return app_settings.MERCHANDISING["CACHE"]


def forget_rules(**kwargs):
    """Drop the cached rules (every process reads them again with their next list)."""
    cache.bump(_alias(), RULES_STAMP)


post_save.connect(forget_rules, sender=Rule)
post_delete.connect(forget_rules, sender=Rule)


def _load():
    """The enabled rules' rows, highest priority first (one query); what the cache keeps."""
    return tuple(Rule.objects.enabled().order_by("-priority", "pk").values(*_FIELDS))


def _compiled(rows):
    return tuple(Spec.of(row) for row in rows)


@contextlib.contextmanager
def previewing(rules):
    """Serve with ``rules`` (a list of ``Spec``) instead of the saved ones, in this context only (a preview)."""
    token = _previewed.set(tuple(sorted(rules, key=lambda rule: -rule.priority)))
    try:
        yield
    finally:
        _previewed.reset(token)


def enabled_rules():
    """(stamp, the enabled rules, highest priority first): one query when the cache is cold, none when warm."""
    previewed = _previewed.get()
    if previewed is not None:
        return f"preview-{id(previewed)}", previewed
    stamp = cache.stamp(_alias(), RULES_STAMP)
    if stamp == cache.DOWN:
        return stamp, _compiled(_load())
    found = _memo.get(stamp)
    if found is not None:
        return stamp, found
    key = f"ai_commerce:merch:rules:{stamp}"
    found = cache.get(_alias(), key)
    if found is None:
        found = _load()
        cache.set(_alias(), key, found, app_settings.MERCHANDISING["CACHE_SECONDS"])
    found = _compiled(found)  # compiled conditions live in this process only (a cache keeps plain rows)
    with _lock:
        _memo.clear()
        _memo[stamp] = found
    return stamp, found


class Scopes:
    """A set of rules sorted once by where they may apply, so that a list's scope looks at the rules that may cover
    it, not at every enabled rule: the rules without a query by (surface or every surface, category or none), a
    search's rules by exact query, and the other search rules ("contains"), each with its rank (priority order)."""

    def __init__(self, rules):
        self.rules = rules
        self.general, self.exact, self.contains = {}, {}, []
        for rank, rule in enumerate(rules):
            if rule.query:
                if rule.surfaces and "search" not in rule.surfaces:
                    continue  # a query's rule serves searches only
                if rule.query_match == Rule.QueryMatch.EXACT:
                    self.exact.setdefault(rule.query, []).append((rank, rule))
                else:
                    self.contains.append((rank, rule))
                continue
            for surface in dict.fromkeys(rule.surfaces or ("",)):
                self.general.setdefault((surface, rule.category), []).append((rank, rule))
        self.timed = any(rule.timed for rule in rules)
        self.untimed_digest = None if self.timed else cache.digest(tuple(rule.pk for rule in rules))

    def covering(self, scope, now):
        """The rules that apply to ``scope`` at ``now``, in the rules' order."""
        query = normalise_query(scope.query)
        found = []
        for key in {("", ""), ("", scope.category), (scope.surface, ""), (scope.surface, scope.category)}:
            found += self.general.get(key, ())
        if scope.surface == "search":
            found += self.exact.get(query, ())
            found += self.contains
        found.sort(key=lambda ranked: ranked[0])
        return [rule for _rank, rule in found if (not rule.timed or rule.live(now)) and rule.covers(scope, query)]

    def live_digest(self, now):
        if not self.timed:
            return self.untimed_digest
        return cache.digest(tuple(rule.pk for rule in self.rules if rule.live(now)))


def _scopes(rules):
    """The ``Scopes`` of ``rules`` (a tuple kept while it serves: the cached rules, a preview's), built once."""
    found = _indexes.get(id(rules))
    if found is not None and found[0] is rules:
        return found[1]
    index = Scopes(rules)
    with _lock:
        if len(_indexes) >= 8:
            _indexes.clear()
        _indexes[id(rules)] = (rules, index)
    return index


def stamp(now):
    """The rules' stamp and which of them are live at ``now``: a cached list keyed by it follows every change."""
    token, rules = enabled_rules()
    return f"{token}:{_scopes(rules).live_digest(now)}"


def for_scope(scope, now, rules=None):
    """The ``Rules`` that apply to a list served in ``scope`` at ``now``, or None when none does."""
    rules = enabled_rules()[1] if rules is None else rules
    applying = _scopes(rules).covering(scope, now)
    return Rules(applying, now) if applying else None


def rules_of_arms(arm_ids):
    """{arm id: [names of the enabled rules that run in it]} (one query while the rules are not cached)."""
    out = {}
    for rule in enabled_rules()[1]:
        if rule.arm in arm_ids:
            out.setdefault(rule.arm, []).append(rule.name)
    return out


class Arranger:
    """The provider that ``MerchandisingConfig.arranger`` names (``ai_commerce.arrangement``'s contract)."""

    for_scope = staticmethod(for_scope)
    stamp = staticmethod(stamp)
    rules_of_arms = staticmethod(rules_of_arms)


ARRANGER = Arranger()
