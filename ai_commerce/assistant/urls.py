from django.urls import path

from . import views
from .api import AssistantView, ConversationView, FeedbackView, HumanView

urlpatterns = [
    path("api/assistant/", AssistantView.as_view(), name="assistant"),
    path("api/assistant/conversations/<int:pk>/", ConversationView.as_view(), name="assistant-conversation"),
    path("api/assistant/feedback/", FeedbackView.as_view(), name="assistant-feedback"),
    path("api/assistant/human/", HumanView.as_view(), name="assistant-human"),
    path("assistant/ask/", views.ask, name="assistant-ask"),
]
