"""Celery tasks of the demand forecast: the daily stock snapshot, and reorder suggestions from the serving
forecast against the stock just read."""

from celery import shared_task

from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from . import history, inventory


@shared_task(acks_late=True)
def snapshot_stock_task():
    """Idempotent: a second run on the same day rewrites the day's rows. Then the suggestions are made again."""
    written = history.snapshot_stock()
    version = ModelVersion.objects.of_kind("forecast").active().first()
    planned = inventory.plan(version, tuned("FORECAST")["OVERSTOCK_DAYS"]) if version else 0
    return {"snapshots": written, "reorder_suggestions": planned}
