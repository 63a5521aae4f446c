import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import PriceChange, PriceSuggestion, PricingPolicy


class PricingPolicySerializer(serializers.ModelSerializer):
    scope = serializers.CharField(read_only=True)

    class Meta:
        model = PricingPolicy
        exclude = ()
        read_only_fields = ("updated_at",)

    def validate(self, attrs):
        """Run the model's own validation (guardrail contradictions, scope, uniqueness) and report it per field."""
        policy = copy.copy(self.instance) if self.instance is not None else PricingPolicy()
        for name, value in attrs.items():
            setattr(policy, name, value)
        try:
            policy.full_clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        return attrs


class PriceChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceChange
        fields = ("id", "action", "old_price", "new_price", "changed_by", "created_at")


class PriceSuggestionSerializer(serializers.ModelSerializer):
    changes = PriceChangeSerializer(many=True, read_only=True)

    class Meta:
        model = PriceSuggestion
        exclude = ()
        read_only_fields = [f.name for f in PriceSuggestion._meta.fields]
