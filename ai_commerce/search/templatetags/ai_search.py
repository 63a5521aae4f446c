"""``{% load ai_search %}``: ``{% search_box action="/search/" %}`` renders a search form whose box suggests as
the shopper types (``/ai/api/search/suggest/``); the markup is ``ai_commerce_search/search_box.html``, which a host
may override."""

from django import template
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def search_box(context, action="", placeholder="Search products"):
    request = context.get("request")
    query = request.GET.get("q", "") if request is not None else ""
    try:
        suggest_url = reverse("ai_commerce:search-suggest")
    except NoReverseMatch:
        suggest_url = ""
    markup = select_template(["ai_commerce_search/search_box.html"])
    return markup.render({"action": action, "query": query[:200], "placeholder": placeholder,
                          "suggest_url": suggest_url})
