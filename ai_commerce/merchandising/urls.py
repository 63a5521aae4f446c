from rest_framework.routers import SimpleRouter

from .api import RuleViewSet

router = SimpleRouter()
router.register("api/merchandising/rules", RuleViewSet, basename="merchandising-rule")
urlpatterns = router.urls
