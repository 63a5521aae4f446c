"""The demo shop's pages without ai_commerce, for ``bench/web.py``'s bare server (the basket needs the package)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from demo_shop.catalog.views import ProductDetailView, ProductListView


def not_benchmarked(request, **kwargs):
    return HttpResponse("not part of the benchmark", status=404)


urlpatterns = [
    path("", ProductListView.as_view(), name="home"),
    path("products/<slug:slug>/", ProductDetailView.as_view(), name="product_detail"),
    path("basket/", not_benchmarked, name="basket"),
    path("basket/add/<int:product_id>/", not_benchmarked, name="basket_add"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
