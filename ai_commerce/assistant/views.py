"""The chat box's plain-form fallback: without JavaScript the box posts here, and the page it came from shows the
conversation again (the conversation id is kept in the session)."""

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import access, conversations
from .conf import MAX_MESSAGE_LENGTH


def current_conversation(request):
    return access.own_conversation(request, request.session.get(access.SESSION_KEY)) if hasattr(request, "session") \
        else None


@require_POST
def ask(request):
    text = (request.POST.get("message") or "").strip()
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = "/"
    human = bool(request.POST.get("human"))
    if (not text and not human) or len(text) > MAX_MESSAGE_LENGTH:
        return HttpResponseBadRequest("Write a question of up to "
                                      f"{MAX_MESSAGE_LENGTH} characters.")
    product = request.POST.get("product") or ""
    product_id = int(product) if product.isascii() and product.isdigit() and len(product) < 18 else None
    conversation = current_conversation(request)
    if conversation is None:
        conversation = conversations.start(request.user, access.session_key(request))
        request.session[access.SESSION_KEY] = conversation.pk
    if human:
        conversations.request_human(conversation)
    else:
        conversations.ask(conversation, text, product_id)
    return HttpResponseRedirect(f"{back}#ai-assistant")
