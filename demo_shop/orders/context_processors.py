"""Template context processors of the orders app."""

from .basket import Basket


def basket(request):
    """Add ``basket_count``, the number of units in the session basket, to every template."""
    return {"basket_count": Basket(request).count}
