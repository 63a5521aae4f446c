from rest_framework import serializers

from ai_commerce.conf import app_settings


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False,
                              help_text="What the shopper typed.")
    category = serializers.CharField(required=False, max_length=200, help_text="Only products of this category.")
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None,
                                        help_text="Only products in stock (default: the shop's IN_STOCK_ONLY).")
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=500, required=False,
                                         help_text="Results a page (up to SEARCH MAX_PAGE_SIZE).")

    def validate_page_size(self, value):
        ceiling = app_settings.SEARCH["MAX_PAGE_SIZE"]
        if value > ceiling:
            raise serializers.ValidationError(f"Ask for 1 to {ceiling} results a page.")
        return value


class SuggestQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=8)


class SearchResultSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.pk")
    title = serializers.CharField()
    position = serializers.IntegerField(help_text="1 is the first result of the whole list.")
    score = serializers.FloatField()
    matched = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    help_text='Why it matched: {field: [words]}, e.g. {"title": ["mug"]}.')
    featured = serializers.BooleanField(help_text="A staff rule placed it (merchandising: pinned, or boosted up).")
    click_url = serializers.CharField(help_text="The product's link through the click log, signed for the visitor "
                                                "who searched.")


class SearchPageSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    did_you_mean = serializers.CharField(help_text="The query with its misspelled words corrected, or empty.")
    rescue = serializers.CharField(help_text='"" (every word matched), "relaxed" or "category".')
    rescue_note = serializers.CharField()
    ranker = serializers.CharField(help_text="lexical, lexical_popularity or learned.")
    results = SearchResultSerializer(many=True)


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    kind = serializers.CharField(help_text='"query" (a popular past search) or "product" (a title).')
    product = serializers.CharField(required=False)


class SuggestionsSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)
