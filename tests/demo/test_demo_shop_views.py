"""Shop pages: list and detail render with bounded queries; basket and checkout through the test client."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ai_commerce.models import Interaction
from demo_shop.catalog.models import Product
from demo_shop.orders.models import Order, OrderLine
from demo_shop.reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create_user("shopper", "shopper@example.com", "secret-pass")


@pytest.fixture
def reviewed(catalog, shopper):
    """A product with 25 published reviews from 25 authors, one pending and one hidden."""
    product = Product.objects.get(sku="SKU-001")
    User = get_user_model()
    authors = User.objects.bulk_create([User(username=f"reader{i}") for i in range(27)])
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    Review.objects.bulk_create(
        [
            Review(
                product=product,
                author=a,
                rating=5 - i % 2,
                title=f"Title {i}",
                body=f"Lovely {i}.",
                created_at=when + dt.timedelta(days=i),
            )
            for i, a in enumerate(authors[:25])
        ]
        + [
            Review(product=product, author=authors[25], rating=1, body="Awaiting moderation.", status="pending"),
            Review(product=product, author=authors[26], rating=1, body="Spam link.", status="hidden"),
        ]
    )
    return product


def add(client, product, quantity=1):
    return client.post(reverse("basket_add", args=[product.pk]), {"quantity": quantity})


def test_home_lists_active_products_with_pagination(client, catalog, django_assert_max_num_queries):
    # + the AI placements and their impression log, a constant number; with no model promoted yet, one of them is
    # the count of the event log that ranks products by popularity (cached after the first page).
    # + 2: the listing is re-ranked (ai_commerce.search): the staff's rules while their cache is cold, and the
    # popularity its index is built with on first use
    with django_assert_max_num_queries(6 + 3 + 1 + 2):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.context["products"]
    assert len(page) == 24 and response.context["paginator"].count == 31  # 30 + sold out; not the hidden one
    assert "Hidden" not in response.content.decode()
    response = client.get(reverse("home"), {"page": 2})
    assert len(response.context["products"]) == 7


def test_home_filters_by_category_including_children(client, catalog, django_assert_max_num_queries):
    # + 1: the merchandising rules, read once while their cache is cold (the category page is re-ranked)
    # + 1: the listing's ids are read apart from its page's products, so that a large category is not loaded whole
    with django_assert_max_num_queries(7 + 3 + 1 + 1 + 1):
        response = client.get(reverse("home"), {"category": "dresses"})
    assert response.status_code == 200
    assert {p.category.slug for p in response.context["products"]} == {"dresses"}
    assert response.context["paginator"].count == 15
    assert client.get(reverse("home"), {"category": "clothing"}).context["paginator"].count == 15
    assert client.get(reverse("home"), {"category": "nope"}).context["paginator"].count == 0


def test_detail_renders_reviews_with_bounded_queries(client, reviewed, django_assert_max_num_queries):
    # Product, latest reviews, rating summary, and for a first-time visitor the new session and the view event.
    # + the AI placements and their impression log, and the popularity count while no model is active (cached).
    with django_assert_max_num_queries(12 + 7 + 1):
        response = client.get(reviewed.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert reviewed.name in html and "£11.00" in html and "10 in stock" in html
    assert "from 25 reviews" in html and "4.5 ★" in html
    assert len(response.context["product"].latest_reviews) == 20
    assert "Awaiting moderation" not in html and "Spam link" not in html
    assert 'action="{}"'.format(reverse("basket_add", args=[reviewed.pk])) in html
    # {% record_view product %} recorded the anonymous visitor's view against the session.
    assert Interaction.objects.filter(kind="view", product_id=reviewed.pk, user=None).count() == 1


def test_detail_query_count_does_not_grow_with_reviews(client, reviewed, shopper, django_assert_max_num_queries):
    client.force_login(shopper)
    client.get(reviewed.get_absolute_url())  # warm the session
    with django_assert_max_num_queries(10 + 7):
        assert client.get(reviewed.get_absolute_url()).status_code == 200
    assert Interaction.objects.filter(kind="view", user=shopper).exists()


def test_detail_of_inactive_or_unknown_product_is_404(client, catalog):
    assert client.get(reverse("product_detail", args=["hidden"])).status_code == 404
    assert client.get(reverse("product_detail", args=["no-such-thing"])).status_code == 404


def test_out_of_stock_product_cannot_be_added(client, catalog):
    sold_out = Product.objects.get(sku="SKU-OUT")
    assert "Out of stock" in client.get(sold_out.get_absolute_url()).content.decode()
    response = add(client, sold_out)
    assert response.status_code == 302
    assert client.session.get("basket", {}) == {}


def test_basket_add_view_remove(client, catalog):
    product = Product.objects.get(sku="SKU-002")
    other = Product.objects.get(sku="SKU-003")
    response = add(client, product, 2)
    assert response.status_code == 302 and response.url == reverse("basket")
    add(client, product, 1)
    add(client, other, 1)
    assert client.session["basket"] == {str(product.pk): 3, str(other.pk): 1}

    event = Interaction.objects.filter(kind="cart", product_id=product.pk).order_by("pk").first()
    assert event is not None and event.quantity == 2 and event.session_key == client.session.session_key

    response = client.get(reverse("basket"))
    assert response.status_code == 200
    total = response.context["total"]
    assert isinstance(total, Decimal) and total == Decimal("12.00") * 3 + Decimal("13.00")
    assert "Basket (4)" in response.content.decode()

    client.post(reverse("basket_remove", args=[product.pk]))
    assert client.session["basket"] == {str(other.pk): 1}


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "100"])
def test_basket_refuses_bad_quantities(client, catalog, quantity):
    product = Product.objects.get(sku="SKU-002")
    response = client.post(reverse("basket_add", args=[product.pk]), {"quantity": quantity}, follow=True)
    assert "Choose a quantity" in response.content.decode()
    assert client.session.get("basket", {}) == {}


def test_basket_add_needs_post(client, catalog):
    product = Product.objects.get(sku="SKU-002")
    assert client.get(reverse("basket_add", args=[product.pk])).status_code == 405


def test_checkout_needs_login(client, catalog):
    add(client, Product.objects.get(sku="SKU-002"))
    response = client.post(reverse("checkout"))
    assert response.status_code == 302 and reverse("login") in response.url
    assert not Order.objects.exists()


def test_checkout_creates_order_at_current_prices_and_decrements_stock(client, catalog, shopper):
    client.force_login(shopper)
    first, second = Product.objects.get(sku="SKU-004"), Product.objects.get(sku="SKU-005")
    add(client, first, 2)
    add(client, second, 1)
    Product.objects.filter(pk=first.pk).update(price=Decimal("99.50"))  # the price at checkout counts

    response = client.post(reverse("checkout"))
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert order.customer == shopper
    lines = {line.product_id: (line.quantity, line.unit_price) for line in order.lines.all()}
    assert lines == {first.pk: (2, Decimal("99.50")), second.pk: (1, Decimal("15.00"))}
    assert Product.objects.get(pk=first.pk).stock == 8
    assert Product.objects.get(pk=second.pk).stock == 9
    assert client.session.get("basket", {}) == {}

    page = client.get(order.get_absolute_url())
    assert page.status_code == 200
    assert "£214.00" in page.content.decode() and "Your order is confirmed" in page.content.decode()
    # ai_commerce turned each saved order line into a purchase event (its signals, not demo code).
    assert Interaction.objects.filter(kind="purchase", user=shopper).count() == 2


def test_checkout_refuses_insufficient_stock_and_changes_nothing(client, catalog, shopper):
    client.force_login(shopper)
    plenty, scarce = Product.objects.get(sku="SKU-006"), Product.objects.get(sku="SKU-007")
    add(client, plenty, 1)
    add(client, scarce, 5)
    Product.objects.filter(pk=scarce.pk).update(stock=3)  # someone else bought most of it meanwhile

    response = client.post(reverse("checkout"), follow=True)
    assert "only 3 of Product 007 left in stock" in response.content.decode()
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert Product.objects.get(pk=plenty.pk).stock == 10
    assert Product.objects.get(pk=scarce.pk).stock == 3
    assert client.session["basket"] == {str(plenty.pk): 1, str(scarce.pk): 5}


def test_checkout_of_empty_basket_is_refused(client, shopper):
    client.force_login(shopper)
    response = client.post(reverse("checkout"), follow=True)
    assert "Your basket is empty" in response.content.decode()
    assert not Order.objects.exists()


def test_order_page_is_private(client, catalog, shopper):
    order = Order.objects.create(customer=shopper)
    OrderLine.objects.create(
        order=order, product=Product.objects.get(sku="SKU-001"), quantity=1, unit_price=Decimal("11.00")
    )
    stranger = get_user_model().objects.create_user("stranger", password="pw-stranger-1")
    client.force_login(stranger)
    assert client.get(order.get_absolute_url()).status_code == 404


def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200 and "Log in" in response.content.decode()
    shopper = get_user_model().objects.create_user("buyer", password="pw-buyer-123")
    response = client.post(reverse("login"), {"username": "buyer", "password": "pw-buyer-123"})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == shopper.pk
