"""Staff-only DRF endpoints of smart pricing.

- ``/ai/api/pricing/policies/``: list, create, read, update and delete policies (400 with field errors on
  contradictions).
- ``/ai/api/pricing/suggestions/?status=pending``: list and read suggestions; ``POST .../<id>/approve/``,
  ``reject/``, ``apply/`` and ``rollback/``. A refused action answers 409 with the reason, and writes nothing.

Callers must be staff and hold the model's Django permissions, as in the admin: ``view_`` to read, ``add_``,
``change_`` and ``delete_`` to write policies, and ``ai_commerce_pricing.change_pricesuggestion`` for every decision.
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ai_commerce.api import APISchema, BoundedPage, JSONErrors
from ai_commerce.permissions import StaffModelPermissions

from . import workflow
from .models import PriceSuggestion, PricingPolicy
from .serializers import PriceSuggestionSerializer, PricingPolicySerializer

DECISIONS = ("approve", "reject", "apply", "rollback")


class PricingPolicyViewSet(JSONErrors, viewsets.ModelViewSet):
    queryset = PricingPolicy.objects.all()
    serializer_class = PricingPolicySerializer
    permission_classes = [StaffModelPermissions]
    pagination_class = BoundedPage


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
    pagination_class = BoundedPage
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
