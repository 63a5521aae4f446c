from rest_framework import serializers

from .serving import MAX_K


class PlacementQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=MAX_K, default=10,
                                 error_messages={"max_value": f"k must be from 1 to {MAX_K}.",
                                                 "min_value": f"k must be from 1 to {MAX_K}."})
    category = serializers.CharField(required=False, max_length=200, help_text="Only products of this category.")
    page = serializers.RegexField(
        r"^[A-Za-z0-9_-]{8,64}$", required=False,
        error_messages={"invalid": "page must be the page's token (the page_token tag): 8 to 64 letters, digits, "
                                   "- or _."},
        help_text="The page's token ({% page_token %}): leave out what the page showed already, and add this list.")


class RecommendationsQuerySerializer(PlacementQuerySerializer):
    user = serializers.IntegerField(
        required=False,
        help_text="Whose recommendations to show; another user's needs staff with "
                  "ai_commerce_recommendations.view_recommendation.")


class RecommendedSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.pk")
    title = serializers.CharField(source="product.ai_title", default="")
    price = serializers.DecimalField(source="product.ai_price", max_digits=12, decimal_places=2, default=None)
    score = serializers.FloatField()
    reason = serializers.CharField(help_text='Why it is shown, e.g. "Because you bought Blue mug".')
    reason_code = serializers.CharField()
    attribution = serializers.CharField(
        help_text="placement:model version[:experiment arm], to credit clicks and purchases (the click link's a=).")
    click_url = serializers.SerializerMethodField(
        help_text="The product's link through the click log, signed for the visitor who asked: a click is credited "
                  "only through it, by the same visitor.")

    def get_click_url(self, item) -> str:
        from .attribution import click_url

        return click_url(item, self.context.get("request"))


class PlacementSerializer(serializers.Serializer):
    placement = serializers.CharField()
    model_version = serializers.IntegerField(allow_null=True)
    arm = serializers.IntegerField(help_text="The experiment arm that served the list (0: no experiment).")
    results = RecommendedSerializer(many=True)


class BuyAgainSerializer(PlacementSerializer):
    served = serializers.ChoiceField(
        choices=["learned", "p_topfreq", "off"],
        help_text="What serves: the learned repurchase timing, each shopper's most often bought products (P-TopFreq, "
                  "where the learned timing does not beat it on the shop's held-out days), or nothing.")
    reason = serializers.CharField(help_text="Why, in one sentence (e.g. why the list is empty).")
