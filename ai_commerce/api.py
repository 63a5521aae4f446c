"""DRF views of the core app: the event batch endpoint.

``POST /ai/api/events/`` with ``{"events": [{"kind": "view", "product": 12}, ...]}``. Valid events are stored even
when a neighbour in the batch is invalid; the answer is 201 when all were stored, else 400 naming each bad event's
index and fields. Logged-in shoppers' events are keyed by user, anonymous ones by session.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import __version__, events
from .adapter import get_adapter
from .conf import app_settings
from .models import Interaction
from .serializers import EventBatchResultSerializer, EventBatchSerializer, EventSerializer


class EventThrottle(SimpleRateThrottle):
    """Throttle per user, or per client IP for anonymous visitors, at ``AI_COMMERCE["EVENTS_THROTTLE_RATE"]``."""

    scope = "ai_commerce_events"

    def get_rate(self):
        return app_settings.EVENTS_THROTTLE_RATE

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class EventBatchView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [EventThrottle]
    schema = AutoSchema()  # drf-spectacular's, whatever the host's DEFAULT_SCHEMA_CLASS

    def post(self, request):
        batch = EventBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        valid, errors = [], []
        for index, raw in enumerate(batch.validated_data["events"]):
            item = EventSerializer(data=raw)
            if item.is_valid():
                valid.append((index, item.validated_data))
            else:
                errors.append({"index": index, "fields": item.errors})
        known = set(get_adapter().get_product_queryset()
                    .filter(pk__in={data["product"] for _, data in valid}).values_list("pk", flat=True))
        user_id, session_key = events.actor(request)
        to_store, seen = [], set()
        duplicates = 0
        for index, data in valid:
            if data["product"] not in known:
                errors.append({"index": index, "fields": {"product": ["Unknown product."]}})
                continue
            event_id = f"client:{data['event_id']}" if data.get("event_id") else None
            if event_id in seen:
                duplicates += 1
                continue
            if event_id:
                seen.add(event_id)
            to_store.append(Interaction(
                user_id=user_id, session_key=session_key, product_id=data["product"], kind=data["kind"],
                quantity=data["quantity"], value=data.get("value"), occurred_at=data.get("occurred_at", timezone.now()),
                source=Interaction.Source.API, event_id=event_id,
            ))
        stored = events.insert_new(to_store)
        duplicates += len(to_store) - stored
        errors.sort(key=lambda e: e["index"])
        body = {"stored": stored, "duplicates": duplicates}
        if errors:
            return Response({**body, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED)


# extend_schema on a method builds on DEFAULT_SCHEMA_CLASS; on the class it builds on the view's own schema.
EventBatchView = extend_schema(methods=["POST"], request=EventBatchSerializer,
                               responses={201: EventBatchResultSerializer, 400: EventBatchResultSerializer}
                               )(EventBatchView)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema of ai_commerce's endpoints, with no REST_FRAMEWORK setting needed from the host."""

    schema = None  # leaves the schema view itself out of the schema
    urlconf = "ai_commerce.urls"  # only our endpoints: the host's views may not be drf-spectacular compatible

    def get(self, request, *args, **kwargs):
        # Paths are relative to where the host mounted ai_commerce.urls; say where, as the server URL.
        mount = reverse("ai_commerce:events").removesuffix("api/events/")
        self.custom_settings = {"TITLE": "django-ai-commerce API", "VERSION": __version__,
                                "SERVERS": [{"url": mount}]}
        return super().get(request, *args, **kwargs)
