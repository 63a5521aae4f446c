"""Keep serving in step with the shop: a new product gets content-based neighbours at once (after its transaction
commits), and every save of a product, of a row its mapped fields read (a stock record, a category) or of an order
line drops the cached served lists, since stock, activity, categories or a shopper's purchases may have changed.
A change the shop makes with ``QuerySet.update()`` sends no signal: it shows within ``CACHE_SECONDS``. Prices that
ai_commerce itself writes (``adapter.products_written``) drop them too. Recorded events of an anonymous visitor update
their cached recent products. A click of a forgotten user (``ai_commerce.privacy``) is kept without its user: the
placement's click count stays right, and the row says nothing about anyone (their impressions are not stored at all,
``ai_commerce.deferred``)."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_save, pre_save

from ai_commerce import adapter as adapter_module
from ai_commerce import celery_setup, events, privacy, signals
from ai_commerce.adapter import get_adapter

from . import serving

logger = logging.getLogger(__name__)


def product_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or not created:
        return
    from .tasks import index_product_task

    transaction.on_commit(lambda: celery_setup.send(index_product_task, instance.pk), robust=True)


def shop_changed(sender, raw=False, action="post_", **kwargs):
    if not raw and action.startswith("post_"):  # m2m_changed sends pre_ and post_ actions
        serving.forget_served()


def events_recorded(sender, events, **kwargs):
    serving.remember_views(events)


def products_written(sender, product_ids, **kwargs):
    serving.forget_served()  # a price ai_commerce wrote (pricing) is on the cached placements


def placement_event_saving(sender, instance, raw=False, **kwargs):
    if not raw and privacy.is_forgotten(instance.user_id):
        instance.user_id = None


def connect():
    from .models import PlacementEvent

    pre_save.connect(placement_event_saving, sender=PlacementEvent,
                     dispatch_uid="ai_commerce_recommendations_placement_forgotten")
    events.events_recorded.connect(events_recorded, dispatch_uid="ai_commerce_recommendations_recent_views")
    adapter_module.products_written.connect(products_written, dispatch_uid="ai_commerce_recommendations_written")
    try:
        adapter = get_adapter()
        model = adapter.product_model
    except (ImproperlyConfigured, ImportError):  # misconfigured: the core system checks say what to fix
        return
    post_save.connect(product_saved, sender=model, dispatch_uid="ai_commerce_recommendations_product_saved")
    signals.connect_catalogue(shop_changed, "recommendations_served", models=[adapter.order_line_model])


def forget_user(user_id):
    """Privacy: drop the user's precomputed recommendations (their events go with the core forgetter; the next
    retrain has no trace of them)."""
    from .models import PlacementEvent, Recommendation

    PlacementEvent.objects.filter(user_id=user_id).delete()
    deleted = Recommendation.objects.filter(user_id=user_id).delete()[0]
    serving.forget_served()  # "Because you bought ..." must not outlive the user in the cache
    return deleted
