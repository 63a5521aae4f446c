"""The shops the recommendation benchmark runs on, each as ``(Interactions, products)`` in the engine's format.

* "online_retail": UCI Online Retail (2010-12-01 to 2011-12-09), cleaned as in DESIGN.md section 7.
* "online_retail_ii": UCI Online Retail II, sheet 2009-2010, same cleaning, only ``InvoiceDate < 2010-12-01`` (its
  last nine days are the first nine days of online_retail, see ../shared/data/README.md).
* "demo_small", "demo_default", "demo_large": the demo shop's generator (``demo_shop.catalog.seeding.simulate``, in
  memory, no database) at three sizes, each with its own seed and taste structure; the history ends on a fixed day
  (``DEMO_END``) so the shops are the same on any day.

The data is read in place from ../shared/data and never copied. Run this file to load shops and print their sizes::

    .venv/bin/python bench/shops.py online_retail online_retail_ii demo_small
"""

import csv
import datetime as dt
import gzip
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from ai_commerce.recommendations.engine import Interactions  # noqa: E402

DATA_DIR = ROOT.parent / "shared" / "data"
DEMO_END = dt.date(2026, 6, 30)

# Online Retail II (2009-2010) names three columns differently; the protocol is the same.
RENAMED = {"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"}


def load_online_retail(path, category="last_word", before=None):
    """DESIGN.md section 7 cleaning: a CustomerID, Quantity > 0, UnitPrice > 0, InvoiceNo not starting with "C".

    Every kept line is a "purchase" (user = CustomerID, item = StockCode, order = InvoiceNo). Products: title = the
    most frequent Description, no description, price = median UnitPrice; the data has no category, so a crude one is
    derived (``category="last_word"``: the last alphabetic word of the title, roughly the product type; ``"none"``:
    no category). ``before`` ("YYYY-MM-DD") keeps only the lines whose InvoiceDate is earlier."""
    users, items, dates, qty, orders = [], [], [], [], []
    descs, prices = {}, {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        for raw in csv.DictReader(handle):
            row = {RENAMED.get(name, name): value for name, value in raw.items()}
            cust = (row["CustomerID"] or "").strip()
            inv = row["InvoiceNo"].strip()
            if not cust or inv.startswith("C"):
                continue
            if before is not None and row["InvoiceDate"] >= before:  # ISO dates compare as strings
                continue
            q = int(row["Quantity"])
            price = float(row["UnitPrice"])
            if q <= 0 or price <= 0:
                continue
            code = row["StockCode"].strip()
            users.append(int(float(cust)))
            items.append(code)
            dates.append(row["InvoiceDate"])
            qty.append(q)
            orders.append(inv)
            desc = (row["Description"] or "").strip()
            if desc:
                descs.setdefault(code, {}).setdefault(desc, 0)
                descs[code][desc] += 1
            prices.setdefault(code, []).append(price)
    ts = np.array(dates, dtype="datetime64[s]").astype(np.int64).astype(np.float64)
    n = len(users)
    inter = Interactions(
        np.array(users, dtype=np.int64),
        np.array(items, dtype=object),
        ts,
        np.full(n, "purchase"),
        np.array(qty, dtype=np.int64),
        np.array(orders, dtype=str),
    )
    products = {}
    for code, plist in prices.items():
        title = max(descs[code].items(), key=lambda kv: kv[1])[0] if code in descs else code
        cat = None
        if category == "last_word":
            words = [w for w in title.split() if w.isalpha()]
            cat = words[-1] if words else None
        products[code] = {"title": title, "description": "", "category": cat, "price": float(np.median(plist))}
    return inter, products


def _django():
    """``seeding`` imports the demo's models at module top: Django must be set up (no database is used)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    import django

    django.setup()
    from demo_shop.catalog import seeding

    return seeding


def simulation_to_engine(sim):
    """Every order line of a ``Simulation`` as a "purchase": user = customer index, item = SKU, ts = the order's
    created_at, order = the order's index; products {sku: title, description, category slug, current price}."""
    skus = [p["sku"] for p in sim.products]
    users, items, ts, qty, orders = [], [], [], [], []
    for number, (customer, created, lines) in enumerate(sim.orders):
        when = created.timestamp()
        for product, quantity, _price in lines:
            users.append(customer)
            items.append(skus[product])
            ts.append(when)
            qty.append(quantity)
            orders.append(str(number))
    n = len(users)
    item_ids = np.empty(n, dtype=object)
    item_ids[:] = items
    inter = Interactions(
        np.array(users, dtype=np.int64),
        item_ids,
        np.array(ts, dtype=np.float64),
        np.full(n, "purchase"),
        np.array(qty, dtype=np.int64),
        np.array(orders, dtype=str),
    )
    products = {
        p["sku"]: {
            "title": p["name"],
            "description": p["description"],
            "category": p["category_slug"],
            "price": float(p["price"]),
        }
        for p in sim.products
    }
    return inter, products


# SeedConfig fields of the generated shops (progress and end_date are added); each has its own seed and tastes.
DEMO_CONFIGS = {
    # about 200 products, 300 customers and 3,000 orders in one year, 4 categories (the clothing ones), 4 tastes
    "demo_small": {
        "seed": 11,
        "products": 200,
        "customers": 300,
        "order_lines": 4_600,
        "days": 365,
        "categories": 4,
        "clusters": 4,
    },
    # shaped like a small django-oscar shop (the one measured in issue 33): 200 products, 300 customers, 5,000 order
    # lines; the generator has no knob for one-off buyers, so its customers return more often than that shop's
    "oscar_small": {"seed": 5, "products": 200, "customers": 300, "order_lines": 5_000, "days": 365, "clusters": 6},
    # the demo's own defaults (seed 42: 400 products, 3,000 customers, ~100,000 order lines, 8 categories, 10 tastes)
    "demo_default": {},
    # a large shop, for the cost of a retrain: 10,000 products, 50,000 customers, 1,000,000 order lines, 25 tastes
    "demo_large": {"seed": 7, "products": 10_000, "customers": 50_000, "order_lines": 1_000_000, "clusters": 25},
}


def load_demo(name, scale=1.0):
    """Simulate a generated shop; ``scale`` multiplies products, customers and order lines (to time a fraction)."""
    seeding = _django()
    fields = dict(DEMO_CONFIGS[name])
    if scale != 1.0:
        defaults = seeding.SeedConfig(end_date=DEMO_END)
        for key in ("products", "customers", "order_lines"):
            fields[key] = max(1, round(fields.get(key, getattr(defaults, key)) * scale))
    config = seeding.SeedConfig(**fields, end_date=DEMO_END, progress=False)
    t = time.monotonic()
    sim = seeding.simulate(config)
    simulate_seconds = time.monotonic() - t
    t = time.monotonic()
    inter, products = simulation_to_engine(sim)
    info = {
        "config": {**{k: v for k, v in vars(config).items() if k != "progress"}, "end_date": str(config.end_date)},
        "orders": len(sim.orders),
        "simulate_seconds": round(simulate_seconds, 1),
        "convert_seconds": round(time.monotonic() - t, 1),
    }
    return inter, products, info


SHOPS = {
    "online_retail": "UCI Online Retail, 2010-12-01 to 2011-12-09 (DESIGN.md section 7 cleaning)",
    "online_retail_ii": "UCI Online Retail II, 2009-12-01 to 2010-11-30 (same cleaning; no overlap with the first)",
    "demo_small": "demo generator: 200 products, 300 customers, ~3,000 orders, 4 categories, one year",
    "oscar_small": "demo generator shaped like a small Oscar shop: 200 products, 300 customers, 5,000 order lines",
    "demo_default": "demo generator, SeedConfig() defaults (seed 42: 400 products, 3,000 customers, ~100k lines)",
    "demo_large": "demo generator: 10,000 products, 50,000 customers, ~1,000,000 order lines",
}


def load_shop(name, data_dir=DATA_DIR, category="last_word"):
    """Return (Interactions, products, info) of a shop in SHOPS."""
    t = time.monotonic()
    data_dir = Path(data_dir)
    if name == "online_retail":
        inter, products = load_online_retail(data_dir / "online_retail.csv.gz", category)
        info = {"file": "online_retail.csv.gz", "category": category}
    elif name == "online_retail_ii":
        inter, products = load_online_retail(data_dir / "online_retail_ii_2009_2010.csv.gz", category, "2010-12-01")
        info = {"file": "online_retail_ii_2009_2010.csv.gz", "category": category, "before": "2010-12-01"}
    elif name in DEMO_CONFIGS:
        inter, products, info = load_demo(name)
    else:
        raise ValueError(f"unknown shop {name!r}; expected one of {', '.join(SHOPS)}")
    info.update(sizes=sizes(inter, products), description=SHOPS[name], load_seconds=round(time.monotonic() - t, 1))
    return inter, products, info


def sizes(inter, products):
    first, last = (dt.datetime.fromtimestamp(float(f(inter.ts)), dt.UTC) for f in (np.min, np.max))
    return {
        "events": len(inter),
        "users": len(set(inter.users.tolist())),
        "items": len(set(inter.items.tolist())),
        "products": len(products),
        "orders": len(set(inter.orders.tolist())),
        "first_event": first.isoformat(timespec="seconds"),
        "last_event": last.isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    for shop in sys.argv[1:] or list(SHOPS):
        _inter, _products, shop_info = load_shop(shop)
        print(shop, shop_info, flush=True)
