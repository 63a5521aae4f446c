"""DRF views of the core app (the event batch endpoint, the schema), and what every ai_commerce endpoint shares.

``POST /ai/api/events/`` with ``{"events": [{"kind": "view", "product": 12}, ...]}``. Valid events are stored even
when a neighbour in the batch is invalid; the answer is 201 when all were stored, else 400 naming each bad event's
index and fields (or, for a batch that is not a list of events, the batch's field errors). Logged-in shoppers'
events are keyed by user, anonymous ones by session; a visitor with no session cookie gets no session (a script
keeping no cookie would make a row per request): its events count for popularity under a key of their own
(``events.actor``).

Every ai_commerce DRF view mixes in ``JSONErrors``: its errors answer JSON, never a 500 for bad input nor an HTML
page: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413, one nested too deep a 400, malformed credentials a 401,
the database unreachable a 503 with Retry-After; and ``APISchema`` documents the errors each operation can answer.
The only other view under ``api/``, ``not_found``, reads no database.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from . import __version__, authentication, events, parsers, privacy, throttling
from .adapter import get_adapter
from .conf import app_settings
from .models import Interaction
from .serializers import (
    ErrorSerializer,
    EventBatchResultSerializer,
    EventBatchSerializer,
    EventSerializer,
    FieldErrorsSerializer,
)

logger = logging.getLogger(__name__)


class EventThrottle(BaseThrottle):
    """At most ``AI_COMMERCE["EVENTS_THROTTLE_RATE"]`` requests per window from each of: the user (when logged in),
    the session (when there is one) and the client's address (always; read behind ``TRUSTED_PROXIES`` only, see
    ``ai_commerce.throttling``). A request is refused when any of them is over, so a forged ``X-Forwarded-For``
    or a fresh session cookie buys nothing. The counters are atomic (cache ``add`` + ``incr``), so parallel
    requests cannot slip past the limit together."""

    scope = "ai_commerce_events"
    cache = default_cache
    timer = time.time

    def rate(self):
        """The rate counted (DRF syntax), or None for no throttle; a subclass reads its own setting."""
        return app_settings.EVENTS_THROTTLE_RATE

    def idents(self, request):
        """The keys this request is counted under: user, session and address."""
        keys = []
        if request.user.is_authenticated:
            keys.append(f"u:{request.user.pk}")
        session_key = getattr(getattr(request, "session", None), "session_key", None)
        if session_key:
            keys.append(f"s:{session_key}")
        keys.append(f"a:{throttling.client_address(request.META)}")
        return keys

    def allow_request(self, request, view):
        """Count in the cache; when the cache is down, fail open: the events are stored, unthrottled, and logged."""
        self.wait_seconds = None
        rate = self.rate()
        if rate is None:
            return True
        limit, period = throttling.parse_rate(rate)
        now = self.timer()
        try:
            waits = [wait for allowed, wait in (
                throttling.hit(self.cache, f"ai_commerce:throttle:{self.scope}:{ident}", limit, period, now=now)
                for ident in self.idents(request)) if not allowed]
        except Exception:
            logger.warning("the %s throttle could not reach its cache; letting the request through", self.scope,
                           exc_info=True)
            return True
        self.wait_seconds = max(waits) if waits else None
        return not waits

    def wait(self):
        return self.wait_seconds


class FieldErrorsExtension(OpenApiSerializerExtension):
    """The schema of DRF's 400 body, which no serializer's fields can describe: an object of messages by field."""

    target_class = FieldErrorsSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": "Each bad field (or non_field_errors) with its messages; a nested field has an object "
                           "(or a list of them) instead. A body that could not be parsed has detail.",
            "properties": {"detail": {"type": "string"}, "non_field_errors": messages},
            "additionalProperties": {"oneOf": [{"type": "array"}, {"type": "object"}]},
        }


class APISchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the errors an operation can answer (what a view declares wins):

    - 400 field errors where it reads query parameters or a body;
    - 401 and 403 everywhere: missing or bad credentials, a missing permission, a session's failed CSRF check
      (DRF answers 403 for missing credentials unless the host's first authentication class asks for them, 401);
    - 404 where its path names an object; 409 for the view's ``decisions`` (a refused step);
    - 413 and 415 where it reads a body (too large; a Content-Type it does not read); 429 where it is throttled;
    - 503 everywhere: the database is unreachable (with ``Retry-After``).
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            for code, (serializer, description) in self.error_responses(operation).items():
                operation["responses"].setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": self.resolve_serializer(serializer, "response").ref}},
                })
        return operation

    def error_responses(self, operation):
        """{status code: (serializer, description)} of the errors that ``operation`` can answer."""
        errors = {
            "401": (ErrorSerializer, ("No credentials or bad ones, where the host's authentication asks for them, or "
                                      "where the scheme sent failed (its challenge in WWW-Authenticate).")),
            "403": (ErrorSerializer, "Not allowed: no or bad credentials, a missing permission, a failed CSRF check."),
        }
        has_body = "requestBody" in operation
        if has_body or any(p["in"] == "query" for p in operation.get("parameters", ())):
            errors["400"] = (FieldErrorsSerializer, "Bad input: the field errors.")
        if "{" in self.path:
            errors["404"] = (ErrorSerializer, "No such object.")
        if getattr(self.view, "action", None) in getattr(self.view, "decisions", ()):
            errors["409"] = (ErrorSerializer, "Refused in the object's present state: the reason.")
        if has_body:
            errors["413"] = (ErrorSerializer, f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
            errors["415"] = (ErrorSerializer, "The body's Content-Type is not one the operation reads.")
        if self.view.throttle_classes:
            errors["429"] = (ErrorSerializer, "Too many requests: wait the Retry-After seconds.")
        errors["503"] = (ErrorSerializer, "The database is unreachable: retry after the Retry-After seconds.")
        return dict(sorted(errors.items()))


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable for a moment; retry after the Retry-After seconds."
    default_code = "unavailable"


#: Retry-After (seconds) of a 503 while the database is down: about how long a restart or a failover takes.
RETRY_AFTER_SECONDS = 30


class JSONErrors:
    """Mixed into every ai_commerce DRF view, so that no input and no outage answers a 500 or an HTML page:

    - errors are documented (``APISchema``);
    - JSON bodies go through ``BoundedJSONParser``: nested too deep, 400; over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, a
      JSON 413 (also where Django itself refuses the body, which would be its HTML 400 page);
    - the host's authenticators are ``Guarded``: malformed credentials are a 401 (with the failed scheme's
      challenge), not the 500 of an error inside them;
    - the database unreachable (``OperationalError``, ``InterfaceError``) is a JSON 503 with ``Retry-After``.
    """

    schema = APISchema()  # drf-spectacular's, whatever the host's DEFAULT_SCHEMA_CLASS

    def get_parsers(self):
        return parsers.bounded(super().get_parsers())

    def get_authenticators(self):
        return authentication.guarded(super().get_authenticators())

    def get_authenticate_header(self, request):
        return authentication.failed_challenge(request) or super().get_authenticate_header(request)

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            exc = parsers.too_large()
        unavailable = isinstance(exc, (OperationalError, InterfaceError))
        if unavailable:
            logger.warning("ai_commerce: %s answered 503: the database is unreachable", self.request.path,
                           exc_info=exc)
            exc = ServiceUnavailable()
        response = super().handle_exception(exc)
        if unavailable:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class BoundedPage(LimitOffsetPagination):
    """The pages of every ai_commerce list endpoint: by ``limit`` (1 to 500) and ``offset``; a value that is not such
    an integer (``offset=null``) is a 400 naming it, where DRF would quietly serve the first page."""

    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        return self._integer(request, self.limit_query_param, self.default_limit, min_value=1, max_value=self.max_limit)

    def get_offset(self, request):
        return self._integer(request, self.offset_query_param, 0, min_value=0)

    def _integer(self, request, name, default, **bounds):
        if name not in request.query_params:
            return default
        try:
            return serializers.IntegerField(**bounds).run_validation(request.query_params[name])
        except ValidationError as exc:
            raise ValidationError({name: exc.detail}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
                  self.offset_query_param: {"minimum": 0}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class EventBatchView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [EventThrottle]

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
        user_id, session_key = events.actor(request, create_session=False)  # no session row per cookieless POST
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
        kept = privacy.without_forgotten(to_store)
        stored = events.insert_new(kept)
        duplicates += len(kept) - stored
        errors.sort(key=lambda e: e["index"])
        body = {"stored": stored, "duplicates": duplicates, "ignored": len(to_store) - len(kept)}
        if errors:
            return Response({**body, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED)


# extend_schema on a method builds on DEFAULT_SCHEMA_CLASS; on the class it builds on the view's own schema.
EventBatchView = extend_schema(methods=["POST"], request=EventBatchSerializer, responses={
    201: EventBatchResultSerializer,
    400: OpenApiResponse(PolymorphicProxySerializer(
        component_name="EventBatchRejected", serializers=[EventBatchResultSerializer, FieldErrorsSerializer],
        resource_type_field_name=None,
    ), description="Some events were bad (the others are stored), or the batch itself was: the field errors."),
})(EventBatchView)


@csrf_exempt  # it changes nothing, and a POST to it would otherwise get the CSRF failure page
def not_found(request, **kwargs):
    """Any other path under ``api/`` (an id that does not fit its route, such as ``policies/2.5/``): a JSON 404 as
    the endpoints answer, not the host's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


class SchemaView(JSONErrors, SpectacularAPIView):
    """The OpenAPI schema of ai_commerce's endpoints, with no REST_FRAMEWORK setting needed from the host."""

    schema = None  # leaves the schema view itself out of the schema
    urlconf = "ai_commerce.urls"  # only our endpoints: the host's views may not be drf-spectacular compatible

    def get(self, request, *args, **kwargs):
        # Paths are relative to where the host mounted ai_commerce.urls; say where, as the server URL.
        mount = reverse("ai_commerce:events").removesuffix("api/events/")
        self.custom_settings = {"TITLE": "django-ai-commerce API", "VERSION": __version__,
                                "SERVERS": [{"url": mount}]}
        return super().get(request, *args, **kwargs)
