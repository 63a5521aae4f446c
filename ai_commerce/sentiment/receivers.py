"""Score a review after it is saved, without ever blocking or breaking the save.

A saved review that has been scored before and whose host status changed (the shop hid or published it) gets its
product's summary refreshed in the save itself, so a review the shop hides leaves what shoppers see at once; scoring
it again follows after the commit.
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from ai_commerce import celery_setup
from ai_commerce.adapter import get_adapter, is_our_write

logger = logging.getLogger(__name__)


def review_saved(sender, instance, raw=False, **kwargs):
    if raw or is_our_write(instance):  # our own write-back of a status: scored already, summaries refreshed
        return
    from .tasks import score_review_task

    follow_host_status(instance.pk)
    # robust: a broker that is down is logged, and the shop's save has already committed.
    transaction.on_commit(lambda: celery_setup.send(score_review_task, instance.pk), robust=True)


def follow_host_status(review_pk):
    """Record the host's status of a scored review; when it changed, refresh the product's summary (two reads
    when it did not). Return whether it changed."""
    from .models import ReviewSentiment
    from .summaries import refresh_summaries

    try:  # in a savepoint: a failure here is logged and the shop's save still goes through
        with transaction.atomic():
            adapter = get_adapter()
            if "moderation_status" not in adapter.review_paths:
                return False
            stored = ReviewSentiment.objects.filter(review_key=str(review_pk)).values(
                "pk", "product_id", "host_status").first()
            rows = list(adapter.reviews(pks=[review_pk])) if stored else []
            if not rows or rows[0].moderation_status == stored["host_status"]:
                return False
            ReviewSentiment.objects.filter(pk=stored["pk"]).update(host_status=rows[0].moderation_status)
            refresh_summaries({stored["product_id"]})
            return True
    except Exception:
        logger.exception("ai_commerce could not follow the status of saved review %s", review_pk)
        return False


def review_deleted(sender, instance, **kwargs):
    from .models import ReviewSentiment
    from .summaries import refresh_summaries

    try:  # in a savepoint: a failure here is logged and the shop's delete still goes through
        with transaction.atomic():
            rows = ReviewSentiment.objects.filter(review_key=str(instance.pk))
            products = list(rows.values_list("product_id", flat=True))
            rows.delete()
            refresh_summaries(products)
    except Exception:
        logger.exception("ai_commerce could not drop the sentiment of deleted review %s", instance.pk)


def connect():
    try:
        model = get_adapter().review_model
    except (ImproperlyConfigured, ImportError):  # misconfigured: the core system checks say what to fix
        return
    if model is not None:
        post_save.connect(review_saved, sender=model, dispatch_uid="ai_commerce_sentiment_review_saved")
        post_delete.connect(review_deleted, sender=model, dispatch_uid="ai_commerce_sentiment_review_deleted")


def forget_user(user_id):
    """Privacy: drop the user's review sentiments and refresh the summaries that quoted them."""
    from .models import ReviewSentiment
    from .summaries import refresh_summaries

    rows = ReviewSentiment.objects.filter(user_id=user_id)
    products = set(rows.values_list("product_id", flat=True))
    removed = rows.delete()[0]
    ReviewSentiment.objects.filter(moderated_by_id=user_id).update(moderated_by=None)  # a staff member forgotten
    refresh_summaries(products)
    return removed
