"""Privacy of the assistant: a user's conversations (their messages, and what was answered about their orders) are
personal data; ``forget_user`` removes them, and ``prune`` removes every conversation idle for ``RETENTION_DAYS``."""

from datetime import timedelta

from django.db.models import Max

from ai_commerce.conf import app_settings

from .models import Conversation


def forget_user(user_id):
    """Delete the user's conversations and their messages; return the rows removed."""
    return Conversation.objects.filter(user_id=user_id).delete()[0]


def prune(now=None):
    """Delete the conversations whose newest message is older than ``RETENTION_DAYS`` before ``now`` (the newest
    message of any conversation when None: the data, not the wall clock, sets the window). Return rows removed."""
    if now is None:
        now = Conversation.objects.aggregate(newest=Max("updated_at"))["newest"]
        if now is None:
            return 0
    cutoff = now - timedelta(days=app_settings.ASSISTANT["RETENTION_DAYS"])
    return Conversation.objects.filter(updated_at__lt=cutoff).delete()[0]
