from django.http import JsonResponse
from django.urls import path

from ai_commerce.models import ModelVersion


def active_restock(request):
    version = ModelVersion.objects.of_kind("restock").active().first()
    return JsonResponse({"model_version": version.pk if version else None})


urlpatterns = [path("api/restock/", active_restock, name="restock")]
