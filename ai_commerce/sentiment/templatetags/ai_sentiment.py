"""Template tags of review sentiment: ``{% load ai_sentiment %}{% product_sentiment product %}``.

Renders ``ai_commerce/sentiment/product_sentiment.html`` (override it in your templates) with the product's badge,
aspects, pros and cons. One query; nothing is rendered when the product has no scored review, and it never raises.
"""

import logging

from django import template
from django.template.loader import select_template

from ..summaries import product_summary

logger = logging.getLogger(__name__)
register = template.Library()
TEMPLATES = ["ai_commerce/sentiment/product_sentiment.html"]


@register.simple_tag(takes_context=True)
def product_sentiment(context, product, template_name=None):
    if product is None:
        return ""
    try:
        summary = product_summary(getattr(product, "pk", product))
        if not summary:
            return ""
        names = [template_name, *TEMPLATES] if template_name else TEMPLATES
        return select_template(names).render({"summary": summary, "product": product},
                                              request=context.get("request"))
    except Exception:
        logger.exception("ai_commerce could not render the sentiment of %s", product)
        return ""
