"""Receivers that keep the event log in step with the host's order lines and reviews, and forget deleted users.

They are connected in ``AiCommerceConfig.ready()`` to the models named in settings, so a shop adds nothing but
settings. A failure to record is logged and never breaks the shop's own save.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save

from . import events, privacy
from .adapter import get_adapter
from .models import Interaction

DISPATCH_PREFIX = "ai_commerce"


def order_line_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: leave fixtures alone
        return
    events.sync_rows(events.order_line_events, get_adapter().order_lines(pks=[instance.pk]))


def review_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    events.sync_rows(events.review_events, get_adapter().reviews(pks=[instance.pk]))


def order_line_deleted(sender, instance, **kwargs):
    Interaction.objects.filter(event_id=events.order_line_event_id(instance.pk)).delete()


def review_deleted(sender, instance, **kwargs):
    Interaction.objects.filter(event_id=events.review_event_id(instance.pk)).delete()


def user_deleted(sender, instance, **kwargs):
    privacy.forget_user(instance.pk)


def connect_host_signals():
    """Connect the receivers to the host models named in settings (idempotent).

    A misconfigured shop connects nothing here; the system checks name the setting to fix.
    """
    try:
        adapter = get_adapter()
    except (ImproperlyConfigured, ImportError):
        return
    pairs = [
        (adapter.order_line_model, order_line_saved, order_line_deleted, "order_line"),
        (adapter.review_model, review_saved, review_deleted, "review"),
    ]
    for model, saved, deleted, name in pairs:
        if model is None:
            continue
        post_save.connect(saved, sender=model, dispatch_uid=f"{DISPATCH_PREFIX}_{name}_saved")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"{DISPATCH_PREFIX}_{name}_deleted")
    post_delete.connect(user_deleted, sender=settings.AUTH_USER_MODEL, dispatch_uid=f"{DISPATCH_PREFIX}_user")
