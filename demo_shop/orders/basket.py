"""A shopping basket kept in the session.

The session holds ``{"<product pk>": quantity}`` under ``SESSION_KEY``; prices are always read from the
catalog, so a basket never shows a stale price::

    basket = Basket(request)
    basket.add(product, 2)
    for line in basket.lines():  # one query
        ...
"""

from dataclasses import dataclass
from decimal import Decimal

from demo_shop.catalog.models import Product

SESSION_KEY = "basket"
MAX_QUANTITY = 99


@dataclass(frozen=True)
class BasketLine:
    product: Product
    quantity: int

    @property
    def unit_price(self):
        return self.product.price

    @property
    def line_total(self):
        return self.product.price * self.quantity


class Basket:
    def __init__(self, request):
        self.session = request.session

    @property
    def _items(self):
        return self.session.get(SESSION_KEY, {})

    def _save(self, items):
        self.session[SESSION_KEY] = items
        self.session.modified = True

    def add(self, product, quantity=1):
        """Add ``quantity`` units of ``product``, capped at ``MAX_QUANTITY``; return the new quantity."""
        items = dict(self._items)
        key = str(product.pk)
        new_quantity = min(items.get(key, 0) + int(quantity), MAX_QUANTITY)
        items[key] = new_quantity
        self._save(items)
        return new_quantity

    def remove(self, product_id):
        """Remove a product from the basket; return whether it was there."""
        items = dict(self._items)
        found = items.pop(str(product_id), None) is not None
        self._save(items)
        return found

    def clear(self):
        self.session.pop(SESSION_KEY, None)
        self.session.modified = True

    @property
    def count(self):
        """Return the number of units in the basket without touching the database."""
        return sum(self._items.values())

    def __len__(self):
        return len(self._items)

    def lines(self):
        """Return the basket lines with their products, in one query, dropping vanished products."""
        items = self._items
        if not items:
            return []
        products = Product.objects.select_related("category").in_bulk([int(pk) for pk in items])
        return [
            BasketLine(product=products[int(pk)], quantity=quantity)
            for pk, quantity in items.items()
            if int(pk) in products
        ]

    @staticmethod
    def total(lines):
        """Return the sum of the line totals as a Decimal."""
        return sum((line.line_total for line in lines), Decimal("0.00"))
