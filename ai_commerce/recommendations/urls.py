from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import BoughtTogetherView, BuyAgainView, RecommendationsView, SimilarView, TrendingView
from .attribution import click
from .experiment_api import ExperimentViewSet

router = SimpleRouter()
router.register("api/recommendations/experiments", ExperimentViewSet, basename="experiment")

urlpatterns = [
    *router.urls,
    path("api/recommendations/", RecommendationsView.as_view(), name="recommendations"),
    path("api/recommendations/buy-again/", BuyAgainView.as_view(), name="buy-again"),
    path("api/products/<str:product_id>/similar/", SimilarView.as_view(), name="similar-products"),
    path("api/products/<str:product_id>/bought-together/", BoughtTogetherView.as_view(), name="bought-together"),
    path("api/trending/", TrendingView.as_view(), name="trending-products"),
    path("r/", click, name="recommendation-click"),
]
