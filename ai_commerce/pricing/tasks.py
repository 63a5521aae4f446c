"""Celery tasks of smart pricing: make suggestions from the active model, then auto-apply where policies allow."""

from celery import shared_task

from . import suggesting, workflow


@shared_task(acks_late=True)
def suggest_prices_task():
    """Idempotent: a second run replaces the pending suggestions with the same ones."""
    counts = suggesting.suggest_prices()
    applied, refused = workflow.auto_apply()
    return {"suggestions": counts, "auto_applied": applied, "auto_apply_refused": len(refused)}
