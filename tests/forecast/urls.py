from django.http import JsonResponse
from django.urls import path

from ai_commerce.models import ModelVersion


def active_forecast(request):
    version = ModelVersion.objects.of_kind("forecast").active().first()
    return JsonResponse({"model_version": version.pk if version else None})


urlpatterns = [path("api/forecast/", active_forecast, name="forecast")]
