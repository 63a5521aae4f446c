from django.urls import path

from .api import ProductReviewsView, ProductSentimentView
from .views import review_policy_page

urlpatterns = [
    path("api/products/<str:product_id>/sentiment/", ProductSentimentView.as_view(), name="product-sentiment"),
    path("api/products/<str:product_id>/reviews/", ProductReviewsView.as_view(), name="product-reviews"),
    path("reviews/policy/", review_policy_page, name="review-policy"),
]
