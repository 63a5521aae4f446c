"""Staff-only DRF endpoints of smart pricing.

- ``/ai/api/pricing/policies/``: list, create, read, update and delete policies (400 with field errors on
  contradictions).
- ``/ai/api/pricing/suggestions/?status=pending``: list and read suggestions; ``POST .../<id>/approve/``,
  ``reject/``, ``apply/`` and ``rollback/``. A refused action answers 409 with the reason, and writes nothing.

Callers must be staff and hold the model's Django permissions, as in the admin: ``view_`` to read, ``add_``,
``change_`` and ``delete_`` to write policies, and ``ai_commerce_pricing.change_pricesuggestion`` for every decision.
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from ai_commerce.api import APISchema, JSONErrors
from ai_commerce.permissions import StaffModelPermissions

from . import workflow
from .models import PriceSuggestion, PricingPolicy
from .serializers import PriceSuggestionSerializer, PricingPolicySerializer

DECISIONS = ("approve", "reject", "apply", "rollback")


class Page(LimitOffsetPagination):
    """Pages by ``limit`` (1 to 500) and ``offset``; a value that is not such an integer (``offset=null``) is a 400
    naming it, where DRF would quietly serve the first page."""

    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        return self._integer(request, self.limit_query_param, self.default_limit, min_value=1, max_value=self.max_limit)

    def get_offset(self, request):
        return self._integer(request, self.offset_query_param, 0, min_value=0)

    def _integer(self, request, name, default, **bounds):
        if name not in request.query_params:
            return default
        try:
            return serializers.IntegerField(**bounds).run_validation(request.query_params[name])
        except ValidationError as exc:
            raise ValidationError({name: exc.detail}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
                  self.offset_query_param: {"minimum": 0}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class PricingPolicyViewSet(JSONErrors, viewsets.ModelViewSet):
    queryset = PricingPolicy.objects.all()
    serializer_class = PricingPolicySerializer
    permission_classes = [StaffModelPermissions]
    pagination_class = Page


class SuggestionSchema(APISchema):
    """The list's ``status`` filter, and bodiless decisions. (A schema class rather than ``extend_schema``
    decorators, which would build on the host's DEFAULT_SCHEMA_CLASS, and the host need not set one.)"""

    def get_override_parameters(self):
        if self.view.action != "list":
            return []
        return [OpenApiParameter("status", str, enum=PriceSuggestion.Status.values,
                                 description="Only suggestions with this status.")]

    def get_request_serializer(self):
        return None if self.view.action in DECISIONS else super().get_request_serializer()


class PriceSuggestionViewSet(JSONErrors, viewsets.ReadOnlyModelViewSet):
    serializer_class = PriceSuggestionSerializer
    permission_classes = [StaffModelPermissions]
    decisions = DECISIONS
    pagination_class = Page
    schema = SuggestionSchema()

    def get_queryset(self):
        queryset = PriceSuggestion.objects.prefetch_related("changes")
        wanted = self.request.query_params.get("status")
        if wanted is not None and self.action == "list":
            if wanted not in PriceSuggestion.Status.values:
                raise ValidationError({"status": [f"Choose one of {', '.join(PriceSuggestion.Status.values)}."]})
            queryset = queryset.filter(status=wanted)
        return queryset

    def _decide(self, request, bulk=None, single=None):
        suggestion = self.get_object()
        try:
            if bulk:
                bulk(PriceSuggestion.objects.filter(pk=suggestion.pk), request.user)
            else:
                single(suggestion, request.user)
        except workflow.PricingRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(self.get_queryset().get(pk=suggestion.pk)).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, bulk=workflow.approve)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, bulk=workflow.reject)

    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        return self._decide(request, single=workflow.apply)

    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        return self._decide(request, single=workflow.rollback)
