"""Celery tasks of the assistant: the nightly prune of old conversations (personal data)."""

from celery import shared_task

from . import privacy


@shared_task(acks_late=True)
def prune_conversations_task():
    return {"removed": privacy.prune()}
