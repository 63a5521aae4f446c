from rest_framework import serializers

from .verification import Tier


class ProductSentimentSerializer(serializers.Serializer):
    product = serializers.CharField()
    review_count = serializers.IntegerField(help_text="Reviews the summary counts (verified buyers only when "
                                                      "SUMMARY_VERIFIED_ONLY is on; see tier)")
    verified = serializers.IntegerField(help_text="Of them, by verified buyers")
    tier = serializers.CharField(allow_null=True, help_text="The only tier counted, or null for every published review")
    average_score = serializers.FloatField(help_text="-1 (negative) to 1 (positive)")
    counts = serializers.DictField(child=serializers.IntegerField())
    trend = serializers.ListField(child=serializers.DictField())
    best_aspects = serializers.ListField(
        child=serializers.DictField(), help_text="aspect, score, reviews (that mention it), positive, negative, of "
                                                 "(reviews counted) and reviews_url (the reviews it counts)")
    worst_aspects = serializers.ListField(child=serializers.DictField())
    pros = serializers.ListField(child=serializers.CharField())
    cons = serializers.ListField(child=serializers.CharField())
    pros_support = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per pro: text, aspect, label, reviews (that back it), of, reviews_url")
    cons_support = serializers.ListField(child=serializers.DictField())
    updated_at = serializers.DateTimeField(allow_null=True)


class ReviewSerializer(serializers.Serializer):
    review = serializers.CharField(source="review_key")
    rating = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    excerpt = serializers.CharField()
    verification = serializers.ChoiceField(choices=Tier.choices, allow_blank=True,
                                           help_text="Empty until the review is scored again after an upgrade")
    days_after_purchase = serializers.IntegerField(allow_null=True)
    incentivized = serializers.BooleanField()
    aspects = serializers.SerializerMethodField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_aspects(self, row) -> dict[str, str]:
        """Aspect -> its label in this review."""
        return {name: aspect.get("label") for name, aspect in (row["aspects"] or {}).items()}


class ReviewFilterSerializer(serializers.Serializer):
    aspect = serializers.RegexField(r"^[\w-]{1,40}$", required=False)
    label = serializers.ChoiceField(choices=["negative", "neutral", "positive"], required=False)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
