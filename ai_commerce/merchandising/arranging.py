"""Arrange one ranked list by the rules that apply to it: the steps of ``rules`` (see there), on the list's positions.

The list's products become positions (0 to n - 1: the ranked ids, then the pinned products the model did not
rank), and every step works on positions, so that a list of 1,000 products costs a few passes over it, not a call
per product and rule:

- a condition reads its column once per list (``Columns``) and keeps the positions that meet it, one comprehension
  per condition over the positions the rule's earlier conditions kept; two rules with the same conditions share
  them; a rule for one product reads that product's values only;
- boost and bury multiply a factor per position (numpy, in the rules' order: the same floats as one by one), the
  weights are sorted with a stable sort, and a cap counts each value's earlier products with a sort of its codes;
- diversity picks, among the head's products, the best of each value (a heap per "already shown" or not), instead
  of scoring every remaining product at every step.

The result is the same list as applying the steps product by product (``tests/merchandising``).
"""

import heapq
import math
from bisect import bisect_left
from operator import itemgetter

import numpy as np

from ai_commerce import arrangement, review_insights, stock_outlook
from ai_commerce.conf import app_settings

from . import kept
from .models import Rule

FILTERS = (Rule.Action.EXCLUDE, Rule.Action.HIDE)
WEIGHERS = (Rule.Action.BOOST, Rule.Action.BURY)
#: ``math.log2(i + 2)`` for the positions seen so far: the NDCG discount of position ``i`` (grown on demand).
_discounts = np.zeros(0)


def discounts(n):
    """``log2(i + 2)`` for ``i`` below ``n``, computed with ``math.log2`` (the floats the weights always used)."""
    global _discounts
    found = _discounts
    if len(found) < n:
        found = np.array([math.log2(i + 2) for i in range(max(n, 2 * len(found), 1024))])
        _discounts = found
    return found[:n]


def price_band(price):
    if price is None:
        return None
    return next((i for i, edge in enumerate(app_settings.MERCHANDISING["PRICE_BANDS"]) if price <= edge),
                len(app_settings.MERCHANDISING["PRICE_BANDS"]))


class Keyed:
    """Find a key by a rule's product id as it is or as text (an int pk named "12" finds 12): ``get`` returns the
    key's entry of ``found`` (a dict keyed by pks), or None."""

    def __init__(self, found):
        self.found, self._text, self._types = found, None, None

    def key(self, product_id):
        if product_id in self.found:
            return product_id
        if self._types is None:
            self._types = set(map(type, self.found))
        if len(self._types) == 1 and type(product_id) in self._types and type(product_id) in (int, str):
            return None  # an int (or text) is found as text only by an equal int (or text): it was not
        if self._text is None:
            self._text = {str(pk): pk for pk in self.found}
        return self._text.get(str(product_id))

    def get(self, product_id):
        key = self.key(product_id)
        return None if key is None else self.found[key]


#: What a condition reads from the other capabilities rather than from the product's mapped values.
OWN_SIGNALS = ("score", "flagged", "cover")


class Columns:
    """What the conditions read about a list's candidates, as columns aligned with them (index ``i`` is
    ``candidates[i]``), each read once; and the positions that meet a rule's conditions, found once per list."""

    def __init__(self, candidates, values, standing, outlook, now):
        self.candidates, self.values, self.standing, self.outlook, self.now = (
            candidates, values, standing, outlook, now)
        self._columns, self._meeting, self._codes, self._numbers, self._rows = {}, {}, {}, {}, None

    def column(self, name):
        found = self._columns.get(name)
        if found is None:
            if name in OWN_SIGNALS:
                found = [self.value(name, pk) for pk in self.candidates]
            else:
                if self._rows is None:
                    self._rows = list(map(self.values.get, self.candidates))
                try:  # every candidate has the value (None when it is not known), as the adapter gives them
                    found = list(map(itemgetter(name), self._rows))
                except (KeyError, TypeError):
                    found = [row.get(name) if row else None for row in self._rows]
            self._columns[name] = found
        return found

    def numbers(self, name):
        """The column as an int64 (or float64) array when every value is an int (or every one a float), else None:
        then a comparison with an int (or a float) is the same in numpy as in Python."""
        if name not in self._numbers:
            column, found = self.column(name), None
            types = set(map(type, column))
            dtype = {int: np.int64, float: np.float64}.get(types.pop()) if len(types) == 1 else None
            if dtype is not None:
                try:
                    found = np.fromiter(column, dtype, len(column))
                except OverflowError:  # an int beyond 64 bits
                    found = None
            self._numbers[name] = found
        return self._numbers[name]

    def value(self, name, pk):
        """One product's value of ``name`` (None when it has none)."""
        if name == "score":
            found = self.standing.get(pk)
            return None if found is None else found.average_score
        if name == "flagged":
            found = self.standing.get(pk)
            return None if found is None else found.flagged > 0
        if name == "cover":
            found = self.outlook.get(pk)
            return None if found is None else found.days_of_cover
        row = self.values.get(pk)
        return row.get(name) if row else None

    def meeting(self, conditions):
        """The positions of the candidates that meet every condition (all of them without one), ascending."""
        found = self._meeting.get(conditions)
        if found is None:
            found = None  # every candidate
            for name, test, value in conditions:
                compare = _COMPARE.get(test)
                numbers = self.numbers(name) if compare is not None and _exact(value) else None
                if numbers is None or (numbers.dtype == np.int64 and type(value) is not int):
                    found = _meet(self.column(name), found, test, value, self.now)
                elif found is None:
                    found = np.flatnonzero(compare(numbers, value)).tolist()
                else:
                    at = np.array(found, dtype=np.int64)
                    found = at[compare(numbers[at], value)].tolist()
                if not found:
                    break
            found = list(range(len(self.candidates))) if found is None else found
            self._meeting[conditions] = found
        return found

    def meets(self, conditions, pk):
        """Whether product ``pk`` meets every condition."""
        return all(_meet([self.value(name, pk)], (0,), test, value, self.now) for name, test, value in conditions)

    def codes(self, field):
        """The field's value of each candidate as an integer code (equal values, equal codes; None: -1)."""
        found = self._codes.get(field)
        if found is None:
            if field == Rule.Field.PRICE_BAND:
                found = np.array(_band_codes(self.column("price")), dtype=np.int64)
            else:
                column = self.column(field)
                seen = dict.fromkeys(column)
                seen = dict(zip(seen, range(len(seen)), strict=True))
                seen[None] = -1
                found = np.fromiter(map(seen.__getitem__, column), np.int64, len(column))
            self._codes[field] = found
        return found

    def field_values(self, field, positions):
        """The field's values of ``positions`` (a price band's index for ``price_band``)."""
        column = self.column("price" if field == Rule.Field.PRICE_BAND else field)
        if field == Rule.Field.PRICE_BAND:
            return [price_band(column[i]) for i in positions]
        return [column[i] for i in positions]


_COMPARE = {"below": np.less, "at_least": np.greater_equal, "at_most": np.less_equal}


def _exact(value):
    """Whether numpy compares ``value`` with an int64 or float64 column as Python does: an int, or a float (a float
    column only), within the range where a float holds every int."""
    return type(value) in (int, float) and abs(value) <= 2 ** 53


def _meet(column, positions, test, value, now):
    """The ``positions`` (None: all) whose ``column`` value passes ``test`` against ``value`` (a missing value never
    does)."""
    pairs = enumerate(column) if positions is None else zip(positions, map(column.__getitem__, positions), strict=True)
    if test == "below":
        return [i for i, v in pairs if v is not None and v < value]
    if test == "at_least":
        return [i for i, v in pairs if v is not None and v >= value]
    if test == "at_most":
        return [i for i, v in pairs if v is not None and v <= value]
    if test == "is":
        return [i for i, v in pairs if v == value]
    if test == "since":
        since = now - value
        return [i for i, v in pairs if v is not None and v >= since]
    return [i for i, _v in pairs]


def _band_codes(prices):
    edges = list(app_settings.MERCHANDISING["PRICE_BANDS"])
    if edges != sorted(edges):  # the settings check says so; the bands are then found one by one
        return [-1 if p is None else price_band(p) for p in prices]
    return [-1 if p is None else bisect_left(edges, p) for p in prices]


def _occurrence(codes):
    """For each entry of ``codes``, how many entries before it hold the same code."""
    by_code = np.argsort(codes, kind="stable")
    ranked = codes[by_code]
    starts = np.empty(len(ranked), dtype=bool)
    starts[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
    index = np.arange(len(ranked))
    first = np.maximum.accumulate(np.where(starts, index, 0))
    out = np.empty_like(index)
    out[by_code] = index - first
    return out


class Rules:
    """The rules that apply to one list, ready to arrange it (see ``rules``' module docstring for the steps)."""

    needs_values = True

    def __init__(self, rules, now):
        self.rules, self.now = rules, now
        self.filters = [r for r in rules if r.action in FILTERS]
        self.weighers = [r for r in rules if r.action in WEIGHERS]
        self.caps = [r for r in rules if r.action == Rule.Action.CAP]
        self.diversifiers = [r for r in rules if r.action == Rule.Action.DIVERSIFY]
        self.pins = [r for r in rules if r.action == Rule.Action.PIN]
        self.pinned = tuple(dict.fromkeys(r.product_id for r in self.pins))
        #: The mapped values the rules read (a listing reads only these: descriptions cost more than the rules).
        self.fields = frozenset(
            {name for r in rules for name, _test, _value in r.conditions if name not in OWN_SIGNALS}
            | {"price" if r.field == Rule.Field.PRICE_BAND else r.field for r in (*self.caps, *self.diversifiers)})

    def __repr__(self):
        return f"<Rules {[r.name for r in self.rules]}>"

    def arrange_listing(self, ids):
        """``arrange(ids, values, complete=True)`` for a listing, whose values the surface has not read: the values
        are read once and kept while the catalogue does not change, and the same order arranged again is a lookup
        (``kept``)."""
        return kept.arranged(self, ids)

    def _columns(self, candidates, values):
        acting = [*self.filters, *self.weighers, *self.pins]
        standing = review_insights.standing(candidates) if any(r.uses_standing for r in acting) else {}
        outlook = stock_outlook.for_products(candidates) if any(r.uses_outlook for r in acting) else {}
        return Columns(candidates, values, standing, outlook, self.now)

    def arrange(self, ids, values=None, complete=False):
        """Return the ``Arranged`` list of ``ids`` (distinct eligible pks, best first); ``values`` {pk: mapped
        values} of them and of the eligible pinned products (a pinned product without values is not placed). A
        ``complete`` list (search results, a listing) keeps the products over a cap, after the others; a list of a
        fixed length (a placement) drops them."""
        values = values or {}
        candidates = list(ids)
        ranked = len(candidates)
        position = dict(zip(candidates, range(ranked), strict=True))
        in_values = Keyed(values)
        for product_id in self.pinned:  # pinned products the model did not rank come after the ranked ones
            pk = in_values.key(product_id)
            if pk is not None and pk not in position:
                position[pk] = len(candidates)
                candidates.append(pk)
        columns = self._columns(candidates, values)
        at = Keyed(position)
        hidden = set()
        for rule in self.filters:
            hidden.update(self._matching(rule, columns, at))
        order = np.arange(ranked)
        if hidden:
            keep = np.ones(len(candidates), dtype=bool)
            keep[list(hidden)] = False
            order = np.flatnonzero(keep[:ranked])
        factor = None
        for rule in self.weighers:  # the factor of a hidden or pinned-only product is never read
            found = self._matching(rule, columns, at)
            if found:
                factor = np.ones(len(candidates)) if factor is None else factor
                factor[found] *= rule.factor
        weight = None  # by position
        featured = set()
        if factor is not None or self.diversifiers:
            ranked_weight = (1.0 if factor is None else factor[order]) / discounts(len(order))
            if factor is not None:
                moved = np.argsort(-ranked_weight, kind="stable")
                order, ranked_weight = order[moved], ranked_weight[moved]
                up = (np.arange(len(order)) < moved) & (factor[order] > 1)
                featured = {candidates[i] for i in order[up].tolist()}
            weight = np.zeros(len(candidates))
            weight[order] = ranked_weight
        for rule in self.caps:
            order = _capped(order, rule, columns, complete)
        order = order.tolist()
        if self.diversifiers:
            order = _diversified(order, weight, self.diversifiers[0], columns)
        order, placed = self._pin(order, hidden, columns, in_values, position)
        return arrangement.Arranged(list(map(candidates.__getitem__, order)), frozenset(featured | placed))

    @staticmethod
    def _matching(rule, columns, at):
        """The positions ``rule`` acts on: its product's, when it meets the conditions; else all that do."""
        if rule.product_id is not None:
            i = at.get(rule.product_id)
            if i is None or not columns.meets(rule.conditions, columns.candidates[i]):
                return []
            return [i]
        return columns.meeting(rule.conditions)

    def _pin(self, order, hidden, columns, in_values, position):
        slots, placed = {}, set()
        for rule in self.pins:
            pk = in_values.key(rule.product_id)
            if pk is None or position[pk] in hidden or pk in placed or not columns.meets(rule.conditions, pk):
                continue
            slot = rule.position - 1
            while slot in slots:
                slot += 1
            slots[slot] = position[pk]
            placed.add(pk)
        if not slots:
            return order, set()
        taken = set(slots.values())
        out = [i for i in order if i not in taken]
        for slot, i in sorted(slots.items()):
            out.insert(min(slot, len(out)), i)
        return out, placed


def _capped(order, rule, columns, complete):
    """``order`` (positions) with the products over the rule's cap per field value after the others (``complete``)
    or dropped; a product without a value is never capped."""
    codes = columns.codes(rule.field)[order]
    over = (codes >= 0) & (_occurrence(codes) >= rule.cap)
    if not over.any():
        return order
    kept = order[~over]
    return np.concatenate([kept, order[over]]) if complete else kept


def _diversified(order, weight, rule, columns):
    """Maximal marginal relevance over the first ``DIVERSIFY_DEPTH`` positions: each next product maximises
    ``trade_off * weight / top - (1 - trade_off) * [its value is shown already]`` (the first of equals)."""
    depth = app_settings.MERCHANDISING["DIVERSIFY_DEPTH"]
    head, tail = order[:depth], order[depth:]
    if len(head) < 3:
        return order
    head_weight = weight[head]
    top = float(head_weight.max()) or 1.0
    relevance = (rule.trade_off * head_weight / top).tolist()
    penalty = 1 - rule.trade_off
    field = columns.field_values(rule.field, head)
    groups = {}  # value -> its head indices, best first (the first of equals first)
    for j in sorted(range(len(head)), key=lambda j: (-relevance[j], j)):
        groups.setdefault(field[j], []).append(j)
    # The best remaining product of each value, in two heaps: values not shown yet (and None, never "shown"), and
    # values shown already; a value moves to the second when its first product is chosen.
    fresh = [(-(relevance[js[0]] - penalty * False), js[0], value, 0) for value, js in groups.items()]
    shown = []
    heapq.heapify(fresh)
    chosen = []
    while fresh or shown:
        use = shown if not fresh or (shown and shown[0][:2] < fresh[0][:2]) else fresh
        _score, j, value, k = heapq.heappop(use)
        chosen.append(head[j])
        js = groups[value]
        if k + 1 < len(js):
            nxt = js[k + 1]
            if value is None:
                heapq.heappush(fresh, (-(relevance[nxt] - penalty * False), nxt, value, k + 1))
            else:
                heapq.heappush(shown, (-(relevance[nxt] - penalty * True), nxt, value, k + 1))
    return chosen + tail
