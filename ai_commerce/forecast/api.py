"""Staff-only DRF endpoints of the demand forecast.

- ``/ai/api/forecast/products/?product=<id>``: the serving version's per-product forecasts (daily mean, 80% and
  95% intervals, the method and why).
- ``/ai/api/forecast/reorders/?status=open&at_risk=true``: reorder suggestions; ``POST .../<id>/ordered/`` with an
  optional ``quantity`` marks one as ordered (its quantity then counts as on order until it arrives). A suggestion
  that is not open answers 409 with the reason, and nothing is written.

Callers must be staff and hold the model's Django permissions, as in the admin: ``view_`` to read, and
``ai_commerce_forecast.change_reordersuggestion`` to mark an order.
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ai_commerce.api import APISchema, BoundedPage, JSONErrors
from ai_commerce.models import ModelVersion
from ai_commerce.permissions import StaffModelPermissions

from . import ordering
from .models import ProductForecast, ReorderSuggestion
from .serializers import MarkOrderedSerializer, ProductForecastSerializer, ReorderSuggestionSerializer

#: The largest id a database column can hold (a 64-bit integer): a larger "id" names no product, and the database
#: would refuse it with an error rather than find nothing.
MAX_ID = 2**63 - 1


def _integer(request, name):
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise ValidationError({name: [f"Give a product id (a whole number up to {MAX_ID})."]})
    return int(value)


class ForecastSchema(APISchema):
    def get_override_parameters(self):
        if self.view.action != "list":
            return []
        return [OpenApiParameter("product", int, description="Only this product's forecast.")]


class ProductForecastViewSet(JSONErrors, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProductForecastSerializer
    permission_classes = [StaffModelPermissions]
    pagination_class = BoundedPage
    schema = ForecastSchema()

    def get_queryset(self):
        version = ModelVersion.objects.of_kind("forecast").active().values_list("pk", flat=True).first()
        queryset = ProductForecast.objects.filter(model_version_id=version).order_by("product_id")
        product = _integer(self.request, "product")
        if product is not None and self.action == "list":
            queryset = queryset.filter(product_id=product)
        return queryset


class ReorderSchema(APISchema):
    def get_override_parameters(self):
        if self.view.action != "list":
            return []
        return [OpenApiParameter("status", str, enum=ReorderSuggestion.Status.values,
                                 description="Only suggestions with this status."),
                OpenApiParameter("at_risk", bool, description="Only products that may run out before a delivery.")]

    def get_request_serializer(self):
        return MarkOrderedSerializer() if self.view.action == "ordered" else super().get_request_serializer()


class ReorderSuggestionViewSet(JSONErrors, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReorderSuggestionSerializer
    permission_classes = [StaffModelPermissions]
    decisions = ("ordered",)
    pagination_class = BoundedPage
    schema = ReorderSchema()

    def get_queryset(self):
        queryset = ReorderSuggestion.objects.all()
        if self.action != "list":
            return queryset
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in ReorderSuggestion.Status.values:
                raise ValidationError({"status": [f"Choose one of {', '.join(ReorderSuggestion.Status.values)}."]})
            queryset = queryset.filter(status=wanted)
        risk = self.request.query_params.get("at_risk")
        if risk is not None:
            if risk not in ("true", "false"):
                raise ValidationError({"at_risk": ["Use true or false."]})
            queryset = queryset.filter(at_risk=risk == "true")
        return queryset

    @action(detail=True, methods=["post"])
    def ordered(self, request, pk=None):
        suggestion = self.get_object()
        body = MarkOrderedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            ordering.mark_ordered(suggestion, request.user, body.validated_data.get("quantity"))
        except ordering.OrderRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        suggestion.refresh_from_db()
        return Response(self.get_serializer(suggestion).data)
