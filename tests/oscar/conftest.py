"""Fixtures of the django-oscar suite: a small Oscar shop with seven months of history, built once per run, its
history imported and every capability trained on it (``trained_shop``), as an Oscar shop would after installing.

The history is written in bulk, as a shop's existing data is there before ai_commerce: no signal fires, so
``ai_commerce_import_history`` is what turns it into events. The tests run in transactions on top of it, so what one
test changes is gone for the next.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.finders import find
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Order = get_model("order", "Order")
Line = get_model("order", "Line")
ProductReview = get_model("reviews", "ProductReview")

DAYS = 210
#: Staples: daily demand at prices that move every three weeks (each a week after the one before), with these true
#: elasticities (None: the price never moved), bought mostly by guests.
STAPLE_ELASTICITIES = (-2.5, -2.2, -2.8, -2.4, -0.6, None)
PRICE_STEPS = (1.0, 0.85, 1.1, 0.95, 1.2, 0.9)
LIST_PRICE = Decimal("20.00")
TAIL_PER_CATEGORY = 10
CUSTOMERS = 40
#: Review sentences by tone; a review is two of them about its product and how long it was used, so that no two
#: reviews share a text (a repeated text is flagged as spam).
POSITIVE = ["Lovely {t}, great quality.", "Really happy with the {t}, it works perfectly.", "Fast delivery.",
            "Excellent and well made, would buy again.", "Great value, the {t} is wonderful.", "Beautiful finish."]
NEUTRAL = ["The {t} is okay, nothing special.", "Average, it does the job.", "Fine, as described.",
           "Delivery took a while.", "The {t} is smaller than I thought."]
NEGATIVE = ["Terrible, the {t} broke after a day.", "Very disappointed.", "Poor quality and an awful finish.",
            "The {t} arrived damaged and smells bad.", "Waste of money, do not buy.", "Cheap and flimsy."]


def review_text(rng, sentences, title, seen):
    """Return a review text not in ``seen`` (and add it)."""
    while True:
        first, second = rng.choice(len(sentences), size=2, replace=False)
        text = (f"{sentences[int(first)]} {sentences[int(second)]} Used for {int(rng.integers(1, 60))} days."
                .format(t=title.lower()))
        if text not in seen:
            seen.add(text)
            return text


@dataclass
class Shop:
    """What the tests need to find again in the built shop."""

    tea: object
    garden: object
    staples: list
    tail: dict
    customers: list
    two_records: object  # a staple with a second, cheaper stock record from another partner
    sold_out: object  # num_in_stock 5, all 5 allocated
    hidden: object  # is_public False
    parent: object  # a parent product in Tea, and its child without a title or categories
    child: object
    not_bought: object  # ordered only in Pending and Cancelled orders
    abusive_review: object
    guest_orders: int = 0


def make_product(goods, title, category, *, price=LIST_PRICE, num_in_stock=50, num_allocated=0, partner, **fields):
    product = Product.objects.create(product_class=goods, title=title, description=f"A {title.lower()}.", **fields)
    if category is not None:
        ProductCategory.objects.create(product=product, category=category)
    if price is not None:
        StockRecord.objects.create(product=product, partner=partner, partner_sku=f"W-{product.pk}", price=price,
                                   num_in_stock=num_in_stock, num_allocated=num_allocated)
    return product


def build_shop(seed=7):
    """A shop of two categories (Tea, Home & Garden), six staples, ten long-tail products per category, 40
    customers with a taste each, guests, seven months of orders and about 120 reviews."""
    rng = np.random.default_rng(seed)
    warehouse = Partner.objects.create(name="Warehouse")
    marketplace = Partner.objects.create(name="Marketplace")
    goods = ProductClass.objects.create(name="Goods", track_stock=True)
    tea = Category.objects.add_root({"name": "Tea"})
    garden = Category.objects.add_root({"name": "Home & Garden"})
    categories = {"Tea": tea, "Home & Garden": garden}
    staples = [make_product(goods, f"Staple {n}", tea if n % 2 == 0 else garden, partner=warehouse)
               for n in range(len(STAPLE_ELASTICITIES))]
    StockRecord.objects.create(product=staples[0], partner=marketplace, partner_sku="M-1", price=Decimal("15.00"),
                               num_in_stock=10, num_allocated=0)
    tail = {name: [make_product(goods, f"{name} thing {n}", category, partner=warehouse)
                   for n in range(TAIL_PER_CATEGORY)] for name, category in categories.items()}
    sold_out = make_product(goods, "Sold out teapot", tea, num_in_stock=5, num_allocated=5, partner=warehouse)
    hidden = make_product(goods, "Hidden tea", tea, partner=warehouse, is_public=False)
    parent = make_product(goods, "Teapot", tea, price=None, partner=warehouse, structure=Product.PARENT)
    child = Product.objects.create(parent=parent, structure=Product.CHILD, title="", upc="TEAPOT-BLUE")
    StockRecord.objects.create(product=child, partner=warehouse, partner_sku="W-CHILD", price=Decimal("30.00"),
                               num_in_stock=8, num_allocated=1)
    not_bought = make_product(goods, "Garden gnome", garden, partner=warehouse)

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"customer{n}", email=f"customer{n}@example.com") for n in range(CUSTOMERS))
    taste = {u.pk: ("Tea" if n % 2 else "Home & Garden") for n, u in enumerate(users)}
    end = timezone.now() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=DAYS)
    orders, lines = [], []  # lines as (order index, product, quantity, unit price)

    def order(user, when, status="Complete"):
        orders.append(Order(number=f"H{len(orders):06d}", user=user, status=status, date_placed=when,
                            guest_email="" if user else "guest@example.com", total_incl_tax=Decimal("0.00"),
                            total_excl_tax=Decimal("0.00"), currency="GBP"))
        return len(orders) - 1

    # Staples: one guest order a day holds the day's demand for each staple (Poisson, at that day's price).
    for day in range(DAYS):
        when = start + dt.timedelta(days=day, hours=12)
        index = order(None, when)
        for n, elasticity in enumerate(STAPLE_ELASTICITIES):
            step = 1.0 if elasticity is None else PRICE_STEPS[((day + 7 * n) // 21) % len(PRICE_STEPS)]
            units = int(rng.poisson(6.0 * step ** (elasticity or 0.0)))
            if units:
                lines.append((index, staples[n], units, (LIST_PRICE * Decimal(str(step))).quantize(Decimal("0.01"))))
    # Customers: 4-8 orders of 1-3 products of their taste over the last 120 days (a favourite few more often).
    for user in users:
        products = tail[taste[user.pk]]
        for n in range(int(rng.integers(4, 9))):
            when = end - dt.timedelta(days=float(rng.uniform(0, 120)))
            index = order(user, when)
            pool = products[:6] if n % 3 else products
            for k in rng.choice(len(pool), size=int(rng.integers(1, 4)), replace=False):
                lines.append((index, pool[int(k)], 1, LIST_PRICE))
            if n == 0:
                lines.append((index, staples[int(rng.integers(0, len(staples)))], 1, LIST_PRICE))
    # Orders that are no purchase: awaiting payment, or cancelled.
    for n in range(12):
        index = order(users[n], end - dt.timedelta(days=n), status="Pending" if n % 2 else "Cancelled")
        lines.append((index, not_bought, 2, LIST_PRICE))
    Order.objects.bulk_create(orders)
    Line.objects.bulk_create(
        Line(order=orders[index], product=product, partner_name="Warehouse", partner_sku=f"W-{product.pk}",
             title=product.title, quantity=quantity, unit_price_excl_tax=price, unit_price_incl_tax=price,
             line_price_excl_tax=price * quantity, line_price_incl_tax=price * quantity,
             line_price_before_discounts_excl_tax=price * quantity,
             line_price_before_discounts_incl_tax=price * quantity, num_allocated=quantity, status="Complete")
        for index, product, quantity, price in lines)

    # Reviews: three products each customer bought, scored by how good the product is; one abusive review.
    bought = {}
    for index, product, _quantity, _price in lines:
        user = orders[index].user
        if user is not None and orders[index].status == "Complete" and product in tail[taste[user.pk]]:
            bought.setdefault(user.pk, {})[product.pk] = product
    quality = {p.pk: (4.6 if n % 3 == 0 else 1.6 if n % 3 == 1 else 3.2)
               for products in tail.values() for n, p in enumerate(products)}
    reviews, dates, seen = [], [], set()
    for user in users:
        for product in list(bought.get(user.pk, {}).values())[:3]:
            score = int(np.clip(round(rng.normal(quality[product.pk], 0.6)), 1, 5))
            sentences = POSITIVE if score >= 4 else NEGATIVE if score <= 2 else NEUTRAL
            text = review_text(rng, sentences, product.title, seen)
            reviews.append(ProductReview(product=product, user=user, score=score, title=text.split(".")[0][:60],
                                         body=text, status=ProductReview.APPROVED))
            dates.append(end - dt.timedelta(days=float(rng.uniform(0, 100))))
    abusive_product = tail["Tea"][0]
    reviews.append(ProductReview(product=abusive_product, user=None, name="Troll", email="troll@example.com",
                                 score=1, title="Scam", body="This shop is a scam, you idiots.",
                                 status=ProductReview.APPROVED))
    dates.append(end)
    ProductReview.objects.bulk_create(reviews)
    for review, when in zip(reviews, dates, strict=True):  # date_created is auto_now_add: set the history after
        ProductReview.objects.filter(pk=review.pk).update(date_created=when)
    for product in {r.product for r in reviews}:
        product.update_rating()
    return Shop(tea=tea, garden=garden, staples=staples, tail=tail, customers=users, two_records=staples[0],
                sold_out=sold_out, hidden=hidden, parent=parent, child=child, not_bought=not_bought,
                abusive_review=reviews[-1], guest_orders=sum(o.user is None for o in orders))


@pytest.fixture(scope="session")
def shop(django_db_setup, django_db_blocker):
    """The shop with its history, before ai_commerce has seen any of it."""
    # Oscar shows products without an image with its "missing image", which sorl-thumbnail reads from the media
    # storage (in memory here): put it there, as an Oscar project copies it into MEDIA_ROOT.
    with open(find("oscar/img/image_not_found.jpg"), "rb") as image:
        default_storage.save(settings.OSCAR_MISSING_IMAGE_URL, File(image))
    with django_db_blocker.unblock():
        return build_shop()


@pytest.fixture(scope="session")
def trained_shop(shop, django_db_blocker):
    """The shop after an Oscar shop's first steps with ai_commerce: import the history, give pricing the cost that
    plain Oscar does not keep (a policy assuming 40% of the price; without it, no price is lowered, since the
    minimum margin cannot be checked), train all three capabilities (tiny models, see tests/oscar_settings.py) and
    score every review. Where the train extra is not installed, the tests that use it skip (in CI, fail)."""
    from ai_commerce.pricing.models import PricingPolicy
    from tests.conftest import require_train_extra

    require_train_extra()

    with django_db_blocker.unblock():
        call_command("ai_commerce_import_history", verbosity=0)
        PricingPolicy.objects.create(name="Whole shop", default_cost_pct=Decimal(40))
        for kind in ("recommendations", "sentiment", "pricing"):
            call_command("ai_commerce_train", kind, verbosity=0)
        call_command("ai_commerce_score_reviews", verbosity=0)
    return shop


def pytest_collection_modifyitems(items):
    # Oscar 4.2 calls treebeard 7's deprecated Category.get_tree() on every category save and menu: not ours to fix.
    for item in items:
        item.add_marker(pytest.mark.filterwarnings(r"ignore:Using Category\.get_tree\(\) is deprecated"))
    # A test with a real worker commits, and its database is emptied afterwards: run those after every test that
    # reads the shared shop.
    items.sort(key=lambda item: "live_worker" in getattr(item, "fixturenames", ()))
