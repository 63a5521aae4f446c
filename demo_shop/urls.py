"""URLs of the demo shop: the shop pages, the admin, accounts and ai_commerce under ``ai/``."""

from django.contrib import admin
from django.urls import include, path

from demo_shop.catalog.search_views import SearchView
from demo_shop.catalog.views import ProductDetailView, ProductListView
from demo_shop.orders import views as order_views

urlpatterns = [
    path("", ProductListView.as_view(), name="home"),
    path("search/", SearchView.as_view(), name="search"),
    path("products/<slug:slug>/", ProductDetailView.as_view(), name="product_detail"),
    path("basket/", order_views.basket_detail, name="basket"),
    path("basket/add/<int:product_id>/", order_views.basket_add, name="basket_add"),
    path("basket/remove/<int:product_id>/", order_views.basket_remove, name="basket_remove"),
    path("checkout/", order_views.checkout, name="checkout"),
    path("orders/<int:pk>/", order_views.order_detail, name="order_detail"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("ai/", include("ai_commerce.urls")),
]
