"""The assistant on a real django-oscar shop, through the one-line preset: a customer's own order with its link to
Oscar's order page, a guest's order only with its number and guest e-mail, stock as Oscar sells it."""

import pytest

from ai_commerce.assistant import knowledge
from ai_commerce.assistant.answers import ANSWERED, UNKNOWN
from ai_commerce.assistant.pipeline import respond

from .conftest import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh():
    knowledge.clear()
    yield
    knowledge.clear()


def test_a_customer_gets_their_newest_order_with_its_status_and_oscars_link(shop):
    customer = shop.customers[0]
    newest = Order.objects.filter(user=customer).order_by("-date_placed").first()
    answer = respond("where is my order?", user_id=customer.pk)
    assert answer.outcome == ANSWERED and newest.number in answer.text and newest.status in answer.text
    assert answer.sources[0].url == f"/accounts/orders/{newest.number}/"


def test_another_customers_order_number_is_not_found(shop):
    theirs = Order.objects.filter(user=shop.customers[1]).first()
    answer = respond(f"status of order {theirs.number}", user_id=shop.customers[0].pk)
    assert answer.outcome == UNKNOWN and "can't find" in answer.text and theirs.status not in answer.text


def test_a_guest_order_needs_its_number_and_guest_email(shop):
    guest = Order.objects.filter(user__isnull=True).first()
    assert respond(f"where is order {guest.number}?").outcome == UNKNOWN
    assert respond(f"where is order {guest.number}? I am x@example.com").outcome == UNKNOWN
    answer = respond(f"where is order {guest.number}? my email is guest@example.com")
    assert answer.outcome == ANSWERED and guest.number in answer.text
    assert answer.sources[0].url == ""  # Oscar's guest page asks for the number and e-mail again: not linked


def test_stock_of_a_sold_out_product_reads_oscars_net_stock(shop):
    answer = respond("is it in stock?", page_product_id=shop.sold_out.pk)
    assert "out of stock" in answer.text
