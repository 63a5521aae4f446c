"""Simulate a realistic fashion and lifestyle shop with a known ground truth.

Use it through ``manage.py demo_seed`` or call ``seed_demo_shop(SeedConfig(seed=1, products=40, ...))``.

The simulation, deterministic for a given seed:

* Categories with plausible product names, descriptions, lognormal base prices, costs at 40-70% of the
  price, varied stock (some at zero) and about 3% inactive (discontinued) products.
* Customers in taste clusters. Each cluster prefers 2-3 categories, and each product belongs to the
  "style" of one cluster that prefers its category. Most baskets are bought by a customer of the
  product's cluster, so co-purchases and preferences are learnable; activity is lognormal, so a few
  customers buy often and most buy once or twice.
* Prices that change every 2-6 weeks by a factor in [0.8, 1.2] around a base price, recorded in
  ``PriceHistory`` and used as the order lines' unit prices.
* Daily demand per product: Poisson with mean ``base * (p / p_base) ** elasticity * seasonality``, with a
  weekly (weekend) and yearly (November/December) seasonality whose mean is 1. The true elasticity,
  base demand, base price and cluster are stored in ``SimulationTruth``.
* Reviews by buyers after their purchase, with ratings skewed positive and texts whose tone mostly
  agrees with the stars (see ``demo_shop.reviews.text``).

Rows are written with ``bulk_create``, so model signals do not fire for seeded rows.
"""

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from demo_shop.catalog.models import Category, PriceHistory, Product, SimulationTruth
from demo_shop.catalog.stock import QUANTITY_P, StockPath, trajectory
from demo_shop.orders.models import Order, OrderLine
from demo_shop.reviews.models import Review
from demo_shop.reviews.text import ReviewWriter


def yesterday():
    """The default last day of the history: yesterday in the shop's time zone, so the demo is always current."""
    return timezone.localdate() - dt.timedelta(days=1)

N_CLUSTERS = 10
BATCH_SIZE = 2000
CENT = Decimal("0.01")

# name, slug, SKU prefix, parent slug, median base price, lognormal sigma, share of products
CATEGORIES = [
    ("Dresses", "dresses", "DRS", "clothing", 65.0, 0.35, 0.15),
    ("Tops", "tops", "TOP", "clothing", 28.0, 0.35, 0.18),
    ("Knitwear", "knitwear", "KNT", "clothing", 55.0, 0.35, 0.11),
    ("Trousers", "trousers", "TRS", "clothing", 48.0, 0.30, 0.12),
    ("Shoes", "shoes", "SHO", None, 75.0, 0.40, 0.11),
    ("Accessories", "accessories", "ACC", None, 22.0, 0.50, 0.13),
    ("Home", "home", "HOM", None, 32.0, 0.55, 0.11),
    ("Beauty", "beauty", "BTY", None, 18.0, 0.45, 0.09),
]
PARENTS = [("Clothing", "clothing")]
REVIEW_GROUP = {"accessories": "accessories", "home": "home", "beauty": "beauty"}  # the rest is apparel

VOCAB = {
    "dresses": (
        ("Midi Dress", "Wrap Dress", "Slip Dress", "Shirt Dress", "Maxi Dress", "Tea Dress", "Smock Dress"),
        ("Linen", "Cotton", "Silk", "Jersey", "Viscose", "Satin", "Crepe", "Broderie"),
        ("Floral", "Tiered", "Pleated", "Belted", "Ruched", "Puff-Sleeve", "Button-Through", "Relaxed"),
    ),
    "tops": (
        ("T-Shirt", "Blouse", "Shirt", "Tank Top", "Camisole", "Polo", "Tunic", "Bodysuit"),
        ("Cotton", "Organic Cotton", "Linen", "Silk", "Jersey", "Poplin", "Modal"),
        ("Classic", "Oversized", "Cropped", "Striped", "Ribbed", "Boxy", "Embroidered", "Fitted"),
    ),
    "knitwear": (
        ("Jumper", "Cardigan", "Roll-Neck", "Tank", "Sweater Vest", "Polo Knit"),
        ("Merino", "Cashmere", "Lambswool", "Cotton", "Alpaca-Blend", "Mohair-Blend"),
        ("Chunky", "Cable-Knit", "Fine-Knit", "Cropped", "Relaxed", "Fisherman", "Fair Isle"),
    ),
    "trousers": (
        (
            "Wide-Leg Trousers",
            "Straight Jeans",
            "Cigarette Trousers",
            "Joggers",
            "Culottes",
            "Chinos",
            "Cargo Trousers",
        ),
        ("Denim", "Linen", "Cotton Twill", "Wool-Blend", "Corduroy", "Tencel"),
        ("High-Rise", "Tailored", "Relaxed", "Pleat-Front", "Cropped", "Slim", "Utility"),
    ),
    "shoes": (
        ("Loafers", "Ankle Boots", "Trainers", "Ballet Flats", "Sandals", "Mules", "Chelsea Boots", "Espadrilles"),
        ("Leather", "Suede", "Canvas", "Patent", "Nubuck", "Raffia"),
        ("Classic", "Chunky", "Square-Toe", "Pointed", "Platform", "Low-Heel", "Minimal"),
    ),
    "accessories": (
        ("Tote Bag", "Scarf", "Belt", "Beanie", "Crossbody Bag", "Hair Clip", "Earrings", "Necklace", "Sunglasses"),
        ("Leather", "Wool", "Silk", "Recycled Nylon", "Gold-Plated", "Sterling Silver", "Acetate", "Canvas"),
        ("Everyday", "Mini", "Oversized", "Woven", "Classic", "Sculptural", "Printed", "Braided"),
    ),
    "home": (
        ("Cushion Cover", "Throw", "Candle", "Vase", "Mug", "Table Runner", "Bath Towel", "Photo Frame"),
        ("Linen", "Wool", "Stoneware", "Cotton", "Glass", "Soy Wax", "Bamboo", "Ceramic"),
        ("Hand-Thrown", "Striped", "Scented", "Textured", "Fringed", "Speckled", "Waffle", "Scalloped"),
    ),
    "beauty": (
        ("Hand Cream", "Lip Balm", "Body Oil", "Face Mist", "Candle Set", "Bath Salts", "Perfume", "Face Serum"),
        ("Rose", "Neroli", "Vetiver", "Fig", "Lavender", "Sandalwood", "Citrus", "Jasmine"),
        ("Nourishing", "Restoring", "Calming", "Travel-Size", "Hydrating", "Botanical", "Gentle", "Radiance"),
    ),
}

DESCRIPTION_DETAILS = (
    "Designed to be worn season after season",
    "Made in small batches by a family-run workshop",
    "An easy piece that works for the office and the weekend",
    "Finished with careful details you will notice up close",
    "Cut to a shape our customers keep coming back for",
    "Part of our responsibly sourced collection",
)
DESCRIPTION_CARE = (
    "Machine wash at 30 degrees.",
    "Hand wash or dry clean only.",
    "Wipe clean with a soft cloth.",
    "Store away from direct sunlight.",
    "Free returns within 30 days.",
    "Ships in plastic-free packaging.",
)

# fmt: off
FIRST_NAMES = (
    "olivia", "emma", "amelia", "isla", "ava", "mia", "sophia", "grace", "lily", "freya", "ella", "poppy",
    "evie", "chloe", "alice", "ruby", "sienna", "harper", "zara", "maya", "noah", "oliver", "george", "leo",
    "arthur", "oscar", "harry", "jack", "henry", "theo", "jacob", "charlie", "thomas", "sam", "alex", "jamie",
    "priya", "aisha", "fatima", "hannah", "lucy", "sarah", "laura", "anna", "kate", "nora", "elena", "chiara",
    "ines", "sofia",
)
LAST_NAMES = (
    "smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel", "wright", "robinson",
    "thompson", "evans", "walker", "white", "roberts", "green", "hall", "wood", "jackson", "clarke", "khan",
    "lewis", "harris", "martin", "cooper", "king", "lee", "baker", "hill", "moore", "ward", "turner", "morris",
    "scott", "young", "allen", "mitchell", "campbell", "kelly", "rossi", "garcia", "muller", "nowak", "silva",
)
# fmt: on

WEEKDAY_FACTOR = np.array([0.86, 0.84, 0.88, 0.93, 1.05, 1.27, 1.17])  # Monday .. Sunday
MONTH_FACTOR = np.array([0.80, 0.74, 0.86, 0.92, 0.98, 0.95, 0.92, 0.90, 0.97, 1.05, 1.40, 1.60])
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4, 4.5, 5, 6, 6, 5, 5, 5.5, 6, 7, 8.5, 9, 8, 5.5, 2.5], dtype=float
)
ORDER_SIZE_P = np.array([0.45, 0.30, 0.15, 0.10])  # 1, 2, 3 or 4 lines per basket
MEAN_QUANTITY = float(np.dot(QUANTITY_P, [1, 2, 3]))  # 1, 2 or 3 units per line
STRAY_SHARE = 0.18  # baskets bought by customers outside the product's taste cluster
RATING_P = np.array([0.04, 0.07, 0.12, 0.22, 0.55])
REVIEW_SHARE = 0.075
STATUS_P = (("published", 0.95), ("pending", 0.04), ("hidden", 0.01))


@dataclass
class SeedConfig:
    seed: int = 42
    products: int = 400
    customers: int = 3000
    order_lines: int = 100_000
    days: int = 365
    end_date: dt.date = field(default_factory=yesterday)
    progress: bool = True
    categories: int | None = None  # only the first N of CATEGORIES (None: all of them)
    clusters: int | None = None  # taste clusters (None: N_CLUSTERS)
    searches: int = 3000  # search sessions: customers searching for what they then bought (search_sessions)


@dataclass
class Simulation:
    """Everything the simulation produced, as plain Python and numpy, before it is written."""

    categories: list = field(default_factory=list)  # (name, slug, parent slug)
    products: list = field(default_factory=list)  # dicts of Product fields plus "category_slug"
    truths: list = field(default_factory=list)  # dicts of SimulationTruth fields
    prices: list = field(default_factory=list)  # per product: [(valid_from, Decimal price)]
    customers: list = field(default_factory=list)  # dicts of User fields
    orders: list = field(default_factory=list)  # (customer index, created_at, [(product index, qty, price)])
    reviews: list = field(default_factory=list)  # dicts with customer/product indexes and fields
    config: SeedConfig | None = None  # what it was simulated from
    stock: StockPath = None  # end-of-day stock, sold quantities and deliveries of every product
    start_date: dt.date = None  # the first simulated day (day 0 of ``stock``)
    expected_units: np.ndarray = None  # products x days: the true expected units wanted (the forecast's ideal)
    customer_clusters: np.ndarray = None  # per customer, their taste cluster (products' are in ``truths``)
    customer_activity: np.ndarray = None  # per customer, how often they buy (relative)


def psychological_price(value):
    """Round a price the way shops do: 59.99 above 10, 6.49 or 6.99 above 5, 3.59 below; never below 0.99."""
    if value >= 10:
        return Decimal(round(value)) - CENT
    if value >= 5:
        return Decimal(round(value * 2)) / 2 - CENT
    return max(Decimal(round(value * 10)) / 10, Decimal("1.00")) - CENT


def _article(word):
    return "An" if word[0].lower() in "aeiou" else "A"


# Day of the year of each month's 15th (February counted with 29 days), where the month factors apply.
MID_MONTH_DAY_OF_YEAR = np.cumsum([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30], dtype=float) + 15


def _seasonality(days, start):
    """Return one factor per day (weekday times month), normalised to a mean of 1.

    Month factors apply at mid-month and are interpolated in between, so the Christmas peak ramps up
    through November and December instead of jumping on the first of the month.
    """
    mid = MID_MONTH_DAY_OF_YEAR
    knots = np.concatenate(([mid[-1] - 366], mid, [mid[0] + 366]))
    values = np.concatenate(([MONTH_FACTOR[-1]], MONTH_FACTOR, [MONTH_FACTOR[0]]))
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    weekday = WEEKDAY_FACTOR[[d.weekday() for d in dates]]
    month = np.interp([d.timetuple().tm_yday for d in dates], knots, values)
    season = weekday * month
    return season / season.mean()


class _Progress:
    def __init__(self, enabled):
        self.enabled = enabled

    def __call__(self, iterable=None, **kwargs):
        return tqdm(iterable, disable=not self.enabled, leave=False, dynamic_ncols=True, **kwargs)


def simulate(config: SeedConfig) -> Simulation:
    """Run the simulation in memory and return it; nothing touches the database."""
    categories = CATEGORIES if config.categories is None else CATEGORIES[: config.categories]
    n_clusters = N_CLUSTERS if config.clusters is None else config.clusters
    if not categories or n_clusters < 1:
        raise ValueError("need at least one category and one taste cluster")
    if config.products < len(categories) or config.customers < n_clusters or config.days < 7:
        raise ValueError(f"need at least {len(categories)} products, {n_clusters} customers and 7 days")
    rng = np.random.default_rng(config.seed)
    prng = random.Random(config.seed)
    progress = _Progress(config.progress)
    sim = Simulation(config=config)
    days = config.days
    start = config.end_date - dt.timedelta(days=days - 1)
    sim.start_date = start
    start_dt = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    end_dt = dt.datetime.combine(config.end_date, dt.time.max, tzinfo=dt.UTC)

    # Categories and taste clusters: every category is preferred by at least one cluster.
    sim.categories = [(name, slug, None) for name, slug in PARENTS]
    sim.categories += [(spec[0], spec[1], spec[3]) for spec in categories]
    n_cat = len(categories)
    prefs = [
        set(rng.choice(n_cat, size=min(int(rng.integers(2, 4)), n_cat), replace=False).tolist())
        for _ in range(n_clusters)
    ]
    for cat in range(n_cat):
        if not any(cat in p for p in prefs):
            prefs[int(rng.integers(n_clusters))].add(cat)
    clusters_of_category = [[c for c in range(n_clusters) if cat in prefs[c]] for cat in range(n_cat)]
    cluster_share = rng.dirichlet(np.full(n_clusters, 4.0))

    # Products.
    n = config.products
    cat_share = np.array([spec[6] for spec in categories])
    product_cat = rng.choice(n_cat, size=n, p=cat_share / cat_share.sum())
    product_cat[:n_cat] = np.arange(n_cat)  # every category has at least one product
    elasticity = rng.uniform(-3.5, -0.8, size=n)
    popularity = rng.lognormal(0.0, 0.9, size=n)
    cost_share = rng.uniform(0.4, 0.7, size=n)
    launch = np.where(rng.random(n) < 0.15, rng.integers(0, int(days * 0.8) + 1, size=n), 0)
    inactive = rng.random(n) < 0.03
    stop = np.where(inactive, rng.integers(int(days * 0.5), int(days * 0.95) + 1, size=n), days)
    stop = np.maximum(stop, launch + 1)
    cluster = np.array([clusters_of_category[c][int(rng.integers(len(clusters_of_category[c])))] for c in product_cat])
    seen_names = set()
    base_price = np.empty(n)
    for i in range(n):
        _name, slug, prefix, _parent, median, sigma, _share = categories[product_cat[i]]
        nouns, materials, adjectives = VOCAB[slug]
        for _attempt in range(20):
            noun, material, adjective = prng.choice(nouns), prng.choice(materials), prng.choice(adjectives)
            title = f"{adjective} {material} {noun}"
            if title not in seen_names:
                break
        else:
            title = f"{adjective} {material} {noun} No. {i + 1}"
        seen_names.add(title)
        sku = f"{prefix}-{i + 1:05d}"
        price = psychological_price(float(rng.lognormal(math.log(median), sigma)))
        base_price[i] = float(price)
        if launch[i] > 0:
            created = start_dt + dt.timedelta(days=int(launch[i]))  # on sale from midnight of its launch day
        else:
            created = start_dt - dt.timedelta(days=prng.randint(30, 700), hours=prng.randint(0, 23))
        description = (
            f"{_article(adjective)} {adjective.lower()} {noun.lower()} in {material.lower()}. "
            f"{prng.choice(DESCRIPTION_DETAILS)}. {prng.choice(DESCRIPTION_CARE)}"
        )
        sim.products.append(
            {
                "sku": sku,
                "name": title,
                "slug": slugify(f"{title} {sku}"),
                "description": description,
                "category_slug": slug,
                "cost": (price * Decimal(str(round(cost_share[i], 3)))).quantize(CENT),
                "stock": 0,  # set from the stock trajectory below
                "is_active": not inactive[i],
                "created_at": created,
                "noun": noun.lower(),
                "group": REVIEW_GROUP.get(slug, "apparel"),
            }
        )

    # Price paths: a new price every 2-6 weeks, by a factor in [0.8, 1.2] around the base price.
    segment = np.zeros((n, days), dtype=np.int32)
    price_matrix = np.zeros((n, days))
    for i in range(n):
        base = Decimal(str(base_price[i]))
        first_valid = sim.products[i]["created_at"]
        path = [(first_valid, base)]
        day = int(launch[i])
        price_matrix[i, :] = base_price[i]
        day += prng.randint(14, 42)
        while day < days:
            new = psychological_price(base_price[i] * prng.uniform(0.8, 1.2))
            if new != path[-1][1]:
                path.append((start_dt + dt.timedelta(days=day), new))
                segment[i, day:] = len(path) - 1
                price_matrix[i, day:] = float(new)
            day += prng.randint(14, 42)
        sim.prices.append(path)
        sim.products[i]["price"] = path[-1][1]

    # Expected daily lines; the scale makes the total match the requested number of order lines.
    season = _seasonality(days, start)
    alive = (np.arange(days)[None, :] >= launch[:, None]) & (np.arange(days)[None, :] < stop[:, None])
    weight = popularity * np.sqrt(cluster_share[cluster] * n_clusters)
    shape = weight[:, None] * (price_matrix / base_price[:, None]) ** elasticity[:, None] * season[None, :] * alive
    scale = config.order_lines / max(shape.sum(), 1e-9)
    lines_per_day = rng.poisson(shape * scale)  # the lines wanted: those that find the shelf empty are lost
    # The stock, day by day (its own random stream): deliveries, sales off the shelf, stockouts.
    sim.expected_units = shape * scale * MEAN_QUANTITY
    sim.stock = trajectory(lines_per_day, sim.expected_units, launch, stop,
                           np.random.default_rng([config.seed, 1]))
    for i in range(n):
        sim.products[i]["stock"] = int(sim.stock.end_of_day[i, -1])
    base_daily_lines = weight * scale
    for i in range(n):
        sim.truths.append(
            {
                "elasticity": float(round(elasticity[i], 6)),
                "base_weekly_demand": float(round(7 * base_daily_lines[i] * MEAN_QUANTITY, 6)),
                "base_price": Decimal(str(base_price[i])),
                "taste_cluster": int(cluster[i]),
            }
        )

    # Customers.
    m = config.customers
    customer_cluster = rng.choice(n_clusters, size=m, p=cluster_share)
    customer_cluster[:n_clusters] = np.arange(n_clusters)  # no empty cluster
    # Lognormal activity (a few loyal customers, a long tail of occasional ones), capped so that no
    # single account dominates the history.
    activity = np.clip(rng.lognormal(0.0, 1.3, size=m), 0.02, 12.0)
    sim.customer_clusters, sim.customer_activity = customer_cluster, activity
    for j in range(m):
        first, last = prng.choice(FIRST_NAMES), prng.choice(LAST_NAMES)
        username = f"{first}.{last}{j + 1}"
        sim.customers.append(
            {
                "username": username,
                "first_name": first.title(),
                "last_name": last.title(),
                "email": f"{username}@example.com",
                "date_joined": start_dt - dt.timedelta(days=prng.randint(1, 700), seconds=prng.randint(0, 86399)),
            }
        )
    pools = []
    for c in range(n_clusters):
        members = np.flatnonzero(customer_cluster == c)
        pools.append((members, np.cumsum(activity[members]) / activity[members].sum()))
    everyone = (np.arange(m), np.cumsum(activity) / activity.sum())

    # Baskets: each day's lines are grouped by taste cluster into orders of 1-4 lines.
    hour_p = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
    for d in progress(range(days), desc="simulating days", unit="day"):
        sold = sim.stock.quantities[d]  # per product, the units of each line sold that day
        items = np.repeat(np.arange(n), [len(q) for q in sold])
        if not len(items):
            continue
        units = np.array([q for per_product in sold for q in per_product], dtype=np.int64)
        stray = rng.random(len(items)) < STRAY_SHARE
        day_start = start_dt + dt.timedelta(days=d)
        at = np.arange(len(items))
        groups = [(pools[c], at[~stray & (cluster[items] == c)]) for c in range(n_clusters)]
        groups.append((everyone, at[stray]))
        for pool, positions in groups:
            if not len(positions):
                continue
            positions = rng.permutation(positions)
            group, quantities = items[positions], units[positions]
            ends = np.cumsum(rng.choice(4, size=len(group), p=ORDER_SIZE_P) + 1)
            ends = np.append(ends[ends < len(group)], len(group))
            starts = np.concatenate(([0], ends[:-1]))
            k = len(ends)
            hours = rng.choice(24, size=k, p=hour_p)
            seconds = rng.integers(3600, size=k)
            members, cdf = pool
            buyers = members[np.minimum(np.searchsorted(cdf, rng.random(k)), len(members) - 1)]
            for o in range(k):
                basket = Counter()
                for product, quantity in zip(
                    group[starts[o] : ends[o]].tolist(), quantities[starts[o] : ends[o]].tolist(), strict=True
                ):
                    basket[product] += quantity
                created = day_start + dt.timedelta(hours=int(hours[o]), seconds=int(seconds[o]))
                lines = [
                    (product, quantity, sim.prices[product][segment[product, d]][1])
                    for product, quantity in sorted(basket.items())
                ]
                sim.orders.append((int(buyers[o]), created, lines))

    # Reviews by buyers, some days after the purchase, at most one per customer and product.
    writer = ReviewWriter(prng)
    quality = rng.normal(0.0, 0.5, size=n)
    log_rating_p = np.log(RATING_P)
    reviewed = set()
    statuses, status_weights = zip(*STATUS_P, strict=True)
    for customer, created, lines in sim.orders:
        for product, _quantity, _price in lines:
            if prng.random() >= REVIEW_SHARE or (customer, product) in reviewed:
                continue
            when = created + dt.timedelta(days=prng.randint(2, 30), seconds=prng.randint(0, 86399))
            if when > end_dt:
                continue
            reviewed.add((customer, product))
            logits = log_rating_p + 0.6 * quality[product] * (np.arange(5) - 2)
            p = np.exp(logits - logits.max())
            rating = int(rng.choice(5, p=p / p.sum())) + 1
            title, body, kind = writer.write(rating, sim.products[product]["noun"], sim.products[product]["group"])
            sim.reviews.append(
                {
                    "customer": customer,
                    "product": product,
                    "rating": rating,
                    "title": title,
                    "body": body,
                    "created_at": when,
                    "status": prng.choices(statuses, weights=status_weights)[0],
                    "kind": kind,
                }
            )
    return sim


def _bulk_create(model, objects, progress, desc):
    created = []
    for offset in progress(range(0, len(objects), BATCH_SIZE), desc=desc, unit="batch"):
        created += model.objects.bulk_create(objects[offset : offset + BATCH_SIZE])
    return created


def demo_data_exists():
    """Return whether the catalog, orders or reviews already hold rows."""
    return Category.objects.exists() or Product.objects.exists() or Order.objects.exists() or Review.objects.exists()


def _delete_all_rows(model):
    """Delete every row of ``model`` in one statement, without per-row delete signals.

    Only for a full flush: the products and customers are deleted right after, and their cascades (and
    the receivers connected to them, such as ai_commerce's) remove whatever referred to these rows.
    Per-row signals would cost one query per order line. A model that other rows point to is deleted
    the ordinary way, so that their ``on_delete`` rules apply.
    """
    if model._meta.related_objects:
        model.objects.all().delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def flush_demo_data():
    """Delete every catalog, order, review and search row and every customer (users who are not staff)."""
    from ai_commerce.search.models import SearchQuery

    SearchQuery.objects.all().delete()
    _delete_all_rows(Review)
    _delete_all_rows(OrderLine)
    Order.objects.all().delete()
    PriceHistory.objects.all().delete()
    SimulationTruth.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    get_user_model().objects.filter(is_staff=False, is_superuser=False).delete()


@transaction.atomic
def write(sim: Simulation, progress=True):
    """Write a simulation to the database in batches; return the number of rows per model."""
    User = get_user_model()
    bar = _Progress(progress)
    categories = {}
    for name, slug, parent in sim.categories:
        categories[slug] = Category.objects.create(name=name, slug=slug, parent=categories.get(parent))

    products = _bulk_create(
        Product,
        [
            Product(
                category=categories[p["category_slug"]],
                **{k: v for k, v in p.items() if k not in {"category_slug", "noun", "group"}},
            )
            for p in sim.products
        ],
        bar,
        "products",
    )
    _bulk_create(
        SimulationTruth, [SimulationTruth(product=products[i], **t) for i, t in enumerate(sim.truths)], bar, "truth"
    )
    history = [
        PriceHistory(product=products[i], price=price, valid_from=valid_from)
        for i, path in enumerate(sim.prices)
        for valid_from, price in path
    ]
    _bulk_create(PriceHistory, history, bar, "price history")

    unusable = make_password(None)
    users = _bulk_create(User, [User(password=unusable, **c) for c in sim.customers], bar, "customers")
    orders = _bulk_create(
        Order,
        [Order(customer=users[customer], created_at=created) for customer, created, _ in sim.orders],
        bar,
        "orders",
    )
    lines = [
        OrderLine(order=order, product=products[product], quantity=quantity, unit_price=price)
        for order, (_c, _t, order_lines) in zip(orders, sim.orders, strict=True)
        for product, quantity, price in order_lines
    ]
    _bulk_create(OrderLine, lines, bar, "order lines")
    reviews = [
        Review(
            product=products[r["product"]],
            author=users[r["customer"]],
            **{k: v for k, v in r.items() if k in {"rating", "title", "body", "created_at", "status"}},
        )
        for r in sim.reviews
    ]
    _bulk_create(Review, reviews, bar, "reviews")
    searches, clicks = write_searches(sim, products, users, bar)
    snapshots = _stock_snapshots(sim, products)
    if snapshots:
        _bulk_create(type(snapshots[0]), snapshots, bar, "stock snapshots")
    return {
        "categories": len(categories),
        "products": len(products),
        "simulation truth": len(sim.truths),
        "price history": len(history),
        "customers": len(users),
        "orders": len(orders),
        "order lines": len(lines),
        "reviews": len(reviews),
        "searches": searches,
        "search clicks": clicks,
        **({"stock snapshots": len(snapshots)} if snapshots else {}),
    }


#: Minutes between a search and the order it led to.
SEARCH_LEAD_MINUTES = (2, 90)


def write_searches(sim: Simulation, products, users, bar):
    """Search sessions of the shop's own customers (``search_sessions.simulate`` with the orders as what they
    wanted): each search comes minutes before the order of the product it looked for, shows the lexical ranking's
    first ten (what the shop showed before any training, with its default swaps) and carries the clicks of a
    position-biased eye. The order itself is the purchase the trainer credits to the search once the history is
    imported. Return the number of searches and clicks written."""
    import hashlib

    from ai_commerce.search import learning, serving
    from ai_commerce.search.conf import DEFAULTS
    from ai_commerce.search.index import SearchIndex
    from ai_commerce.search.models import SearchClick, SearchQuery
    from ai_commerce.search.ranking import Ranker, Session, explore, query_key

    from . import search_sessions

    if sim.config is None or not sim.config.searches:
        return 0, 0
    index = SearchIndex.build(serving.catalogue_rows())
    lexical = Ranker()

    totals = {}  # query -> products it found (as the search logs them)
    explorer = random.Random(sim.config.seed + 28)

    def shown(query):
        matches, pool = learning.candidates(index, Session(query, [], {}))
        wanted = len(matches.words)
        totals[query] = sum(1 for n in matches.matched.values() if n == wanted) or len(matches.matched)
        order = [index.ids[p] for p in learning.ranked(lexical, index, matches, pool, query_key(query))[:10]]
        return explore(order, DEFAULTS["EXPLORE_SHARE"], explorer)  # the shop's default swaps

    catalogue = [{"id": product.pk, "title": product.name, "popularity": 0} for product in products]
    wants = [(customer, products[product].pk, created) for customer, created, lines in sim.orders
             for product, _quantity, _price in lines]
    rng = np.random.default_rng(sim.config.seed + 27)
    simulated = search_sessions.simulate(catalogue, sim.config.searches, shown, seed=sim.config.seed + 27,
                                         wants=wants)
    leads = rng.integers(*SEARCH_LEAD_MINUTES, size=len(simulated))
    searches = [
        SearchQuery(token=hashlib.md5(f"{sim.config.seed}-{i}".encode()).hexdigest(), user=users[s["visitor"]],
                    query=s["query"], normalised=query_key(s["query"]), total=totals[s["query"]], shown=s["shown"],
                    ranker="lexical", swap=s["swap"], occurred_at=s["at"] - dt.timedelta(minutes=int(lead)))
        for i, (s, lead) in enumerate(zip(simulated, leads, strict=True))]
    searches = _bulk_create(SearchQuery, searches, bar, "searches")
    clicks = [SearchClick(search=search, product_id=pid, position=s["shown"].index(pid) + 1,
                          occurred_at=search.occurred_at + dt.timedelta(seconds=30))
              for search, s in zip(searches, simulated, strict=True) for pid in s["labels"]]
    _bulk_create(SearchClick, clicks, bar, "search clicks")
    return len(searches), len(clicks)



def _stock_snapshots(sim, products):
    """The end-of-day stock of every product on every day it was on sale, as the forecast's nightly snapshot would
    have read it (days at zero are the stockouts it censors); none when the forecast is not installed."""
    if sim.stock is None or not apps.is_installed("ai_commerce.forecast"):
        return []
    Snapshot = apps.get_model("ai_commerce_forecast", "StockSnapshot")
    start = sim.start_date
    rows = []
    for i, product in enumerate(products):
        first = max(0, (product.created_at.date() - start).days)
        for d in range(first, sim.stock.end_of_day.shape[1]):
            rows.append(Snapshot(product=product, day=start + dt.timedelta(days=d),
                                 stock=int(sim.stock.end_of_day[i, d])))
    return rows


def seed_demo_shop(config: SeedConfig):
    """Simulate the shop and write it; return the number of rows created per model."""
    return write(simulate(config), progress=config.progress)
