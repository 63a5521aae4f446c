"""Benchmark what the staff's merchandising rules cost a ranked list, in-process, in one invocation.

Run from the project root::

    .venv/bin/python bench/merchandising.py --out bench/merchandising.json [--repeat 2000]

The lists are Online Retail's (``../shared/data/online_retail.csv.gz``, read in place): its products ranked by
lines in the last 30 days, with their real prices and, as the category a cap or diversify rule reads, the last word
of their description ("HOLDER", "BAG", "MUG", ...); stock is the product's lines in those 30 days. Each case times
what a surface does per list once the rules are cached (as on every warm request): pick the rules that apply to the
list's scope (``rules.for_scope``) and arrange it (``Rules.arrange``), for a placement's candidates (k=10
over-fetched 3x: 30 products) and for a search's candidates (100, the learned ranking's depth, and 1,000, the
largest pool), with 0, 1, 20 and 200 enabled rules. The 200 are
a shop's mix: pins and boosts scoped to queries, categories and placements, a few global filters and buries on
price and stock, one cap and one diversify rule. The baseline in the same run is the list without rules (0). The
SQL side (at most one statement per list, none once cached) is a test (``tests/merchandising``), not timed here.

Target (issue 30): <= 1 ms per ranked list whatever the number of rules.
"""

import argparse
import datetime as dt
import gzip
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "online_retail.csv.gz"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
NOW = dt.datetime(2011, 12, 10, tzinfo=dt.UTC)


def catalogue(path):
    """[(pk, {"category", "price", "stock", "created"})] of Online Retail's products, most sold in the last 30 days
    first (the data's own last day, never the wall clock)."""
    import csv

    rows = []
    with gzip.open(path, "rt", encoding="latin-1") as f:
        for row in csv.DictReader(f):
            returned = row["InvoiceNo"].startswith("C")
            if returned or float(row["Quantity"] or 0) <= 0 or float(row["UnitPrice"] or 0) <= 0:
                continue
            rows.append((row["StockCode"], row["Description"], row["UnitPrice"], row["InvoiceDate"]))
    parse = lambda s: dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC)  # noqa: E731
    newest = max(parse(d) for _c, _d, _p, d in rows)
    start = newest - dt.timedelta(days=30)
    recent, first_seen, price, words = Counter(), {}, defaultdict(list), {}
    for code, description, unit, date in rows:
        when = parse(date)
        first_seen[code] = min(first_seen.get(code, when), when)
        price[code].append(Decimal(unit))
        words[code] = (description or "?").split()[-1] if description else "?"
        if when >= start:
            recent[code] += 1
    ranked = [code for code, _n in recent.most_common()]
    return [(code, {"category": words[code], "price": statistics.median(price[code]), "stock": recent[code],
                    "created": first_seen[code]}) for code in ranked]


def shop_rules(n, products):
    """``n`` enabled rules as a shop would have them (see the module docstring), as the cached ``Spec``s."""
    from ai_commerce.merchandising.rules import Spec

    base = {"starts_at": None, "ends_at": None, "surfaces": (), "query": "", "query_match": "exact", "category": "",
            "arm": None, "product_id": None, "position": 1, "factor": 2.0, "stock_level": 1, "field": "category",
            "cap": 2, "trade_off": 0.7, "if_category": "", "if_price_min": None, "if_price_max": None,
            "if_stock_below": None, "if_new_days": None, "if_score_below": None, "if_flagged": False,
            "if_cover_below": None}
    categories = sorted({values["category"] for _pk, values in products})
    made = []
    for i in range(n):
        spec = dict(base, pk=i + 1, name=f"rule {i}", priority=i % 7)
        kind = i % 10
        code = products[(i * 7) % len(products)][0]
        if kind in (0, 1, 2):
            spec.update(action="pin", product_id=code, position=1 + i % 4, query=f"query {i % 40}")
        elif kind in (3, 4):
            spec.update(action="boost", product_id=code, factor=2.0, category=categories[i % len(categories)])
        elif kind == 5:
            spec.update(action="pin", product_id=code, surfaces=("recommended", "similar"), position=2)
        elif kind == 6:
            spec.update(action="bury", product_id=code, factor=0.5)
        elif kind == 7:
            spec.update(action="exclude", product_id=code, query=f"query {i % 40}", query_match="contains")
        elif kind == 8:
            spec.update(action="boost", factor=1.5, if_new_days=60, category=categories[(i + 3) % len(categories)])
        else:
            spec.update(action="exclude", product_id=code, surfaces=("listing",))
        made.append(Spec(action=spec.pop("action"), **spec))
    if n >= 20:  # the global ones: filters and a bury on price and stock, a cap and diversity
        made[0:5] = [
            Spec(**{**base, "pk": 10_001, "name": "hide out of stock", "priority": 9, "action": "hide"}),
            Spec(**{**base, "pk": 10_002, "name": "bury cheap", "priority": 0, "action": "bury", "factor": 0.7,
                    "if_price_max": Decimal("0.50")}),
            Spec(**{**base, "pk": 10_003, "name": "bury slow", "priority": 0, "action": "bury", "factor": 0.8,
                    "if_stock_below": 3}),
            Spec(**{**base, "pk": 10_004, "name": "cap", "priority": 0, "action": "cap", "cap": 3}),
            Spec(**{**base, "pk": 10_005, "name": "diversify", "priority": 0, "action": "diversify",
                    "trade_off": 0.7}),
        ]
    elif n:
        made = [Spec(**{**base, "pk": 1, "name": "one pin", "priority": 0, "action": "pin",
                        "product_id": products[5][0], "position": 1})]
    return tuple(made)


def timed(specs, scope, ids, values, repeat):
    from ai_commerce.merchandising import rules

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        found = rules.for_scope(scope, NOW, specs)
        if found is not None:
            found.arrange(ids, values, complete=scope.surface == "search")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1],
            "applied": len(found.rules) if found is not None else 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="bench/merchandising.json")
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--data", default=str(DATA))
    args = parser.parse_args()
    import django

    django.setup()
    from ai_commerce.arrangement import Scope

    products = catalogue(args.data)
    values = dict(products)
    cases = [("placement (30 candidates)", Scope("recommended"), 30),
             ("search (100 candidates)", Scope("search", query="query 3 red"), 100),
             ("search (1,000 candidates)", Scope("search", query="query 3 red"), 1000)]
    results = []
    print(f"{len(products)} products; {args.repeat} lists per case")
    print(f"{'list':28} {'rules':>6} {'applied':>8} {'median ms':>10} {'p99 ms':>8}")
    for label, scope, size in cases:
        ids = [pk for pk, _v in products[:size]]
        sub = {pk: values[pk] for pk in ids}
        for n in (0, 1, 20, 200):
            found = timed(shop_rules(n, products), scope, ids, sub, args.repeat)
            results.append({"list": label, "rules": n, **found})
            print(f"{label:28} {n:>6} {found['applied']:>8} {found['median_ms']:>10.3f} {found['p99_ms']:>8.3f}")
    Path(args.out).write_text(json.dumps({"data": str(args.data), "repeat": args.repeat, "results": results},
                                         indent=2, default=str))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
