"""Template tags of the core app: ``{% load ai_commerce %}``.

``{{ price|ai_price }}`` shows a price as the shop does (``AI_COMMERCE["PRICE_FORMAT"]``, see ``ai_commerce.prices``).

``{% record_view product %}`` records that the current shopper (user, or session when anonymous) viewed ``product``.
It renders nothing and never raises: the view is stored after the response, together with the page's other writes
(``ai_commerce.deferred``), and a failure to record is logged while the page renders as usual.
"""

import logging

from django import template

from .. import deferred, prices
from ..events import actor, announce, new_event
from ..models import Interaction

logger = logging.getLogger(__name__)
register = template.Library()


@register.filter
def ai_price(value):
    """A price as the shop shows it (``ai_commerce.prices.format_price``)."""
    return prices.format_price(value)


@register.simple_tag(takes_context=True)
def record_view(context, product):
    request = context.get("request")
    if request is None or product is None:
        return ""
    try:
        user_id, session_key = actor(request)
        event = new_event(kind=Interaction.Kind.VIEW, product=product, user=user_id, session_key=session_key,
                          source=Interaction.Source.PAGE)
        deferred.create(Interaction, event)
        announce([event])
    except Exception:
        logger.exception("ai_commerce could not record a product view")
    return ""
