"""A host's product page for the tests: every ai_commerce tag, or none (``?bare=1``), around the same product."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines

from ai_commerce import deferred
from ai_commerce.models import Interaction
from tests.althost.models import Item

EVERY_TAG = """{% load ai_commerce ai_recommendations ai_sentiment %}{% record_view product %}
<h1>{{ product.label }}</h1>
{% product_sentiment product %}{% bought_together product k=2 %}{% similar_products product k=3 %}
{% recommended_products k=3 %}{% trending_products k=2 %}"""
BARE = "<h1>{{ product.label }}</h1>"


def product_page(request, pk):
    product = get_object_or_404(Item, pk=pk)
    request.user.is_authenticated  # noqa: B018 - like any shop page's header, both variants read the session
    html = engines["django"].from_string(BARE if request.GET.get("bare") else EVERY_TAG).render(
        {"product": product}, request)
    response = HttpResponse(html)
    # What the page had written by the time it was rendered: the tags' writes wait for the end of the response.
    response["X-Deferred"] = str(len(deferred.pending()))
    response["X-Views-Stored"] = str(Interaction.objects.filter(product=product, kind="view").count()) if (
        request.GET.get("probe")) else ""
    return response
