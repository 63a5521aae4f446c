"""The review standing of products for the other capabilities (``ai_commerce.review_standing``): one query."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ai_commerce.review_standing import Standing

from .models import ProductSentiment, ReviewSentiment


def provide(product_ids):
    """Return {pk: Standing} of the reviewed products among ``product_ids`` (their summary and flagged reviews)."""
    flagged = (ReviewSentiment.objects.flagged().filter(product_id=OuterRef("product_id")).order_by()
               .values("product_id").annotate(n=Count("pk")).values("n"))
    rows = (ProductSentiment.objects.filter(product_id__in=list(product_ids))
            .annotate(flagged=Coalesce(Subquery(flagged, output_field=IntegerField()), 0))
            .values_list("product_id", "average_score", "review_count", "flagged"))
    return {pk: Standing(float(score), int(count), int(n)) for pk, score, count, n in rows}
