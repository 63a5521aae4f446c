"""``GET /ai/api/products/<id>/sentiment/``: a product's review summary (public, as it shows on product pages)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai_commerce.adapter import get_adapter
from ai_commerce.api import JSONErrors

from .serializers import ProductSentimentSerializer
from .summaries import product_summary

EMPTY = {"review_count": 0, "average_score": 0.0, "counts": {}, "trend": [], "best_aspects": [],
         "worst_aspects": [], "pros": [], "cons": [], "updated_at": None}


class ProductSentimentView(JSONErrors, APIView):
    permission_classes = [AllowAny]

    def get(self, request, product_id):
        product_model = get_adapter().product_model
        try:
            pk = product_model._meta.pk.to_python(product_id)
        except (ValidationError, ValueError, TypeError):
            raise Http404("Unknown product.") from None
        if not get_adapter().get_product_queryset().filter(pk=pk).exists():
            raise Http404("Unknown product.")
        summary = product_summary(pk) or EMPTY
        return Response(ProductSentimentSerializer({**EMPTY, **summary, "product": str(pk)}).data)


ProductSentimentView = extend_schema(methods=["GET"], responses=ProductSentimentSerializer)(ProductSentimentView)
