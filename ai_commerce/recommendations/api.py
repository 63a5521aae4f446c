"""DRF endpoints of recommendations (no TensorFlow: they read the serving tables).

- ``GET /ai/api/recommendations/?k=10``: the current user's (or anonymous session's) recommendations. Staff holding
  ``ai_commerce_recommendations.view_recommendation`` (the permission that shows these rows in the admin) may add
  ``&user=ID``; anyone else asking for another user gets 403, as their reasons name what that user bought.
- ``GET /ai/api/products/<id>/similar/?k=10`` and ``.../bought-together/?k=10``: 404 for an unknown
  product, and for one the shop does not show (inactive, where the shop maps ``active``).
- ``GET /ai/api/trending/?k=10&category=Mugs``.
- ``GET /ai/api/recommendations/buy-again/?k=10``: what the signed-in shopper bought and is likely to need again,
  from their own history only, with ``served`` and ``reason`` (what serves and why); an anonymous visitor gets an
  empty list and the reason, never anyone else's.

Each takes ``&page=<token>`` (``{% page_token %}``): the list leaves out what the page's tags and earlier calls
showed, and adds its own (``ai_commerce.page``), so a page never repeats a product across its placements.

``k`` runs from 1 to 50; anything else is a 400 naming the field. Each response says which model version (and
experiment arm) served it, every item carries its ``attribution`` and its ``click_url`` (``<ai>/r/?a=...&s=...``,
signed for the visitor who asked: the only link whose click is credited), and the
list's impressions are logged as it is served: a headless shop gets click-through rates with no extra call.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai_commerce import page
from ai_commerce.adapter import get_adapter
from ai_commerce.api import JSONErrors
from ai_commerce.serializers import ErrorSerializer

from . import buy_again, serving
from .attribution import log_impressions, shown
from .experiments import visitor_key
from .serializers import (
    BuyAgainSerializer,
    PlacementQuerySerializer,
    PlacementSerializer,
    RecommendationsQuerySerializer,
)

#: What staff need to read another user's recommendations ("Because you bought X" tells what that user bought).
OTHERS_PERMISSION = "ai_commerce_recommendations.view_recommendation"


class PlacementView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    query_serializer = PlacementQuerySerializer
    placement = ""

    def query(self, request):
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def shown_before(self, query):
        """The products the page (``?page=``) showed already, left out of this list."""
        self.page = page.of(self.request, query.get("page"), visitor_key(self.request.user,
                                                                         self.request.session.session_key))
        return frozenset(self.page.products) if self.page is not None else frozenset()

    def respond(self, results):
        """The served list, with the version (and experiment arm) that served it; its impressions are logged here,
        after the response, so a headless shop gets click-through rates without reporting them."""
        log_impressions(shown(results), self.request)
        shown_page = getattr(self, "page", None)
        if shown_page is not None:
            shown_page.products.update(item.product.pk for item in results)
            page.remember(shown_page, visitor_key(self.request.user, self.request.session.session_key))
        version, arm = (results[0].model_version, results[0].arm) if results else (serving.active_version_id(), 0)
        return Response(PlacementSerializer({"placement": self.placement, "model_version": version, "arm": arm,
                                             "results": results}, context={"request": self.request}).data)

    def visitor(self, request):
        user = request.user if request.user.is_authenticated else None
        return {"user": user, "session_key": None if user is not None else request.session.session_key}

    def product(self, product_id):
        """The product ``product_id`` if the shop shows it (known, and active where the shop maps ``active``: an
        inactive product's page is a 404, so are its placements); else 404."""
        adapter = get_adapter()
        model = adapter.product_model
        shown = adapter.get_product_queryset()
        if adapter.has("active"):
            shown = shown.annotate(ai_active=adapter.product_expression("active")).filter(ai_active=True)
        try:
            return shown.get(pk=model._meta.pk.to_python(product_id))
        except (model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
            raise Http404("Unknown product.") from exc


class RecommendationsView(PlacementView):
    query_serializer = RecommendationsQuerySerializer
    placement = "recommended"

    def get(self, request):
        query = self.query(request)
        user = request.user if request.user.is_authenticated else None
        if "user" in query and (user is None or query["user"] != user.pk):
            if not (request.user.is_staff and request.user.has_perm(OTHERS_PERMISSION)):
                raise PermissionDenied(f"Seeing another user's recommendations needs {OTHERS_PERMISSION}.")
            user = get_user_model()._default_manager.filter(pk=query["user"]).first()
            if user is None:
                raise Http404("Unknown user.")
        session = None if user is not None else request.session.session_key
        categories = [query["category"]] if "category" in query else None
        return self.respond(serving.recommended_for(user, session_key=session, k=query["k"], categories=categories,
                                                    exclude=self.shown_before(query)))


class ProductPlacementView(PlacementView):
    """A placement about one product; ``serve`` is its service function."""

    serve = None

    def get(self, request, product_id):
        query = self.query(request)
        categories = [query["category"]] if "category" in query else None
        return self.respond(type(self).serve(self.product(product_id), k=query["k"], categories=categories,
                                             exclude=self.shown_before(query), **self.visitor(request)))


class SimilarView(ProductPlacementView):
    placement = "similar"
    serve = serving.similar_to


class BoughtTogetherView(ProductPlacementView):
    placement = "bought_together"
    serve = serving.bought_with


class TrendingView(PlacementView):
    placement = "trending"

    def get(self, request):
        query = self.query(request)
        return self.respond(serving.trending(k=query["k"], category=query.get("category"),
                                             exclude=self.shown_before(query), **self.visitor(request)))


class BuyAgainView(PlacementView):
    """The signed-in shopper's own "buy it again" list; there is no ``user`` parameter: nobody reads another's."""

    placement = "buy_again"

    def get(self, request):
        query = self.query(request)
        visitor = self.visitor(request)
        categories = [query["category"]] if "category" in query else None
        results = buy_again.buy_again_for(visitor["user"], k=query["k"], categories=categories,
                                          session_key=visitor["session_key"])
        log_impressions(shown(results), request)
        state = buy_again.status(visitor["user"], visitor["session_key"])
        version, arm = (results[0].model_version, results[0].arm) if results else (serving.active_version_id(), 0)
        return Response(BuyAgainSerializer({"placement": self.placement, "model_version": version, "arm": arm,
                                            "served": state.served, "reason": state.reason, "results": results},
                                           context={"request": request}).data)


# Class-level, so that drf-spectacular builds on the views' own AutoSchema whatever the host's DEFAULT_SCHEMA_CLASS.
for _view, _query in ((SimilarView, PlacementQuerySerializer), (BoughtTogetherView, PlacementQuerySerializer),
                      (TrendingView, PlacementQuerySerializer)):
    extend_schema(methods=["GET"], parameters=[_query], responses=PlacementSerializer)(_view)
extend_schema(methods=["GET"], parameters=[RecommendationsQuerySerializer], responses={
    200: PlacementSerializer, 404: OpenApiResponse(ErrorSerializer, description="No such user."),
})(RecommendationsView)
extend_schema(methods=["GET"], parameters=[PlacementQuerySerializer], responses=BuyAgainSerializer)(BuyAgainView)
