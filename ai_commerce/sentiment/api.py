"""The public review endpoints, as they show on product pages:

- ``GET /ai/api/products/<id>/sentiment/``: a product's review summary; each aspect, pro and con carries how many
  reviews back it out of how many, and ``reviews_url``, the list of exactly those reviews;
- ``GET /ai/api/products/<id>/reviews/?aspect=fit&label=negative&tier=verified_buyer``: the published reviews,
  newest first, with who wrote them (verified buyer, signed-in non-buyer, anonymous) and whether incentivized.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai_commerce.adapter import get_adapter
from ai_commerce.api import BoundedPage, JSONErrors

from .reviews import review_list, reviews_query
from .serializers import ProductSentimentSerializer, ReviewFilterSerializer, ReviewSerializer
from .summaries import product_summary
from .verification import Tier

EMPTY = {"review_count": 0, "verified": 0, "tier": None, "average_score": 0.0, "counts": {}, "trend": [],
         "best_aspects": [], "worst_aspects": [], "pros": [], "cons": [], "pros_support": [], "cons_support": [],
         "updated_at": None}


def known_product(product_id):
    """Return the product's pk, or raise 404 when no product of the shop has it."""
    product_model = get_adapter().product_model
    try:
        pk = product_model._meta.pk.to_python(product_id)
    except (ValidationError, ValueError, TypeError):
        raise Http404("Unknown product.") from None
    if not get_adapter().get_product_queryset().filter(pk=pk).exists():
        raise Http404("Unknown product.")
    return pk


def with_links(summary, base):
    """Return the summary with ``reviews_url`` on each aspect, pro and con: ``base`` and its query."""
    def link(aspect=None, label=None):
        query = reviews_query(aspect, label)
        return f"{base}?{query}" if query else base

    return {
        **summary,
        "best_aspects": [{**a, "reviews_url": link(a["aspect"])} for a in summary["best_aspects"]],
        "worst_aspects": [{**a, "reviews_url": link(a["aspect"])} for a in summary["worst_aspects"]],
        "pros_support": [{**p, "reviews_url": link(p["aspect"], p["label"])} for p in summary["pros_support"]],
        "cons_support": [{**c, "reviews_url": link(c["aspect"], c["label"])} for c in summary["cons_support"]],
    }


class ProductSentimentView(JSONErrors, APIView):
    permission_classes = [AllowAny]

    def get(self, request, product_id):
        pk = known_product(product_id)
        summary = {**EMPTY, **(product_summary(pk) or {})}
        base = reverse("ai_commerce:product-reviews", kwargs={"product_id": str(pk)})
        return Response(ProductSentimentSerializer({**with_links(summary, base), "product": str(pk)}).data)


class ProductReviewsView(JSONErrors, ListAPIView):
    permission_classes = [AllowAny]
    pagination_class = BoundedPage
    serializer_class = ReviewSerializer

    def get_queryset(self):
        """Return the product's published reviews that pass the filters (a list: publication is decided in Python)."""
        pk = known_product(self.kwargs["product_id"])
        filters = ReviewFilterSerializer(data=self.request.query_params)
        if not filters.is_valid():
            raise BadRequest(filters.errors)
        return review_list(pk, **filters.validated_data)


ProductSentimentView = extend_schema(methods=["GET"], responses=ProductSentimentSerializer)(ProductSentimentView)
ProductReviewsView = extend_schema(
    methods=["GET"],
    parameters=[
        OpenApiParameter("aspect", str, description="Reviews that mention this aspect (with label: where it has it)"),
        OpenApiParameter("label", str, enum=["negative", "neutral", "positive"],
                         description="Reviews with this label (with aspect: the aspect's label)"),
        OpenApiParameter("tier", str, enum=Tier.values, description="Reviews by this kind of author"),
    ])(ProductReviewsView)
