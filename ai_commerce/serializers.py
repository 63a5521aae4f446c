"""DRF serializers of the core app's API, and the error bodies every ai_commerce endpoint answers with."""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from rest_framework import serializers

from .conf import app_settings
from .models import Interaction

#: Kinds a client may send. Purchases and ratings come from the shop's own orders and reviews, never from clients.
CLIENT_KINDS = (Interaction.Kind.VIEW, Interaction.Kind.CART, Interaction.Kind.WISHLIST)
CLOCK_SKEW = timedelta(minutes=5)
#: How old an event may claim to be: older ones are a client's bug (a zero timestamp), not history. Imports of real
#: history go through ``ai_commerce_import_history``, not this endpoint.
MAX_EVENT_AGE = timedelta(days=3653)
DIGITS = re.compile(r"-?[0-9]{1,20}")


class ProductIdField(serializers.Field):
    """A product primary key, checked against the type of the host's primary key (existence is checked in bulk).

    An id is a JSON string or integer, never ``true`` or a float such as ``5.9`` (which the pk's ``to_python`` would
    quietly turn into 1 or 5). For an integer pk a string of digits, such as ``"12"``, is taken too; any other pk
    (a UUID, a code) is read by its own ``to_python`` and validators.
    """

    default_error_messages = {"invalid": "Not a valid product id."}

    def to_internal_value(self, data):
        from .conf import get_product_model

        pk = get_product_model()._meta.pk
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(pk, models.IntegerField) and isinstance(data, str) and not DIGITS.fullmatch(data):
            self.fail("invalid")
        try:
            value = pk.to_python(data)
            pk.run_validators(value)  # the database's range of an integer, the length of a code
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return value


class EventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in CLIENT_KINDS])
    product = ProductIdField()
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    value = serializers.FloatField(required=False, allow_null=True, min_value=-1e6, max_value=1e6)
    occurred_at = serializers.DateTimeField(required=False)
    event_id = serializers.CharField(required=False, max_length=100, allow_blank=False,
                                     help_text="Client id for idempotency: a repeated id is stored once.")

    def validate_occurred_at(self, value):
        now = timezone.now()
        if value > now + CLOCK_SKEW:
            raise serializers.ValidationError("Must not be in the future.")
        if value < now - MAX_EVENT_AGE:
            raise serializers.ValidationError(f"Must be within the last {MAX_EVENT_AGE.days // 365} years.")
        return value


class EventBatchSerializer(serializers.Serializer):
    events = serializers.ListField(child=serializers.DictField(), allow_empty=False)

    def validate_events(self, value):
        limit = app_settings.EVENTS_MAX_BATCH
        if len(value) > limit:
            raise serializers.ValidationError(f"Send at most {limit} events per request.")
        return value


class EventBatchResultSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="Events stored by this request.")
    duplicates = serializers.IntegerField(help_text="Events whose event_id was already stored.")
    ignored = serializers.IntegerField(help_text="Events not stored because their user asked to be forgotten.")
    errors = serializers.ListField(child=serializers.DictField(), required=False,
                                   help_text="One entry per rejected event: its index and field errors.")


# The error bodies, for the schema only (``ai_commerce.api.APISchema``); DRF's exception handler writes them.
class ErrorSerializer(serializers.Serializer):
    """An error other than field errors (401, 403, 404, 409, 413, 429)."""

    detail = serializers.CharField(help_text="What went wrong.")


class FieldErrorsSerializer(serializers.Serializer):
    """DRF's 400 body: each bad field (or ``non_field_errors``) with its messages, or ``detail`` for a body that could
    not be parsed. ``ai_commerce.api.FieldErrorsExtension`` gives its schema, which fields cannot express."""
