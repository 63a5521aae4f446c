"""The package's own signals, and the receivers that keep the event log in step with the host shop.

Signals a shop may connect to (each is sent once the transaction that did it has committed, with ``sender`` the
model named)::

    price_applied        sender=PriceChange   change, product_id, old_price, new_price, auto
    price_rolled_back    sender=PriceChange   change, product_id, old_price, new_price
    review_moderated     sender=ReviewSentiment   review_keys, decision ("approved" or "hidden"), host_status
    version_activated    sender=ModelVersion   version, previous (the version it replaced, or None)

The receivers are connected in ``AiCommerceConfig.ready()`` to the models named in settings, so a shop adds nothing
but settings. A failure to record is logged and never breaks the shop's own save. A save of a forgotten user's order
line or review records nothing (``events.order_line_events`` and ``review_events`` ask ``privacy``).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from . import events, privacy
from .adapter import MappingError, get_adapter
from .models import Interaction

DISPATCH_PREFIX = "ai_commerce"

price_applied = Signal()
price_rolled_back = Signal()
review_moderated = Signal()
version_activated = Signal()


def send_on_commit(signal, sender, **kwargs):
    """Send ``signal`` once the current transaction commits (at once outside one); a receiver that raises is logged
    (by Django's ``send_robust``) and never undoes what was done."""
    transaction.on_commit(lambda: signal.send_robust(sender=sender, **kwargs), robust=True)


def order_line_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: leave fixtures alone
        return
    events.sync_order_lines([instance.pk])


def order_saved(sender, instance, raw=False, **kwargs):
    """An order's status changed, perhaps: its lines count as purchases, or no longer do."""
    if raw:
        return
    adapter = get_adapter()
    _, lookup = adapter.order_status_holder()
    if lookup is not None:
        events.sync_order_lines(list(adapter.get_order_line_queryset().filter(**{lookup: instance.pk})
                                     .values_list("pk", flat=True)))


def review_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    events.sync_rows(events.review_events, get_adapter().reviews(pks=[instance.pk]))


def order_line_deleted(sender, instance, **kwargs):
    Interaction.objects.filter(event_id=events.order_line_event_id(instance.pk)).delete()


def review_deleted(sender, instance, **kwargs):
    Interaction.objects.filter(event_id=events.review_event_id(instance.pk)).delete()


def user_deleted(sender, instance, **kwargs):
    privacy.forget_user(instance.pk, requested_by="signal")


def connect_catalogue(receiver, name, models=()):
    """Connect ``receiver`` to every save and delete of the host's products, of the rows their mapped fields read (a
    stock record, a category: ``ShopAdapter.product_sources``) and of ``models``, and to those rows' many-to-many
    changes (``m2m_changed`` sends ``action``: "pre_..." and "post_..."); ``name`` keeps its dispatch uids apart. A
    change the shop makes with ``QuerySet.update()`` sends no signal. A misconfigured shop connects nothing: the
    system checks say what to fix."""
    try:
        adapter = get_adapter()
        product_model = adapter.product_model
    except (ImproperlyConfigured, ImportError):
        return
    try:
        sources, throughs = adapter.product_sources()
    except MappingError:
        sources, throughs = {product_model}, set()
    uid = f"{DISPATCH_PREFIX}_{name}"
    for model in filter(None, (*sources, *models)):
        for event, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(receiver, sender=model, dispatch_uid=f"{uid}_{model._meta.label}_{event}")
    for through in throughs:
        m2m_changed.connect(receiver, sender=through, dispatch_uid=f"{uid}_{through._meta.label}_m2m")


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
    try:
        order_model, _ = adapter.order_status_holder()
    except MappingError:  # a wrong mapping: the system checks say what to fix
        order_model = None
    if order_model is not None:
        post_save.connect(order_saved, sender=order_model, dispatch_uid=f"{DISPATCH_PREFIX}_order_saved")
    post_delete.connect(user_deleted, sender=settings.AUTH_USER_MODEL, dispatch_uid=f"{DISPATCH_PREFIX}_user")
