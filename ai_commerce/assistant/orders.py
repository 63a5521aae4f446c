"""The shopper's own orders, and nobody else's: the one place the assistant reads orders.

A signed-in shopper sees only the orders of their account, whatever number or e-mail the message quotes. A guest
sees an order only by quoting its number and the e-mail on it, as Oscar's order-status page asks; a wrong pair and
an order that does not exist get the same reply, so the reply says nothing about other people's orders.
"""

import re

from ai_commerce.adapter import get_adapter

NUMBER = re.compile(r"(?:order|number|no\.?|#)\s*(?:number|no\.?|num)?\s*[:#]?\s*([a-z0-9][a-z0-9-]{0,23})",
                    re.IGNORECASE)
EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def quoted_number(message):
    """The order number the message quotes (it has a digit), or None."""
    for match in NUMBER.finditer(message):
        value = match.group(1)
        if any(c.isdigit() for c in value):
            return value
    return None


def quoted_email(message):
    found = EMAIL.search(message or "")
    return found.group(0) if found else None


class OrderLookup:
    """The result of finding the order a message is about: ``order`` (an OrderRow) or a ``problem`` to say."""

    def __init__(self, order=None, problem=""):
        self.order, self.problem = order, problem


def find(message, user_id, guest_email=None):
    """Return the ``OrderLookup`` for ``message``: never an order of another shopper."""
    adapter = get_adapter()
    number = quoted_number(message)
    if user_id is not None:
        found = adapter.orders(user_id=user_id, number=number, limit=1)
        if found:
            return OrderLookup(found[0])
        if number:
            return OrderLookup(problem=f"I can't find an order {number} on your account. Your orders are listed on "
                                       "your account page.")
        return OrderLookup(problem="I can't find any order on your account.")
    # A guest who gave an e-mail (the conversation's) is held to it: quoting someone else's opens nothing.
    email = guest_email or quoted_email(message)
    if not number or not email:
        return OrderLookup(problem="To look up an order I need its order number and the e-mail address it was "
                                   "placed with (or sign in to your account).")
    found = adapter.orders(number=number, limit=1)
    if found and found[0].email and found[0].email.strip().lower() == email.strip().lower():
        return OrderLookup(found[0])
    return OrderLookup(problem="I couldn't find an order with that number and e-mail address. Please check both, "
                               "or sign in to your account.")
