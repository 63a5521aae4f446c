"""The arrangement on a list's positions (numpy, one pass per condition) gives the lists of the rules' steps applied
product by product: a reference written as the module docstring of ``rules`` states them, on random rule sets."""

import datetime as dt
import math
import operator
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest

from ai_commerce import review_insights, stock_outlook
from ai_commerce.arrangement import Scope
from ai_commerce.merchandising import rules as engine

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
CATEGORIES = ["Mugs", "Jugs", "Bowls", "Lamps", "Linen", "Vases"]
SURFACES = ("recommended", "similar", "trending", "search", "listing")
DEPTH = 50


# -- the reference: each step product by product ---------------------------------------------------------------
def value(pk, name, values, standing, outlook):
    if name == "score":
        return standing[pk].average_score if pk in standing else None
    if name == "flagged":
        return standing[pk].flagged > 0 if pk in standing else None
    if name == "cover":
        return outlook[pk].days_of_cover if pk in outlook else None
    row = values.get(pk)
    return row.get(name) if row else None


TESTS = {"below": operator.lt, "at_least": operator.ge, "at_most": operator.le,
         "since": lambda v, days: v >= NOW - days}


def meets(rule, pk, facts):
    for name, test, threshold in rule.conditions:
        v = value(pk, name, *facts)
        if (test == "is" and v != threshold) or (test != "is" and (v is None or not TESTS[test](v, threshold))):
            return False
    return True


def acts_on(rule, pk, facts):
    if rule.product_id is not None and pk != rule.product_id and str(pk) != str(rule.product_id):
        return False
    return meets(rule, pk, facts)


def field_value(rule, pk, facts):
    if rule.field == "price_band":
        return engine.price_band(value(pk, "price", *facts))
    return value(pk, rule.field, *facts)


def reference(rules, ids, values, complete):
    values = values or {}
    pinned = list(dict.fromkeys(r.product_id for r in rules.pins))
    by_text = {str(pk): pk for pk in values}
    found = {p: (p if p in values else by_text.get(str(p))) for p in pinned}
    extra = list(dict.fromkeys(pk for pk in found.values() if pk is not None and pk not in ids))
    candidates = [*ids, *extra]
    facts = (values, review_insights.standing(candidates), stock_outlook.for_products(candidates))
    hidden = {pk for r in rules.filters for pk in candidates if acts_on(r, pk, facts)}
    order = [pk for pk in ids if pk not in hidden]
    factor = dict.fromkeys(order, 1.0)
    touched = False
    for r in rules.weighers:
        for pk in order:
            if acts_on(r, pk, facts):
                factor[pk] *= r.factor
                touched = True
    weight = {pk: factor[pk] / math.log2(i + 2) for i, pk in enumerate(order)}
    featured = set()
    if touched:
        before = {pk: i for i, pk in enumerate(order)}
        order = sorted(order, key=lambda pk: -weight[pk])
        featured = {pk for i, pk in enumerate(order) if factor[pk] > 1 and i < before[pk]}
    for r in rules.caps:
        kept, over, counts = [], [], {}
        for pk in order:
            v = field_value(r, pk, facts)
            counts[v] = counts.get(v, 0) + 1
            (kept if v is None or counts[v] <= r.cap else over).append(pk)
        order = kept + over if complete else kept
    if rules.diversifiers and len(order[:DEPTH]) >= 3:
        r, head = rules.diversifiers[0], order[:DEPTH]
        top = max(weight[pk] for pk in head) or 1.0
        remaining, chosen, shown = list(head), [], set()
        while remaining:
            best = max(remaining, key=lambda pk: r.trade_off * weight[pk] / top
                       - (1 - r.trade_off) * (field_value(r, pk, facts) in shown))
            remaining.remove(best)
            chosen.append(best)
            if field_value(r, best, facts) is not None:
                shown.add(field_value(r, best, facts))
        order = chosen + order[DEPTH:]
    slots, placed = {}, set()
    for r in rules.pins:
        pk = found[r.product_id]
        if pk is None or pk in hidden or pk in placed or not meets(r, pk, facts):
            continue
        slot = r.position - 1
        while slot in slots:
            slot += 1
        slots[slot] = pk
        placed.add(pk)
    out = [pk for pk in order if pk not in placed]
    for slot, pk in sorted(slots.items()):
        out.insert(min(slot, len(out)), pk)
    return out, featured | placed


# -- random shops and rules ----------------------------------------------------------------------------------------
def spec(rng, pk, products):
    fields = {"pk": pk, "name": f"rule {pk}", "priority": rng.randint(0, 5), "starts_at": None, "ends_at": None,
              "surfaces": (), "query": "", "query_match": "exact", "category": "", "arm": None, "product_id": None,
              "position": rng.randint(1, 8), "factor": 2.0, "stock_level": rng.choice([1, 3]),
              "field": rng.choice(["category", "price_band"]), "cap": rng.randint(1, 4),
              "trade_off": rng.choice([0.0, 0.5, 0.7, 1.0]), "if_category": "", "if_price_min": None,
              "if_price_max": None, "if_stock_below": None, "if_new_days": None, "if_score_below": None,
              "if_flagged": False, "if_cover_below": None}
    action = rng.choice(["pin", "pin", "boost", "boost", "bury", "exclude", "hide", "cap", "diversify"])
    fields["factor"] = {"boost": rng.choice([1.5, 2.0, 10.0]), "bury": rng.choice([0.1, 0.5, 0.8])}.get(action, 2.0)
    if action == "pin" or rng.random() < 0.4:
        fields["product_id"] = rng.choice([*products, "unknown", *(str(p) for p in products[:3])])
    if rng.random() < 0.3:
        fields["surfaces"] = tuple(rng.sample(SURFACES, 2))
    if rng.random() < 0.2:
        fields["query"], fields["query_match"] = rng.choice(["mug", "blue"]), rng.choice(["exact", "contains"])
    if rng.random() < 0.15:
        fields["category"] = rng.choice(CATEGORIES)
    if rng.random() < 0.15:
        fields["starts_at"] = NOW + dt.timedelta(days=rng.choice([-2, 2]))
    for name, options in (("if_category", CATEGORIES), ("if_price_min", [Decimal("9.50"), Decimal(30)]),
                          ("if_price_max", [Decimal("12.25"), Decimal(60)]), ("if_stock_below", [2, 6]),
                          ("if_new_days", [10, 90]), ("if_score_below", [0.0, 0.5]), ("if_flagged", [True]),
                          ("if_cover_below", [4.0, 12.0])):
        if rng.random() < 0.15:
            fields[name] = rng.choice(options)
    return engine.Spec(action=action, **fields)


@pytest.fixture
def signals(monkeypatch):
    monkeypatch.setattr(review_insights, "standing", lambda pks: {
        pk: SimpleNamespace(average_score=(pk % 9 - 4) / 5, flagged=pk % 4) for pk in pks if pk % 3})
    monkeypatch.setattr(stock_outlook, "for_products", lambda pks: {
        pk: SimpleNamespace(days_of_cover=pk % 20) for pk in pks if pk % 5})


@pytest.mark.parametrize("seed", range(40))
def test_the_arrangement_is_the_steps_product_by_product(seed, signals):
    rng = random.Random(seed)
    products = list(range(1, 1201))
    values = {pk: {"category": rng.choice([*CATEGORIES, None]), "price": Decimal(rng.randint(100, 9000)) / 100,
                   "stock": rng.choice([0, 1, 2, 5, 20, None]), "created": NOW - dt.timedelta(days=rng.randint(0, 200))}
              for pk in products}
    for pk in rng.sample(products, 30):
        values[pk] = rng.choice([{}, None])
    specs = tuple(sorted((spec(rng, pk, products) for pk in range(1, rng.choice([3, 10, 60, 200]))),
                         key=lambda r: -r.priority))
    for size in (0, 2, 30, 1000):
        ids = rng.sample(products, size)
        scope = Scope(rng.choice(SURFACES), query=rng.choice(["", "blue mug", "mug"]),
                      category=rng.choice(["", "Mugs"]))
        rules = engine.for_scope(scope, NOW, specs)
        expected_rules = [r for r in specs if r.live(NOW) and r.covers(scope, engine.normalise_query(scope.query))]
        assert (rules.rules if rules else []) == expected_rules
        if rules:
            complete = rng.random() < 0.5
            listed = {pk: values[pk] for pk in [*ids, *rng.sample(products, 20)]}
            arranged = rules.arrange(ids, listed, complete=complete)
            assert (arranged.ids, set(arranged.featured)) == reference(rules, ids, listed, complete)
