"""Oscar's orders and reviews become events: the history by ``ai_commerce_import_history``, and what comes after
through Oscar's own checkout (``OrderCreator``) and status changes. Guest orders count, keyed by their order; orders
in ``ORDER_STATUSES_EXCLUDED`` do not, and an order whose status changes is synced again."""

import pytest
from django.core.management import call_command
from oscar.apps.partner.strategy import Default
from oscar.test import factories

from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction
from tests.oscar.conftest import Line, ProductReview

pytestmark = pytest.mark.django_db


def purchases(**filters):
    return Interaction.objects.filter(kind="purchase", **filters)


def test_the_history_of_orders_and_reviews_imports_once(shop, capsys):
    Interaction.objects.all().delete()  # whatever an earlier test imported; rolled back after this one
    call_command("ai_commerce_import_history")
    counted = Line.objects.exclude(order__status__in=app_settings.ORDER_STATUSES_EXCLUDED)
    assert purchases().count() == counted.count() > 1500
    assert set(purchases().values_list("order_ref", flat=True)) == {str(pk) for pk in counted.values_list(
        "order_id", flat=True)}
    rated = ProductReview.objects.exclude(user=None)
    assert Interaction.objects.filter(kind="rating").count() == rated.count() > 100
    first = capsys.readouterr().out
    call_command("ai_commerce_import_history")
    assert f"0 events added, {counted.count() + rated.count()} already there" in capsys.readouterr().out, first


def test_guest_orders_count_as_purchases_keyed_by_their_order(shop):
    Interaction.objects.all().delete()
    call_command("ai_commerce_import_history", verbosity=0)
    guests = Line.objects.filter(order__user=None).exclude(order__status__in=app_settings.ORDER_STATUSES_EXCLUDED)
    events = purchases(user=None)
    assert events.count() == guests.count() > 500
    by_order = {}
    for order_ref, session_key in events.values_list("order_ref", "session_key"):
        by_order.setdefault(order_ref, set()).add(session_key)
    assert len(by_order) == shop.guest_orders
    assert all(len(keys) == 1 and "" not in keys for keys in by_order.values())  # one actor per guest order
    assert len({key for keys in by_order.values() for key in keys}) == shop.guest_orders  # and not shared


def test_pending_and_cancelled_orders_are_no_purchase(shop):
    Interaction.objects.all().delete()
    call_command("ai_commerce_import_history", verbosity=0)
    assert Line.objects.filter(product=shop.not_bought).count() == 12
    assert not purchases(product=shop.not_bought).exists()


def checkout(product, user=None, **fields):
    """Place an order for ``product`` through Oscar's own checkout code (basket, OrderCreator)."""
    basket = factories.create_basket(empty=True)
    basket.strategy = Default()
    basket.add_product(product, quantity=2)
    return factories.create_order(basket=basket, user=user, **fields)


def test_an_order_counts_once_it_is_processed_and_not_once_it_is_cancelled(shop):
    product, customer = shop.staples[2], shop.customers[3]
    order = checkout(product, user=customer)
    assert order.status == "Pending" and order.lines.count() == 1
    assert not purchases(order_ref=str(order.pk)).exists()  # awaiting payment: not a purchase yet

    order.set_status("Being processed")
    [event] = purchases(order_ref=str(order.pk))
    assert (event.user_id, event.product_id, event.quantity) == (customer.pk, product.pk, 2)

    order.set_status("Cancelled")
    assert not purchases(order_ref=str(order.pk)).exists()


def test_a_guest_checkout_is_a_purchase_of_its_order(shop):
    order = checkout(shop.tail["Tea"][4], guest_email="guest@example.com")
    assert order.user is None
    order.set_status("Being processed")
    [event] = purchases(order_ref=str(order.pk))
    assert event.user_id is None and event.session_key and event.product_id == shop.tail["Tea"][4].pk


def test_a_review_written_on_oscar_is_a_rating(shop):
    customer = shop.customers[5]
    review = ProductReview.objects.create(product=shop.staples[3], user=customer, score=4, title="Nice",
                                          body="Nice staple.")
    [event] = Interaction.objects.filter(kind="rating", product=shop.staples[3], user=customer)
    assert event.value == 4.0
    review.delete()
    assert not Interaction.objects.filter(kind="rating", product=shop.staples[3], user=customer).exists()


def test_a_forgotten_customer_stays_forgotten_through_import_checkout_and_review(shop, capsys):
    from ai_commerce.privacy import forget_user
    from ai_commerce.sentiment.models import ReviewSentiment
    from ai_commerce.sweep import catch_up

    customer = next(c for c in shop.customers if Line.objects.filter(order__user=c).exists())
    call_command("ai_commerce_import_history", verbosity=0)
    assert Interaction.objects.filter(user=customer).exists()
    forget_user(customer.pk, requested_by="admin")
    capsys.readouterr()
    call_command("ai_commerce_import_history")
    assert "user forgotten" in capsys.readouterr().out
    order = checkout(shop.staples[1], user=customer)
    order.set_status("Being processed")
    ProductReview.objects.create(product=shop.staples[4], user=customer, score=2, title="Meh", body="Not again.")
    catch_up()
    assert not Interaction.objects.filter(user=customer).exists()
    assert not ReviewSentiment.objects.filter(user=customer).exists()
    other = checkout(shop.staples[1], user=next(c for c in shop.customers if c != customer))
    other.set_status("Being processed")
    assert purchases(order_ref=str(other.pk)).exists()  # everyone else is recorded as before
