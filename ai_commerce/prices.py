"""Prices as the shop shows them: ``format_price(Decimal("83.99"))`` -> ``"£83.99"``.

``AI_COMMERCE["PRICE_FORMAT"]`` names a callable ``(price) -> str``: django-oscar's ``currency`` filter through
``ai_commerce.contrib.oscar.format_price``, or the shop's own. Unset, a price is shown with two decimals, localized
(``83.99``, or ``83,99`` in German), never as ``83.9900000000000``. The template filter is
``{% load ai_commerce %}{{ price|ai_price }}``.
"""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format

from .conf import app_settings

CENTS = Decimal("0.01")


def format_price(price):
    """The price as text, through ``PRICE_FORMAT`` when set; "" for no price."""
    if price is None or price == "":
        return ""
    if app_settings.PRICE_FORMAT:
        return app_settings.import_class("PRICE_FORMAT")(price)
    try:
        return number_format(Decimal(str(price)).quantize(CENTS), 2, use_l10n=True)
    except (InvalidOperation, ValueError):
        return str(price)
