"""A product added to the shop gets content-based neighbours at once, after its transaction commits."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_save

from ai_commerce.adapter import get_adapter

logger = logging.getLogger(__name__)


def product_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or not created:
        return
    from .tasks import index_product_task

    transaction.on_commit(lambda: index_product_task.delay(instance.pk), robust=True)


def connect():
    try:
        model = get_adapter().product_model
    except (ImproperlyConfigured, ImportError):  # misconfigured: the core system checks say what to fix
        return
    post_save.connect(product_saved, sender=model, dispatch_uid="ai_commerce_recommendations_product_saved")


def forget_user(user_id):
    """Privacy: drop the user's precomputed recommendations (their events go with the core forgetter; the next
    retrain has no trace of them)."""
    from .models import PlacementEvent, Recommendation

    PlacementEvent.objects.filter(user_id=user_id).delete()
    return Recommendation.objects.filter(user_id=user_id).delete()[0]
