"""Template tags of recommendations: ``{% load ai_recommendations %}`` then

- ``{% recommended_products k=8 %}`` (for ``request.user``, or the anonymous session),
- ``{% similar_products product k=8 %}``, ``{% bought_together product k=4 %}``,
- ``{% trending_products k=8 category="Mugs" %}``,
- ``{% buy_again k=8 %}`` (what ``request.user`` bought and is likely to need again; nothing for an anonymous
  visitor, ``buy_again``).

``{% distinct_placements %}`` before the first placement makes the page's placements distinct: each shows no
product that an earlier one on the page showed (in the order the page renders them), and a list that is only what
everyone gets (trending and popular products, for a visitor without history) is shown once, not under two titles.
The page's API calls share it: pass ``{% page_token %}`` as ``?page=`` (``ai_commerce.page``).

Each renders ``ai_commerce/recommendations/<placement>.html`` (override it, or pass ``template="..."``) with
``items``: each has ``product``, ``reason`` and ``attribution`` (placement:model version[:experiment arm], rendered
as ``data-ai-attribution`` so that clicks can be credited). A tag renders nothing, rather than raising, when there is no
data or anything fails. Each item's ``click_url`` is signed for the visitor on every request
(``attribution``). The rendered placement is cached under the key of its served list while the template
renders the same without the request (``ai_commerce.fragments``), so a warm page reads neither the list nor its
products; the impressions are logged on every request, after the response.
"""

import logging

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from ai_commerce import page
from ai_commerce.conf import app_settings
from ai_commerce.fragments import Fragment

from .. import buy_again as buy_again_service
from .. import serving
from ..attribution import log_impressions, sign_links
from ..attribution import shown as served_items
from ..experiments import visitor_key

logger = logging.getLogger(__name__)
register = template.Library()
TITLES = {"recommended": _("Recommended for you"), "similar": _("Similar items"),
          "bought_together": _("Bought together"), "trending": _("Trending now"), "buy_again": _("Buy it again")}


#: Reasons that anyone gets, whoever they are (trending, popular, the catalogue's backfill): a list of nothing else is
#: the same for every visitor without history.
GENERIC_REASONS = {"trending", "popular", "catalog"}


@register.simple_tag(takes_context=True)
def distinct_placements(context):
    request = context.get("request")
    if request is not None:
        page.begin(request)
    return ""


@register.simple_tag(takes_context=True)
def page_token(context):
    """The token of this page's distinct placements, for its API calls (``?page=``); empty without one."""
    shown = page.of(context.get("request"))
    return shown.token if shown is not None else ""


def _render(context, placement, plan, template_name, scoped=False):
    """Render ``plan(exclude)``'s list (``exclude``: what the page's distinct placements showed before). A
    ``scoped`` list (trending in one category) is never the list that everyone gets."""
    try:
        request = context.get("request")
        shown_before = page.of(request)
        served = plan(frozenset(shown_before.products) if shown_before else frozenset())
        if served is None:
            return ""
        names = [template_name, f"ai_commerce/recommendations/{placement}.html"] if template_name else [
            f"ai_commerce/recommendations/{placement}.html"]
        conf = app_settings.RECOMMENDATIONS
        fragment = Fragment(names, alias=conf["CACHE"], seconds=conf["CACHE_SECONDS"], key=served.key)
        found = fragment.cached()
        if found is not None:  # rendered for an earlier request, with the list it shows
            html, (shown, generic) = found
        else:
            items = served.items()
            if not items:
                return ""
            generic = not scoped and all(item.reason_code in GENERIC_REASONS for item in items)
            shown = served_items(items)
            html = fragment.render({"items": items, "placement": placement, "title": TITLES[placement]}, request,
                                   payload=(shown, generic))
        if shown_before is not None:
            if generic and shown_before.generic:
                return ""  # the page showed what everyone gets already
            shown_before.generic |= generic
            shown_before.products.update(product_id for _placement, _version, product_id, *_rest in shown)
            page.remember(shown_before, visitor_of(request))
        log_impressions(shown, request)
        return mark_safe(sign_links(html, shown, request))  # the links, for this visitor
    except Exception:
        logger.exception("ai_commerce could not render the %s placement", placement)
        return ""


def visitor_of(request):
    """The visitor a page's shown products are kept for (``u:<id>``, ``s:<session>``, or None)."""
    user = getattr(request, "user", None)
    return visitor_key(user, getattr(getattr(request, "session", None), "session_key", None))


def _visitor(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return user, getattr(session, "session_key", None)


@register.simple_tag(takes_context=True)
def recommended_products(context, k=8, template=None, exclude=()):
    user, session_key = _visitor(context)
    return _render(context, "recommended", lambda shown: serving.plan_recommended(
        user, session_key=session_key, k=k, exclude={*(exclude or ()), *shown}), template)


@register.simple_tag(takes_context=True)
def similar_products(context, product, k=8, template=None):
    user, session_key = _visitor(context)
    return _render(context, "similar", lambda shown: serving.plan_similar(
        product, k=k, user=user, session_key=session_key, exclude=shown) if product else None, template)


@register.simple_tag(takes_context=True)
def bought_together(context, product, k=4, template=None):
    user, session_key = _visitor(context)
    return _render(context, "bought_together", lambda shown: serving.plan_bought_together(
        product, k=k, user=user, session_key=session_key, exclude=shown) if product else None, template)


@register.simple_tag(takes_context=True)
def trending_products(context, k=8, category=None, template=None):
    user, session_key = _visitor(context)
    return _render(context, "trending", lambda shown: serving.plan_trending(
        k=k, category=category or None, user=user, session_key=session_key, exclude=shown), template,
        scoped=bool(category))


@register.simple_tag(takes_context=True)
def buy_again(context, k=8, template=None):
    user, session_key = _visitor(context)
    return _render(context, "buy_again", lambda shown: buy_again_service.plan_buy_again(
        user, session_key=session_key, k=k, exclude=shown), template, scoped=True)
