"""Template tags of review sentiment: ``{% load ai_sentiment %}{% product_sentiment product %}``.

Renders ``ai_commerce/sentiment/product_sentiment.html`` (override it in your templates) with the product's badge,
aspects, pros and cons. The summary and the rendered badge are cached until the next scoring (no query once warm,
``ai_commerce.fragments``); nothing is rendered when the product has no scored review, and it never raises.
"""

import logging

from django import template

from ai_commerce import cache
from ai_commerce.conf import app_settings
from ai_commerce.fragments import Fragment

from ..summaries import product_summary, summary_stamp

logger = logging.getLogger(__name__)
register = template.Library()
TEMPLATES = ["ai_commerce/sentiment/product_sentiment.html"]


@register.simple_tag(takes_context=True)
def product_sentiment(context, product, template_name=None):
    if product is None:
        return ""
    try:
        product_id = getattr(product, "pk", product)
        names = [template_name, *TEMPLATES] if template_name else TEMPLATES
        conf = app_settings.SENTIMENT
        stamp = summary_stamp()
        fragment = Fragment(names, alias=conf["CACHE"], seconds=conf["CACHE_SECONDS"],
                            key=None if stamp == cache.DOWN else (stamp, str(product_id)))
        found = fragment.cached()
        if found is not None:
            return found[0]
        summary = product_summary(product_id)
        if not summary:
            return ""
        return fragment.render({"summary": summary, "product": product}, context.get("request"))
    except Exception:
        logger.exception("ai_commerce could not render the sentiment of %s", product)
        return ""
