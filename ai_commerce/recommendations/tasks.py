"""Celery tasks of recommendations: score a chunk of users for a version, and index a new product's content."""

from celery import shared_task

from ai_commerce.models import ModelVersion


@shared_task(acks_late=True)
def score_users_task(version_id, user_ids):
    """Write the top-K of a chunk of users for a version (idempotent; needs the train extra)."""
    from .training import chunks_done_key, done_cache, score_users

    written = score_users(ModelVersion.objects.get(pk=version_id), user_ids)
    done_cache().incr(chunks_done_key(version_id))  # the training task waits for every chunk
    return written


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def index_product_task(product_id):
    """Content neighbours of a product added after the last retrain (no TensorFlow)."""
    from .content import index_product

    return index_product(product_id)
