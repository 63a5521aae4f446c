"""Whose conversation is whose: a signed-in shopper's by user, a guest's by session. Nothing else is shown."""

from .models import Conversation, Message

#: The session key holding the chat box's conversation, so that a page shows it again.
SESSION_KEY = "ai_commerce_assistant_conversation"


def session_key(request, create=True):
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key and create:
        session.save()
    return session.session_key or ""


def own_conversations(request):
    if request.user.is_authenticated:
        return Conversation.objects.filter(user_id=request.user.pk)
    key = session_key(request, create=False)
    return Conversation.objects.filter(user__isnull=True, session_key=key) if key else Conversation.objects.none()


def own_conversation(request, pk):
    return own_conversations(request).filter(pk=pk).first() if pk else None


def own_message(request, pk):
    return Message.objects.filter(pk=pk, role=Message.Role.ASSISTANT,
                                  conversation__in=own_conversations(request)).first()
