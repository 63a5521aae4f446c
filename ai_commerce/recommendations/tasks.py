"""Celery tasks of recommendations: score a new version's users in chunks on any worker (``fan_out``), and index a
new product's content.

``fan_out`` hands the rest of a training run to Celery: a chord of chunk tasks, then ``publish_task``, which judges
the version and ends the run. The training task returns at once, so it holds no worker slot while the chunks wait
for one: the fan-out finishes even on a single worker of concurrency 1. A chord needs a result backend
(``CELERY_RESULT_BACKEND``, e.g. the Redis broker's URL); ``ai_commerce.E048`` says so when it is missing.
"""

from celery import chord, shared_task
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.models import ModelVersion, TrainingRun


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def score_users_task(version_id, user_ids, run_id=None, chunk=1, chunks=1):
    """Write the top-K of a chunk of users for a version (idempotent; needs the train extra), and say so on the run."""
    from .precompute import score_users

    written = score_users(ModelVersion.objects.get(pk=version_id), user_ids)
    if run_id is not None:
        TrainingRun.objects.filter(pk=run_id).update(
            heartbeat_at=timezone.now(), progress=72 + 20 * chunk // chunks,
            message=f"precomputed recommendations: chunk {chunk} of {chunks}")
    return written


@shared_task(acks_late=True)
def publish_task(results, version_id, run_id, token):
    """After every chunk: judge the version and end the handed-off run (``results`` are the chunks' row counts)."""
    from .publish import publish

    version = ModelVersion.objects.get(pk=version_id)
    return registry.finish_run(run_id, token, lambda reporter: publish(version, reporter)).status


@shared_task
def fan_out_failed(request, exc, traceback, run_id, token):
    """A chunk failed for good: fail the handed-off run and free its lock at once."""
    return registry.finish_run(run_id, token, lambda reporter: _raise(exc)).status


def _raise(exc):
    raise RuntimeError(f"a chunk of the fan-out failed: {exc!r}")


def fan_out(version, chunks, handoff):
    """Score the chunks as a chord on any worker, then publish; return ``handoff`` for the trainer to return."""
    run_id, n = handoff.run.pk, len(chunks)
    header = [score_users_task.si(version.pk, chunk, run_id, i, n) for i, chunk in enumerate(chunks, 1)]
    body = publish_task.s(version.pk, run_id, handoff.token).on_error(fan_out_failed.s(run_id, handoff.token))
    chord(header)(body)
    return handoff


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def index_product_task(product_id):
    """Content neighbours of a product added after the last retrain (no TensorFlow)."""
    from . import serving
    from .content import index_product

    written = index_product(product_id)
    serving.forget_served()  # its "similar items" were served from the trending rungs until now
    return written
