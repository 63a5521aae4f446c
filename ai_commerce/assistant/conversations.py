"""Conversations: a shopper's message and the assistant's reply, handovers, staff replies and feedback.

``ask(conversation, text, page_product_id=None)`` stores both messages and returns the reply; a handover marks the
conversation for staff. ``staff_reply(conversation, text, staff)`` stores the reply the shopper sees in the chat box
and e-mails it through Django's e-mail backend when the conversation has an address.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ai_commerce.conf import app_settings

from .answers import HANDOVER, UNKNOWN
from .models import Conversation, Message
from .pipeline import respond


def start(user=None, session_key="", email=""):
    user_id = user.pk if user is not None and user.is_authenticated else None
    address = email or (getattr(user, "email", "") if user_id else "")
    return Conversation.objects.create(user_id=user_id, session_key=session_key or "", email=address or "")


def ask(conversation, text, page_product_id=None):
    """Answer ``text`` in ``conversation``; return the assistant's ``Message``."""
    answer = respond(text, user_id=conversation.user_id, email=conversation.email or None,
                     page_product_id=page_product_id)
    with transaction.atomic():
        Message.objects.create(conversation=conversation, role=Message.Role.SHOPPER, text=text)
        reply = Message.objects.create(
            conversation=conversation, role=Message.Role.ASSISTANT, text=answer.text, intent=answer.intent or "",
            confidence=answer.confidence, outcome=answer.outcome, question=text,
            sources=[s.as_dict() for s in answer.sources])
        if answer.outcome == HANDOVER:
            hand_over(conversation, answer.handover_reason)
        else:
            conversation.save(update_fields=["updated_at"])
    return reply


def hand_over(conversation, reason):
    conversation.status = Conversation.Status.HANDED_OVER
    conversation.handover_reason = reason[:200]
    conversation.handed_over_at = timezone.now()
    conversation.save(update_fields=["status", "handover_reason", "handed_over_at", "updated_at"])


def request_human(conversation):
    """The shopper accepted the offer of a human after "I don't know"."""
    hand_over(conversation, "the assistant did not know")
    return Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT,
                                  outcome=HANDOVER, text=_("I've passed your question to our staff; they will reply "
                                                           "here."))


def staff_reply(conversation, text, staff=None):
    """Store a staff reply the shopper sees, mark the conversation answered, and e-mail the shopper."""
    with transaction.atomic():
        message = Message.objects.create(conversation=conversation, role=Message.Role.STAFF, text=text)
        conversation.status = Conversation.Status.ANSWERED
        conversation.save(update_fields=["status", "updated_at"])
    if conversation.email:
        sender = app_settings.ASSISTANT["FROM_EMAIL"] or settings.DEFAULT_FROM_EMAIL
        transaction.on_commit(lambda: send_mail(
            _("A reply to your question"), text, sender, [conversation.email], fail_silently=True))
    return message


def feedback(message, helpful):
    """Record "did this answer your question?" on an assistant message."""
    message.helpful = bool(helpful)
    message.save(update_fields=["helpful"])
    return message


def gaps():
    """The messages behind the FAQ-gaps report: what it did not know, handed over, or answered unhelpfully."""
    return Message.objects.filter(role=Message.Role.ASSISTANT).filter(
        Q(outcome__in=[UNKNOWN, HANDOVER]) | Q(helpful=False))
