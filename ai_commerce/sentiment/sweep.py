"""The sentiment sweeper: score the reviews that have no sentiment yet (their save reached no worker because the
broker was down). Runs in a worker, from ``ai_commerce.tasks.sweep_task``. A forgotten user's reviews
(``ai_commerce.privacy``) have no sentiment on purpose: they are not scored, and they take no room in a sweep."""

from ai_commerce import privacy
from ai_commerce.adapter import get_adapter

from .models import ReviewSentiment

#: Reviews scored per sweep, at most; the next sweep takes the rest.
LIMIT = 5000


def score_unscored(limit=LIMIT):
    """Score up to ``limit`` reviews that have no ``ReviewSentiment`` row and whose author was not forgotten. Return
    how many were scored."""
    adapter = get_adapter()
    if adapter.review_model is None:
        return 0
    scored = set(ReviewSentiment.objects.values_list("review_key", flat=True))
    author = adapter.review_paths.get("user")
    reviews = adapter.get_review_queryset().order_by("pk")
    pairs = (reviews.values_list("pk", author.path) if author else ((pk, None) for pk in reviews.values_list(
        "pk", flat=True)))
    unscored = [(pk, user_id) for pk, user_id in pairs if str(pk) not in scored]
    forgotten = privacy.forgotten_ids({user_id for _, user_id in unscored})
    missing = [pk for pk, user_id in unscored if user_id not in forgotten][:limit]
    if not missing:
        return 0
    from .scoring import score_reviews  # scikit-learn: workers only

    return score_reviews(pks=missing)
