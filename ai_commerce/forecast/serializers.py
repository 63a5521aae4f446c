from rest_framework import serializers

from .models import ProductForecast, ReorderSuggestion


class ProductForecastSerializer(serializers.ModelSerializer):
    daily_rate = serializers.FloatField(read_only=True)
    weekly = serializers.ListField(child=serializers.FloatField(), read_only=True,
                                   help_text="The daily forecast summed by week, from the first forecast day.")

    class Meta:
        model = ProductForecast
        exclude = ()
        read_only_fields = [f.name for f in ProductForecast._meta.fields]


class ReorderSuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReorderSuggestion
        exclude = ()
        read_only_fields = [f.name for f in ReorderSuggestion._meta.fields]


class MarkOrderedSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False,
                                        help_text="Units ordered; the suggested quantity when omitted.")
