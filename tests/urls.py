from django.contrib import admin
from django.urls import include, path

from tests.pages import product_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ai/", include("ai_commerce.urls")),
    path("shop/items/<int:pk>/", product_page),
]
