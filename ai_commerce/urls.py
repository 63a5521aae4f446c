"""URLs of ai_commerce. Include them once: ``path("ai/", include("ai_commerce.urls"))``.

Each installed capability's endpoints (``CapabilityConfig.urls``) are added here, so the host includes one URLconf
whatever it enables. Any other path under ``api/`` ending in a slash answers a JSON 404 (the paths without one keep
Django's ``APPEND_SLASH`` redirect).
"""

from django.urls import include, path, re_path

from .api import EventBatchView, SchemaView, not_found
from .capabilities import installed

app_name = "ai_commerce"

urlpatterns = [
    path("api/events/", EventBatchView.as_view(), name="events"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
]
urlpatterns += [path("", include(capability.urls)) for capability in installed() if capability.urls]
urlpatterns += [re_path(r"^api/(?:[\s\S]*/)?\Z", not_found, name="api-not-found")]  # last
