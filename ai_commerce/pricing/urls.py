from rest_framework.routers import SimpleRouter

from .api import PriceSuggestionViewSet, PricingPolicyViewSet

router = SimpleRouter()
router.register("api/pricing/policies", PricingPolicyViewSet, basename="pricing-policy")
router.register("api/pricing/suggestions", PriceSuggestionViewSet, basename="price-suggestion")
urlpatterns = router.urls
