"""Template tags of review sentiment::

    {% load ai_sentiment %}
    {% product_sentiment product %}     {# the summary: badge, aspects, pros and cons, each with "n of m" and a link #}
    {% product_reviews product %}       {# the published reviews, each with who wrote it; filtered by the link #}
    {% review_policy %}                 {# the review-policy disclosure, from the live settings #}

``product_sentiment`` renders ``ai_commerce/sentiment/product_sentiment.html`` (override it in your templates). The
summary and the rendered badge are cached until the next scoring (no query once warm, ``ai_commerce.fragments``).
Each aspect, pro and con links to ``?review_aspect=...&review_label=...#ai-reviews`` on the same page, and
``product_reviews`` (``ai_commerce/sentiment/product_reviews.html``) reads those parameters from the request unless
given (``{% product_reviews product aspect="fit" label="negative" tier="verified_buyer" limit=20 %}``), so the list
shows exactly the reviews the number counts. Nothing is rendered when there is nothing to show, and no tag raises.
"""

import logging

from django import template
from django.template.loader import select_template

from ai_commerce import cache
from ai_commerce.conf import app_settings
from ai_commerce.fragments import Fragment

from ..policy import policy_context
from ..reviews import review_list, reviews_query
from ..serializers import ReviewFilterSerializer
from ..summaries import product_summary, summary_stamp

logger = logging.getLogger(__name__)
register = template.Library()
TEMPLATES = ["ai_commerce/sentiment/product_sentiment.html"]
REVIEWS_TEMPLATES = ["ai_commerce/sentiment/product_reviews.html"]
POLICY_TEMPLATES = ["ai_commerce/sentiment/review_policy.html"]
PREFIX = "review_"


def with_page_links(summary):
    """Return the summary with ``href`` on each aspect, pro and con: the same page, filtered to its reviews."""
    def href(aspect=None, label=None):
        return f"?{reviews_query(aspect, label, prefix=PREFIX)}#ai-reviews"

    return {
        **summary,
        "best_aspects": [{**a, "href": href(a["aspect"])} for a in summary.get("best_aspects", [])],
        "worst_aspects": [{**a, "href": href(a["aspect"])} for a in summary.get("worst_aspects", [])],
        "pros_support": [{**p, "href": href(p["aspect"], p["label"])} for p in summary.get("pros_support", [])],
        "cons_support": [{**c, "href": href(c["aspect"], c["label"])} for c in summary.get("cons_support", [])],
    }


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
        return fragment.render({"summary": with_page_links(summary), "product": product}, context.get("request"))
    except Exception:
        logger.exception("ai_commerce could not render the sentiment of %s", product)
        return ""


@register.simple_tag(takes_context=True)
def product_reviews(context, product, aspect=None, label=None, tier=None, limit=20, template_name=None):
    if product is None:
        return ""
    try:
        request = context.get("request")
        asked = {"aspect": aspect, "label": label, "tier": tier}
        if request is not None:
            asked = {key: value or request.GET.get(PREFIX + key) for key, value in asked.items()}
        filters = ReviewFilterSerializer(data={key: value for key, value in asked.items() if value})
        if not filters.is_valid():  # a hand-edited query string: show every review rather than nothing
            filters = ReviewFilterSerializer(data={})
            filters.is_valid()
        product_id = getattr(product, "pk", product)
        rows = review_list(product_id, **filters.validated_data)
        names = [template_name, *REVIEWS_TEMPLATES] if template_name else REVIEWS_TEMPLATES
        return select_template(names).render(
            {"reviews": rows[:limit], "total": len(rows), "filters": filters.validated_data, "product": product},
            request)
    except Exception:
        logger.exception("ai_commerce could not render the reviews of %s", product)
        return ""


@register.simple_tag(takes_context=True)
def review_policy(context, template_name=None):
    try:
        names = [template_name, *POLICY_TEMPLATES] if template_name else POLICY_TEMPLATES
        return select_template(names).render(policy_context(), context.get("request"))
    except Exception:
        logger.exception("ai_commerce could not render the review policy")
        return ""
