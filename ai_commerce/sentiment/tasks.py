"""Celery tasks of review sentiment. A review is scored after its transaction commits; failures are retried."""

from celery import shared_task

SCORE_RETRIES = 5


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=SCORE_RETRIES)
def score_review_task(review_pk):
    """Score one review (idempotent: scoring again overwrites the same row)."""
    from . import scoring  # scikit-learn: imported by the worker that runs this, not by the web process sending it

    return scoring.score_reviews(pks=[review_pk])
