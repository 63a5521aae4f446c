"""How the demo shop shows a price, for its own templates' "£" and for ai_commerce's tags (``PRICE_FORMAT``)."""


def pounds(price):
    """``Decimal("51.99")`` -> ``"£51.99"``."""
    return f"£{price:,.2f}"
