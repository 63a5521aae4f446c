from rest_framework import serializers


class ProductSentimentSerializer(serializers.Serializer):
    product = serializers.CharField()
    review_count = serializers.IntegerField()
    average_score = serializers.FloatField(help_text="-1 (negative) to 1 (positive)")
    counts = serializers.DictField(child=serializers.IntegerField())
    trend = serializers.ListField(child=serializers.DictField())
    best_aspects = serializers.ListField(child=serializers.DictField())
    worst_aspects = serializers.ListField(child=serializers.DictField())
    pros = serializers.ListField(child=serializers.CharField())
    cons = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField(allow_null=True)
