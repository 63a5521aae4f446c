"""The shopper's endpoints of the assistant (no staff rights needed; each sees only its own conversations).

- ``POST /ai/api/assistant/`` ``{"message": "where is my order?", "conversation": 12, "product": 34}``: the reply,
  with its sources, and the conversation's messages. A conversation id that is not the caller's is a 400.
- ``GET /ai/api/assistant/conversations/<id>/``: the transcript (staff replies appear here).
- ``POST /ai/api/assistant/feedback/`` ``{"message": 5, "helpful": false}``: "did this answer your question?".
- ``POST /ai/api/assistant/human/`` ``{"conversation": 12}``: hand the conversation over to staff.

Rate-limited per user, session and address (``ASSISTANT["THROTTLE_RATE"]``).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai_commerce import throttling
from ai_commerce.api import EventThrottle, JSONErrors
from ai_commerce.conf import app_settings

from . import access, conversations
from .serializers import (
    AskSerializer,
    ConversationSerializer,
    FeedbackSerializer,
    HumanSerializer,
    MessageSerializer,
)


class AssistantThrottle(EventThrottle):
    """The events endpoint's throttle (user, session and address), at ``ASSISTANT["THROTTLE_RATE"]``, on what a
    shopper sends (a message, feedback, a request for a person)."""

    scope = "ai_commerce_assistant"

    def allow_request(self, request, view):
        self.wait_seconds = None
        limit, period = throttling.parse_rate(app_settings.ASSISTANT["THROTTLE_RATE"])
        now = self.timer()
        try:
            waits = [wait for allowed, wait in (
                throttling.hit(self.cache, f"ai_commerce:throttle:{self.scope}:{ident}", limit, period, now=now)
                for ident in self.idents(request)) if not allowed]
        except Exception:  # noqa: BLE001  (the cache down: fail open, as the events endpoint does)
            return True
        self.wait_seconds = max(waits) if waits else None
        return not waits


def transcript(conversation, reply=None):
    data = {"conversation": conversation.pk, "status": conversation.status,
            "messages": MessageSerializer(conversation.messages.all(), many=True).data}
    if reply is not None:
        data["reply"] = MessageSerializer(reply).data
    return data


class AssistantView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AssistantThrottle]

    def post(self, request):
        body = AskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        conversation = None
        if data.get("conversation"):
            conversation = access.own_conversation(request, data["conversation"])
            if conversation is None:
                raise ValidationError({"conversation": ["No such conversation of yours; omit it to start one."]})
        if conversation is None:
            conversation = conversations.start(request.user, access.session_key(request), data.get("email", ""))
            request.session[access.SESSION_KEY] = conversation.pk
        elif data.get("email") and not conversation.email:
            conversation.email = data["email"]
            conversation.save(update_fields=["email"])
        reply = conversations.ask(conversation, data["message"], data.get("product"))
        conversation.refresh_from_db()
        return Response(transcript(conversation, reply))


class ConversationView(JSONErrors, APIView):
    permission_classes = [AllowAny]

    def get(self, request, pk):
        conversation = access.own_conversation(request, pk)
        if conversation is None:
            raise Http404
        return Response(transcript(conversation))


class FeedbackView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AssistantThrottle]

    def post(self, request):
        body = FeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = access.own_message(request, body.validated_data["message"])
        if message is None:
            raise ValidationError({"message": ["No such answer in your conversations."]})
        return Response(MessageSerializer(conversations.feedback(message, body.validated_data["helpful"])).data)


class HumanView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AssistantThrottle]

    def post(self, request):
        body = HumanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conversation = access.own_conversation(request, body.validated_data["conversation"])
        if conversation is None:
            raise ValidationError({"conversation": ["No such conversation of yours."]})
        reply = conversations.request_human(conversation)
        conversation.refresh_from_db()
        return Response(transcript(conversation, reply))


# extend_schema on a method builds on DEFAULT_SCHEMA_CLASS; on the class it builds on the view's own schema.
AssistantView = extend_schema(methods=["POST"], request=AskSerializer, responses=ConversationSerializer)(AssistantView)
ConversationView = extend_schema(methods=["GET"], responses=ConversationSerializer)(ConversationView)
FeedbackView = extend_schema(methods=["POST"], request=FeedbackSerializer, responses=MessageSerializer)(FeedbackView)
HumanView = extend_schema(methods=["POST"], request=HumanSerializer, responses=ConversationSerializer)(HumanView)
