"""The chat box: ``{% load ai_assistant %}{% ai_assistant product %}`` on a product page (the product's id goes with
each question), ``{% ai_assistant %}`` elsewhere (an account page). A plain form that posts to
``ai_commerce:assistant-ask`` works without JavaScript; ``ai_commerce_assistant/chat.js`` turns it into a chat
that calls the API. Markup: ``ai_commerce_assistant/chat_box.html``, overridable by the shop."""

from django import template
from django.template.loader import select_template

from ..views import current_conversation

register = template.Library()


@register.simple_tag(takes_context=True)
def ai_assistant(context, product=None):
    request = context.get("request")
    conversation = current_conversation(request) if request is not None else None
    messages = list(conversation.messages.all()) if conversation else []
    tpl = select_template(["ai_commerce_assistant/chat_box.html"])
    return tpl.render({"product_id": getattr(product, "pk", product) or "", "conversation": conversation,
                       "messages": messages, "next": request.get_full_path() if request else "/"}, request)
