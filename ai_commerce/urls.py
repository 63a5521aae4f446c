"""URLs of ai_commerce. Include them once: ``path("ai/", include("ai_commerce.urls"))``.

Each installed capability's endpoints (``CapabilityConfig.urls``) are added here, so the host includes one URLconf
whatever it enables.
"""

from django.urls import include, path

from .api import EventBatchView, SchemaView
from .capabilities import installed

app_name = "ai_commerce"

urlpatterns = [
    path("api/events/", EventBatchView.as_view(), name="events"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
]
urlpatterns += [path("", include(capability.urls)) for capability in installed() if capability.urls]
