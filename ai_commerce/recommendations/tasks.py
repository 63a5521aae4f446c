"""Celery tasks of recommendations: score chunks of users for a version on other workers (``fan_out``), and index a
new product's content."""

import time

from celery import group, shared_task
from django.core.cache import caches

from ai_commerce.conf import app_settings
from ai_commerce.models import ModelVersion


@shared_task(acks_late=True)
def score_users_task(version_id, user_ids):
    """Write the top-K of a chunk of users for a version (idempotent; needs the train extra)."""
    from .precompute import score_users

    written = score_users(ModelVersion.objects.get(pk=version_id), user_ids)
    done_cache().incr(chunks_done_key(version_id))  # the training task waits for every chunk
    return written


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def index_product_task(product_id):
    """Content neighbours of a product added after the last retrain (no TensorFlow)."""
    from . import serving
    from .content import index_product

    written = index_product(product_id)
    serving.forget_served()  # its "similar items" were served from the trending rungs until now
    return written


def fan_out(version, chunks, on_progress=None, timeout=None, poll=2.0):
    """Score the chunks as a group of Celery tasks on other workers and wait until each has reported, through the
    shared lock cache (no result backend needed). Needs free worker slots besides this task's."""
    counter = chunks_done_key(version.pk)
    done_cache().set(counter, 0, timeout=None)
    group(score_users_task.s(version.pk, chunk) for chunk in chunks).apply_async()
    deadline = time.monotonic() + (timeout or app_settings.TRAIN_TIME_LIMIT)
    while True:
        done = int(done_cache().get(counter) or 0)
        if on_progress:
            on_progress(min(100, done * 100 // len(chunks)))
        if done >= len(chunks):
            done_cache().delete(counter)
            return done
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done} of {len(chunks)} chunks scored by the chunk tasks; are other workers running?")
        time.sleep(poll)


def done_cache():
    return caches[app_settings.LOCK_CACHE]


def chunks_done_key(version_id):
    return f"ai_commerce:recommendations:chunks-done:{version_id}"
