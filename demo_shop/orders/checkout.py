"""Turn a basket into an order: ``place_order(user, basket.lines())``."""

from django.db import transaction
from django.db.models import F

from demo_shop.catalog.models import Product

from .models import Order, OrderLine


class CheckoutError(Exception):
    """The basket cannot be ordered as it is; the message says why, for the customer."""


@transaction.atomic
def place_order(user, lines):
    """Create an order at the current prices, decrement stock and return the order.

    Raise ``CheckoutError`` and change nothing when the basket is empty, a product is no longer on
    sale or its stock is too low. Lines are saved one by one (not in bulk) so that ai_commerce's
    signals record each purchase.
    """
    wanted = {line.product.pk: line.quantity for line in lines}
    if not wanted:
        raise CheckoutError("Your basket is empty.")
    # Lock the rows (PostgreSQL) so two checkouts cannot both take the last unit.
    products = Product.objects.select_for_update().in_bulk(list(wanted))
    problems = []
    for pk, quantity in wanted.items():
        product = products.get(pk)
        if product is None or not product.is_active:
            problems.append("an item in your basket is no longer on sale")
        elif product.stock < quantity:
            problems.append(f"only {product.stock} of {product.name} left in stock")
    if problems:
        raise CheckoutError("Cannot place the order: " + "; ".join(problems) + ".")

    order = Order.objects.create(customer=user)
    for pk, quantity in wanted.items():
        product = products[pk]
        OrderLine.objects.create(order=order, product=product, quantity=quantity, unit_price=product.price)
        updated = Product.objects.filter(pk=pk, stock__gte=quantity).update(stock=F("stock") - quantity)
        if not updated:  # pragma: no cover - only under a race the lock above prevents
            raise CheckoutError(f"Cannot place the order: {product.name} just sold out.")
    return order
