from django.urls import path

from .api import ProductSentimentView

urlpatterns = [
    path("api/products/<str:product_id>/sentiment/", ProductSentimentView.as_view(), name="product-sentiment"),
]
