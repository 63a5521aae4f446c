from rest_framework.routers import SimpleRouter

from .api import ProductForecastViewSet, ReorderSuggestionViewSet

router = SimpleRouter()
router.register("api/forecast/products", ProductForecastViewSet, basename="product-forecast")
router.register("api/forecast/reorders", ReorderSuggestionViewSet, basename="reorder-suggestion")
urlpatterns = router.urls
