"""DRF serializers of the core app's API."""

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from .conf import app_settings
from .models import Interaction

#: Kinds a client may send. Purchases and ratings come from the shop's own orders and reviews, never from clients.
CLIENT_KINDS = (Interaction.Kind.VIEW, Interaction.Kind.CART, Interaction.Kind.WISHLIST)
CLOCK_SKEW = timedelta(minutes=5)


class ProductIdField(serializers.Field):
    """A product primary key, checked against the type of the host's primary key (existence is checked in bulk)."""

    default_error_messages = {"invalid": "Not a valid product id."}

    def to_internal_value(self, data):
        from .conf import get_product_model

        try:
            return get_product_model()._meta.pk.to_python(data)
        except (DjangoValidationError, TypeError, ValueError):
            self.fail("invalid")

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
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError("Must not be in the future.")
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
    errors = serializers.ListField(child=serializers.DictField(), required=False,
                                   help_text="One entry per rejected event: its index and field errors.")
