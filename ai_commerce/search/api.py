"""Public DRF endpoints of search: ``GET /ai/api/search/?q=`` (paginated results, each with why it matched and a
signed click link) and ``GET /ai/api/search/suggest/?q=`` (completions from popular past queries and titles).
Bad parameters answer 400 with the field errors. Both are rate-limited per user, session and address
(``SEARCH["THROTTLE_RATE"]``, counted together: suggest runs on each keystroke, so the rate allows a fast typist)."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai_commerce.api import EventThrottle, JSONErrors
from ai_commerce.conf import app_settings

from . import clicks, service
from .serializers import SearchPageSerializer, SearchQuerySerializer, SuggestionsSerializer, SuggestQuerySerializer


def product_url(product):
    getter = getattr(product, "get_absolute_url", None)
    try:
        return getter() if getter else "/"
    except Exception:  # noqa: BLE001  (a host's URL method that fails must not break search: the home page)
        return "/"


class SearchThrottle(EventThrottle):
    """The events endpoint's throttle (user, session and address; fails open when the cache is down), at
    ``SEARCH["THROTTLE_RATE"]``."""

    scope = "ai_commerce_search"

    def rate(self):
        return app_settings.SEARCH["THROTTLE_RATE"]


class SearchView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [SearchThrottle]

    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user = request.user if request.user.is_authenticated else None
        session = None
        if user is None and hasattr(request, "session"):
            if not request.session.session_key:
                request.session.save()
            session = request.session.session_key
        page = service.search(data["q"], user=user, session_key=session, category=data.get("category"),
                              in_stock=data["in_stock"], page=data["page"], page_size=data.get("page_size"))
        who = clicks.visitor(user, session)
        for result in page.results:
            result.click_url = clicks.click_url(page.token, result.product.pk, result.position,
                                                product_url(result.product), who)
        return Response(SearchPageSerializer(page).data)


class SuggestView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [SearchThrottle]

    def get(self, request):
        query = SuggestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response({"suggestions": service.suggest(query.validated_data["q"],
                                                        limit=query.validated_data["limit"])})


extend_schema(methods=["GET"], parameters=[SearchQuerySerializer], responses=SearchPageSerializer)(SearchView)
extend_schema(methods=["GET"], parameters=[SuggestQuerySerializer], responses=SuggestionsSerializer)(SuggestView)
