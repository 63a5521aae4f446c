"""URLs of the django-oscar test shop: Oscar's, as its documentation sets them up, plus the admin and ai_commerce."""

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("ai/", include("ai_commerce.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
