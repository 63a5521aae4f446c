"""The sentiment sweeper: score the reviews that have no sentiment yet (their save reached no worker because the
broker was down). Runs in a worker, from ``ai_commerce.tasks.sweep_task``."""

from ai_commerce.adapter import get_adapter

from .models import ReviewSentiment

#: Reviews scored per sweep, at most; the next sweep takes the rest.
LIMIT = 5000


def score_unscored(limit=LIMIT):
    """Score up to ``limit`` reviews that have no ``ReviewSentiment`` row. Return how many were scored."""
    adapter = get_adapter()
    if adapter.review_model is None:
        return 0
    scored = set(ReviewSentiment.objects.values_list("review_key", flat=True))
    missing = [pk for pk in adapter.get_review_queryset().order_by("pk").values_list("pk", flat=True)
               if str(pk) not in scored][:limit]
    if not missing:
        return 0
    from .scoring import score_reviews  # scikit-learn: workers only

    return score_reviews(pks=missing)
