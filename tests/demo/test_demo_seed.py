"""demo_seed: deterministic, sane, and consistent with the ground truth it stores."""

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from decimal import Decimal

import numpy as np
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from demo_shop.catalog import seeding
from demo_shop.catalog.models import Category, PriceHistory, Product, SimulationTruth
from demo_shop.orders.models import Order, OrderLine
from demo_shop.reviews.models import Review
from demo_shop.reviews.text import ReviewWriter

TINY = ["--products", "30", "--customers", "80", "--order-lines", "3000", "--days", "90", "--verbosity", "0"]

POSITIVE_CUES = re.compile(
    r"\b(love|loves|perfect|great|excellent|beautiful(ly)?|gorgeous|lovely|comfortable|comfy|recommend|happy|"
    r"favourite|bargain|worth every penny|well made|solid|quick(ly)?|fast|friendly|helpful|soft)\b",
    re.IGNORECASE,
)
NEGATIVE_CUES = re.compile(
    r"\b(disappointed|disappointing|poor|cheap(ly)?|terrible|awful|horrible|useless|waste|uncomfortable|itchy|"
    r"painful|sending|send|not worth|overpriced|regret|late|damaged|broke|flimsy|rude|letdown|do not buy|"
    r"unhappy|wrong|sloppy|nightmare|not recommend)\b",
    re.IGNORECASE,
)


def seed(*extra):
    call_command("demo_seed", *TINY, *extra)


def snapshot():
    """Return every seeded row by natural keys (primary keys differ between runs)."""
    User = get_user_model()
    return {
        "categories": sorted(Category.objects.values_list("name", "slug", "parent__slug")),
        "products": sorted(
            Product.objects.values_list(
                "sku",
                "name",
                "slug",
                "description",
                "category__slug",
                "price",
                "cost",
                "stock",
                "is_active",
                "created_at",
            )
        ),
        "truth": sorted(
            SimulationTruth.objects.values_list(
                "product__sku", "elasticity", "base_weekly_demand", "base_price", "taste_cluster"
            )
        ),
        "prices": sorted(PriceHistory.objects.values_list("product__sku", "price", "valid_from")),
        "customers": sorted(
            User.objects.filter(is_staff=False).values_list("username", "first_name", "last_name", "date_joined")
        ),
        "lines": sorted(
            OrderLine.objects.values_list(
                "order__customer__username", "order__created_at", "product__sku", "quantity", "unit_price"
            )
        ),
        "reviews": sorted(
            Review.objects.values_list(
                "author__username", "product__sku", "rating", "title", "body", "created_at", "status"
            )
        ),
        "searches": searches_by_sku(),
    }


def searches_by_sku():
    from ai_commerce.search.models import SearchQuery

    sku = dict(Product.objects.values_list("pk", "sku"))
    return sorted(
        (s.user.username, s.query, s.occurred_at, tuple(sku[p] for p in s.shown),
         tuple(sorted((sku[c.product_id], c.position) for c in s.clicks.all())))
        for s in SearchQuery.objects.select_related("user").prefetch_related("clicks")
    )


@pytest.mark.django_db
def test_same_seed_gives_identical_rows_and_another_seed_differs():
    seed("--seed", "7")
    first = snapshot()
    seed("--seed", "7", "--flush")
    assert snapshot() == first
    seed("--seed", "8", "--flush")
    other = snapshot()
    assert other["products"] != first["products"]
    assert other["lines"] != first["lines"]


@pytest.mark.django_db
def test_the_history_ends_yesterday_unless_an_end_date_is_given():
    seed("--seed", "7")
    last = Order.objects.latest("created_at").created_at
    assert timezone.localdate(last) == timezone.localdate() - dt.timedelta(days=1)
    seed("--seed", "7", "--flush", "--end-date", "2024-02-29")
    fixed = snapshot()
    assert timezone.localdate(Order.objects.latest("created_at").created_at) == dt.date(2024, 2, 29)
    assert Review.objects.latest("created_at").created_at.date() <= dt.date(2024, 2, 29)
    with time_machine.travel(dt.datetime(2031, 6, 1, tzinfo=dt.UTC)):  # same seed and end date, any day
        seed("--seed", "7", "--flush", "--end-date", "2024-02-29")
    assert snapshot() == fixed


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "message"), [("31/10/2026", "must be a date as YYYY-MM-DD"),
                                                ("2999-01-01", "is in the future")])
def test_a_bad_end_date_is_refused_in_one_line(value, message):
    with pytest.raises(CommandError, match=message):
        seed("--end-date", value)
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_seed_creates_every_model_with_sane_values(capsys):
    call_command("demo_seed", *TINY[:-2], "--verbosity", "1")
    out = capsys.readouterr().out
    assert "30 products" in out and "80 customers" in out
    assert "admin / password admin" in out

    products = list(Product.objects.select_related("truth"))
    assert len(products) == 30
    assert Category.objects.filter(parent__isnull=True).exists()
    assert Category.objects.count() == 9 and Category.objects.filter(parent__slug="clothing").count() == 4
    for product in products:
        assert isinstance(product.price, Decimal) and product.price > 0
        assert 0 < product.cost < product.price
        # Cost is 40-70% of the base price; the price itself moved by at most 20% around it.
        assert Decimal("0.4") <= product.cost / product.truth.base_price <= Decimal("0.701")
        assert -3.5 <= product.truth.elasticity <= -0.8
        assert product.truth.base_weekly_demand > 0
        assert product.slug and product.description.count(".") >= 2
    history = defaultdict(list)
    for sku, price, valid_from in PriceHistory.objects.values_list("product__sku", "price", "valid_from"):
        history[sku].append((valid_from, price))
    for product in products:
        latest = max(history[product.sku])
        assert product.price == latest[1], "the product ends at its latest price"
        for _when, price in history[product.sku]:
            ratio = price / product.truth.base_price
            assert Decimal("0.75") <= ratio <= Decimal("1.25")

    # Order lines use the price that was valid when the order was placed.
    for line in OrderLine.objects.select_related("order", "product"):
        assert line.product.created_at <= line.order.created_at
        valid = [p for when, p in sorted(history[line.product.sku]) if when <= line.order.created_at]
        assert valid and line.unit_price == valid[-1]
        assert line.quantity >= 1
    sizes = Counter(Order.objects.annotate(n=Count("lines")).values_list("n", flat=True))
    assert set(sizes) <= {1, 2, 3, 4} and sizes[1] < sum(sizes.values())
    assert 2400 <= OrderLine.objects.count() <= 3300

    # Customers buy mostly within their taste cluster, so recommendations are learnable.
    clusters = defaultdict(Counter)
    for customer, cluster in OrderLine.objects.values_list("order__customer", "product__truth__taste_cluster"):
        clusters[customer][cluster] += 1
    top = sum(c.most_common(1)[0][1] for c in clusters.values())
    assert top / sum(sum(c.values()) for c in clusters.values()) > 0.6

    # Reviews come from buyers, after their purchase.
    bought = defaultdict(list)
    for customer, product, when in OrderLine.objects.values_list("order__customer", "product", "order__created_at"):
        bought[(customer, product)].append(when)
    reviews = list(Review.objects.all())
    assert len(reviews) >= 40
    for review in reviews:
        assert min(bought[(review.author_id, review.product_id)]) < review.created_at


@pytest.mark.django_db
def test_ratings_are_skewed_positive_and_text_tone_agrees_with_stars():
    call_command(
        "demo_seed",
        "--products",
        "30",
        "--customers",
        "600",
        "--order-lines",
        "12000",
        "--days",
        "120",
        "--verbosity",
        "0",
    )
    reviews = list(Review.objects.values_list("rating", "body"))
    assert len(reviews) >= 400
    ratings = Counter(r for r, _ in reviews)
    assert (ratings[4] + ratings[5]) / len(reviews) > 0.6
    assert ratings[5] > ratings[4] > ratings[1]
    assert np.mean([r for r, _ in reviews]) > 3.8

    def tone(body):
        pos, neg = len(POSITIVE_CUES.findall(body)), len(NEGATIVE_CUES.findall(body))
        return "pos" if pos > neg else "neg" if neg > pos else "neu"

    happy = [tone(body) for rating, body in reviews if rating >= 4]
    unhappy = [tone(body) for rating, body in reviews if rating <= 2]
    assert happy.count("pos") / len(happy) > 0.75
    assert unhappy.count("neg") / len(unhappy) > 0.75
    # Some texts contradict their stars, as in real shops, and texts are not a handful of strings.
    assert 0 < happy.count("neg") < len(happy) * 0.1
    assert len({body for _, body in reviews}) > 0.9 * len(reviews)


def test_review_writer_mixes_and_mismatches_at_realistic_rates():
    import random

    writer = ReviewWriter(random.Random(1))
    kinds = Counter(writer.write(5, "wrap dress")[2] for _ in range(5000))
    assert 0.08 < kinds["mixed"] / 5000 < 0.12
    assert 0.02 < kinds["mismatched"] / 5000 < 0.04
    _title, body, _ = ReviewWriter(random.Random(3)).write(1, "loafers", "apparel")
    assert "this loafers" not in body.lower()
    home = " ".join(ReviewWriter(random.Random(5)).write(5, "vase", "home")[1] for _ in range(200)).lower()
    assert "fit" not in home.split() and "comfortable" not in home


@pytest.mark.django_db
def test_second_seed_without_flush_is_refused_and_keeps_the_data():
    seed()
    before = OrderLine.objects.count()
    with pytest.raises(CommandError, match="--flush"):
        seed("--seed", "9")
    assert OrderLine.objects.count() == before
    assert get_user_model().objects.filter(username="admin", is_superuser=True, is_staff=True).count() == 1
    seed("--flush")  # keeps the staff superuser, replaces the rest
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert OrderLine.objects.count() == before


@pytest.mark.django_db
def test_bad_sizes_are_refused_in_one_line():
    with pytest.raises(CommandError, match="--products must be a positive number"):
        call_command("demo_seed", "--products", "0", "--verbosity", "0")
    with pytest.raises(CommandError, match="at least 8 products"):
        call_command("demo_seed", "--products", "3", "--verbosity", "0")
    assert not Product.objects.exists()


def test_seasonality_peaks_at_weekends_and_before_christmas():
    start = dt.date(2025, 1, 1)
    season = seeding._seasonality(365, start)
    assert season.mean() == pytest.approx(1.0)
    days = [start + dt.timedelta(days=d) for d in range(365)]
    by_month = lambda m: season[[d.month == m for d in days]].mean()  # noqa: E731
    assert by_month(12) > by_month(11) > by_month(6) > by_month(2)
    by_weekday = lambda w: season[[d.weekday() == w for d in days]].mean()  # noqa: E731
    assert by_weekday(5) > by_weekday(1)


def test_orders_follow_the_stored_elasticity():
    """Fit log(demand) on log(price) per product from the simulated orders; it must recover the truth."""
    config = seeding.SeedConfig(seed=3, products=24, customers=300, order_lines=60_000, days=365, progress=False,
                                end_date=dt.date(2026, 10, 31))
    sim = seeding.simulate(config)
    start = config.end_date - dt.timedelta(days=config.days - 1)
    season = seeding._seasonality(config.days, start)
    units = np.zeros((config.products, config.days))
    for _customer, created, lines in sim.orders:
        day = (created.date() - start).days
        for product, quantity, _price in lines:
            units[product, day] += quantity
    errors = []
    for i, truth in enumerate(sim.truths):
        prices = np.zeros(config.days)
        for valid_from, price in sim.prices[i]:
            prices[max((valid_from.date() - start).days, 0) :] = float(price)
        sold = units[i].nonzero()[0]
        alive = np.arange(sold.min(), sold.max() + 1)  # ignore days before launch or after discontinuation
        x, y, w = [], [], []
        for price in np.unique(prices[alive]):
            days = alive[prices[alive] == price]
            if len(days) >= 7:
                x.append(np.log(price / float(truth["base_price"])))
                y.append(np.log(max(units[i, days].sum(), 0.5) / season[days].sum()))
                w.append(len(days))
        if len(x) >= 3 and np.ptp(x) > 0.1:
            slope = np.polyfit(x, y, 1, w=np.sqrt(w))[0]
            errors.append(slope - truth["elasticity"])
    assert len(errors) >= 15
    assert np.median(np.abs(errors)) < 0.5


@pytest.mark.django_db
def test_customers_search_minutes_before_they_order_and_click_what_the_lexical_ranking_showed():
    from ai_commerce.search.models import SearchClick, SearchQuery

    call_command("demo_seed", *TINY, "--seed", "5")
    searches = list(SearchQuery.objects.all())
    assert 0 < len(searches) <= 3000 and SearchClick.objects.exists()
    bought = defaultdict(list)
    for customer, product, when in OrderLine.objects.values_list("order__customer", "product", "order__created_at"):
        bought[customer].append((when, product))
    found = 0
    for search in searches:
        assert search.user_id and search.ranker == "lexical" and len(search.shown) == min(10, search.total)
        # Each search is followed within 90 minutes by an order of its customer (the product it looked for).
        assert any(dt.timedelta(minutes=1) < when - search.occurred_at <= dt.timedelta(minutes=90)
                   for when, _p in bought[search.user_id])
        found += any(p in search.shown and dt.timedelta(0) < when - search.occurred_at <= dt.timedelta(minutes=90)
                     for when, p in bought[search.user_id])
    assert found > 0.5 * len(searches)  # the words of a product mostly find it in the first ten
    assert sum(not s.shown for s in searches) < 0.1 * len(searches)  # a synonym not yet learned finds nothing
    for click in SearchClick.objects.select_related("search"):
        assert click.search.shown[click.position - 1] == click.product_id
    call_command("demo_seed", *TINY, "--seed", "5", "--flush")
    assert SearchQuery.objects.count() == len(searches)


def test_stock_runs_day_by_day_with_deliveries_and_stockouts_that_lose_sales():
    """Each product's shelf: yesterday's stock plus today's deliveries minus today's sales, never below zero; the
    shop reorders (deliveries arrive after the product's lead time), some products still run out, and a day that
    starts with an empty shelf sells nothing."""
    config = seeding.SeedConfig(seed=4, products=40, customers=200, order_lines=12_000, days=240, progress=False,
                                end_date=dt.date(2026, 10, 31))
    sim = seeding.simulate(config)
    shelf = sim.stock.end_of_day
    sold = np.zeros(shelf.shape)
    for _customer, created, lines in sim.orders:
        for product, quantity, _price in lines:
            sold[product, (created.date() - sim.start_date).days] += quantity
    delivered = np.zeros(shelf.shape)
    for i, deliveries in enumerate(sim.stock.deliveries):
        for ordered, arrives, units in deliveries:
            assert arrives - ordered == sim.stock.lead_days[i] and units > 0
            if arrives < config.days:
                delivered[i, arrives] += units
    assert (shelf >= 0).all()
    for i, product in enumerate(sim.products):
        assert product["stock"] == shelf[i, -1]
        first = int(np.flatnonzero(sold[i])[0])
        assert np.array_equal(shelf[i, first + 1:], shelf[i, first:-1] + delivered[i, first + 1:] - sold[i, first + 1:])
    empty_before = np.zeros(shelf.shape, dtype=bool)  # on sale since before the day, whose shelf was empty
    empty_before[:, 1:] = (shelf[:, :-1] == 0) & (np.arange(1, shelf.shape[1]) > np.argmax(sold > 0, axis=1)[:, None])
    assert not sold[empty_before & (delivered == 0)].any()  # an empty shelf sells nothing until a delivery
    assert 0.01 < (shelf == 0).mean() < 0.2 and sum(map(len, sim.stock.deliveries)) > 40


@pytest.mark.django_db
def test_seeding_writes_a_daily_stock_snapshot_that_ends_at_the_products_stock():
    from ai_commerce.forecast import history
    from ai_commerce.forecast.models import StockSnapshot

    seed("--seed", "7")
    product = Product.objects.order_by("sku").first()
    days = list(StockSnapshot.objects.filter(product=product).order_by("day").values_list("day", "stock"))
    assert days[-1] == (timezone.localdate() - dt.timedelta(days=1), product.stock)
    assert {b - a for (a, _), (b, _) in itertools.pairwise(days)} == {dt.timedelta(days=1)}
    demand = history.load()
    assert demand.sees_stockouts and np.isnan(demand.units).any()  # the days out of stock are censored
