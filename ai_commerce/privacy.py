"""Forget a user: their events and everything each app derived from them.

Each capability declares its forgetter (``CapabilityConfig.forgetter``); other code registers one, e.g. in an
``AppConfig.ready()``::

    from ai_commerce.privacy import register_forgetter
    register_forgetter("recommendations",
                       lambda user_id: UserRecommendation.objects.filter(user_id=user_id).delete()[0])

``forget_user(user_id)`` runs them all in one transaction and returns what each removed. Deleting a user does the same
through a signal, and so does ``manage.py ai_commerce_forget_user ID``.
"""

from django.db import transaction
from django.utils.module_loading import import_string

from . import capabilities

_forgetters = {}


def register_forgetter(name, forget):
    """Register ``forget(user_id) -> rows removed`` under ``name`` (registering a name again replaces it)."""
    _forgetters[name] = forget


def forgetters():
    """Return ``{name: forget}``: each installed capability's (``CapabilityConfig.forgetter``, under its kind) and
    those registered here."""
    declared = {c.kind: import_string(c.forgetter) for c in capabilities.installed() if c.forgetter}
    return {**declared, **_forgetters}


def forget_user(user_id):
    """Remove everything ai_commerce holds about ``user_id``. Return ``{forgetter name: rows removed}``."""
    with transaction.atomic():
        return {name: forget(user_id) for name, forget in sorted(forgetters().items())}


def forget_events(user_id):
    from .models import Interaction

    return Interaction.objects.filter(user_id=user_id).delete()[0]
