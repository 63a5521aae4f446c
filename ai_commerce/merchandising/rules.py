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
import math
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.db.models.signals import post_delete, post_save

from ai_commerce import arrangement, cache, review_insights, stock_outlook
from ai_commerce.conf import app_settings

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
FILTERS = (Rule.Action.EXCLUDE, Rule.Action.HIDE)
WEIGHERS = (Rule.Action.BOOST, Rule.Action.BURY)


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

    def __post_init__(self):
        object.__setattr__(self, "conditions", tuple(_conditions(self)))
        object.__setattr__(self, "uses_standing", self.if_score_below is not None or self.if_flagged)
        object.__setattr__(self, "uses_outlook", self.if_cover_below is not None)

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

    def matching(self, candidates, keyed, facts):
        """The pks of ``candidates`` the rule acts on (``keyed``: {pk: pk} of them, for its own product)."""
        if self.product_id is not None:
            pk = keyed.get(self.product_id)
            return self.meeting([pk], facts) if pk is not None else []
        return self.meeting(candidates, facts)

    def matches(self, pk, facts):
        """Whether product ``pk`` is one the rule acts on (its product, and every condition that is set)."""
        if self.product_id is not None and pk != self.product_id and str(pk) != str(self.product_id):
            return False
        return bool(self.meeting([pk], facts))

    def meeting(self, pks, facts):
        """The pks of ``pks`` that meet every condition, one column at a time (a list of 1,000 products costs a
        comprehension per condition, not a call per product)."""
        for name, test, value in self.conditions:
            column = facts.column(name)
            if test == "below":
                pks = [pk for pk in pks if (v := column.get(pk)) is not None and v < value]
            elif test == "at_least":
                pks = [pk for pk in pks if (v := column.get(pk)) is not None and v >= value]
            elif test == "at_most":
                pks = [pk for pk in pks if (v := column.get(pk)) is not None and v <= value]
            elif test == "is":
                pks = [pk for pk in pks if column.get(pk) == value]
            elif test == "since":
                since = facts.now - value
                pks = [pk for pk in pks if (v := column.get(pk)) is not None and v >= since]
            if not pks:
                break
        return pks


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


class Facts:
    """What the conditions read about a list's products, one column (``{pk: value}``) at a time, built once."""

    def __init__(self, values, standing, outlook, now):
        self.values, self.standing, self.outlook, self.now = values, standing, outlook, now
        self._columns = {}

    def column(self, name):
        found = self._columns.get(name)
        if found is None:
            if name == "score":
                found = {pk: s.average_score for pk, s in self.standing.items()}
            elif name == "flagged":
                found = {pk: s.flagged > 0 for pk, s in self.standing.items()}
            elif name == "cover":
                found = {pk: o.days_of_cover for pk, o in self.outlook.items()}
            else:
                found = {pk: row.get(name) for pk, row in self.values.items() if row}
            self._columns[name] = found
        return found


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


def stamp(now):
    """The rules' stamp and which of them are live at ``now``: a cached list keyed by it follows every change."""
    token, rules = enabled_rules()
    return f"{token}:{cache.digest(tuple(rule.pk for rule in rules if rule.live(now)))}"


def for_scope(scope, now, rules=None):
    """The ``Rules`` that apply to a list served in ``scope`` at ``now``, or None when none does."""
    rules = enabled_rules()[1] if rules is None else rules
    query = normalise_query(scope.query)
    applying = [rule for rule in rules if rule.live(now) and rule.covers(scope, query)]
    return Rules(applying, now) if applying else None


def price_band(price):
    if price is None:
        return None
    return next((i for i, edge in enumerate(app_settings.MERCHANDISING["PRICE_BANDS"]) if price <= edge),
                len(app_settings.MERCHANDISING["PRICE_BANDS"]))


class _Keyed:
    """The pks of a list, found by a rule's product id as it is or as text (an int pk named "12" finds 12)."""

    def __init__(self, pks):
        self.pks, self._text = pks, None

    def get(self, product_id):
        if product_id in self.pks:
            return product_id
        if self._text is None:
            self._text = {str(pk): pk for pk in self.pks}
        return self._text.get(str(product_id))


class Rules:
    """The rules that apply to one list, ready to arrange it (see the module docstring for the steps)."""

    needs_values = True

    def __init__(self, rules, now):
        self.rules, self.now = rules, now
        self.filters = [r for r in rules if r.action in FILTERS]
        self.weighers = [r for r in rules if r.action in WEIGHERS]
        self.caps = [r for r in rules if r.action == Rule.Action.CAP]
        self.diversifiers = [r for r in rules if r.action == Rule.Action.DIVERSIFY]
        self.pins = [r for r in rules if r.action == Rule.Action.PIN]
        self.pinned = tuple(dict.fromkeys(r.product_id for r in self.pins))

    def __repr__(self):
        return f"<Rules {[r.name for r in self.rules]}>"

    def _facts(self, candidates, values):
        acting = [*self.filters, *self.weighers, *self.pins]
        standing = review_insights.standing(candidates) if any(r.uses_standing for r in acting) else {}
        outlook = stock_outlook.for_products(candidates) if any(r.uses_outlook for r in acting) else {}
        return Facts(values, standing, outlook, self.now)

    def arrange(self, ids, values=None, complete=False):
        """Return the ``Arranged`` list of ``ids`` (eligible pks, best first); ``values`` {pk: mapped values} of
        them and of the eligible pinned products (a pinned product without values is not placed). A ``complete``
        list (search results, a listing) keeps the products over a cap, after the others; a list of a fixed length
        (a placement) drops them."""
        values = values or {}
        ids = list(ids)
        present, in_values = set(ids), _Keyed(values)
        extra = list(dict.fromkeys(pk for pk in map(in_values.get, self.pinned)
                                   if pk is not None and pk not in present))
        candidates = [*ids, *extra]
        facts = self._facts(candidates, values)
        keyed = _Keyed(present.union(extra))
        hidden = set()
        for rule in self.filters:
            hidden.update(rule.matching(candidates, keyed, facts))
        order = [pk for pk in ids if pk not in hidden] if hidden else ids
        factors = {}
        for rule in self.weighers:
            for pk in rule.matching(order, keyed, facts):
                if pk not in hidden:
                    factors[pk] = factors.get(pk, 1.0) * rule.factor
        weight = None
        featured = set()
        if factors or self.diversifiers:
            weight = {pk: factors.get(pk, 1.0) / math.log2(i + 2) for i, pk in enumerate(order)}
        if factors:
            before = {pk: i for i, pk in enumerate(order)}
            order = sorted(order, key=lambda pk: -weight[pk])
            featured = {pk for i, pk in enumerate(order) if factors.get(pk, 1.0) > 1 and i < before[pk]}
        for rule in self.caps:
            order = _capped(order, rule, facts, complete)
        if self.diversifiers:
            order = _diversified(order, weight, self.diversifiers[0], facts)
        order, placed = self._pin(order, hidden, facts, in_values)
        return arrangement.Arranged(list(order), frozenset(featured | placed))

    def _pin(self, order, hidden, facts, by_key):
        slots, placed = {}, set()
        for rule in self.pins:
            pk = by_key.get(rule.product_id)
            if pk is None or pk in hidden or pk in placed or not rule.matches(pk, facts):
                continue
            slot = rule.position - 1
            while slot in slots:
                slot += 1
            slots[slot] = pk
            placed.add(pk)
        if not slots:
            return order, set()
        out = [pk for pk in order if pk not in placed]
        for slot, pk in sorted(slots.items()):
            out.insert(min(slot, len(out)), pk)
        return out, placed


def _field_column(facts, field):
    if field == Rule.Field.PRICE_BAND:
        return {pk: price_band(price) for pk, price in facts.column("price").items()}
    return facts.column(field)


def _capped(order, rule, facts, complete):
    kept, over, counts, cap = [], [], {}, rule.cap
    value_of = _field_column(facts, rule.field).get
    for pk in order:
        value = value_of(pk)
        if value is None:
            kept.append(pk)
            continue
        n = counts[value] = counts.get(value, 0) + 1
        (kept if n <= cap else over).append(pk)
    return kept + over if complete else kept


def _diversified(order, weight, rule, facts):
    depth = app_settings.MERCHANDISING["DIVERSIFY_DEPTH"]
    head, tail = order[:depth], order[depth:]
    if len(head) < 3:
        return order
    top = max(weight[pk] for pk in head) or 1.0
    column = _field_column(facts, rule.field)
    field = {pk: column.get(pk) for pk in head}
    relevance = {pk: rule.trade_off * weight[pk] / top for pk in head}
    penalty = 1 - rule.trade_off
    remaining, chosen, shown = list(head), [], set()
    while remaining:
        best = max(remaining, key=lambda pk: relevance[pk] - penalty * (field[pk] in shown))
        remaining.remove(best)
        chosen.append(best)
        if field[best] is not None:
            shown.add(field[best])
    return chosen + tail


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
