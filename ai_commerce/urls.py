"""URLs of ai_commerce. Include them once: ``path("ai/", include("ai_commerce.urls"))``."""

from django.urls import path

from .api import EventBatchView, SchemaView

app_name = "ai_commerce"

urlpatterns = [
    path("api/events/", EventBatchView.as_view(), name="events"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
]
