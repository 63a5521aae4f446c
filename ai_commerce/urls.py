"""URLs of ai_commerce. Include them once: ``path("ai/", include("ai_commerce.urls"))``.

Each installed sub-app's endpoints are added here, so the host includes one URLconf whatever it enables.
"""

from django.apps import apps
from django.urls import include, path

from .api import EventBatchView, SchemaView

app_name = "ai_commerce"

urlpatterns = [
    path("api/events/", EventBatchView.as_view(), name="events"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
]
for sub_app in ("recommendations", "sentiment", "pricing"):
    if apps.is_installed(f"ai_commerce.{sub_app}"):
        urlpatterns.append(path("", include(f"ai_commerce.{sub_app}.urls")))
