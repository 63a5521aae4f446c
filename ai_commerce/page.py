"""A page's "already shown" products, shared by its template tags and the API calls it makes: no product twice.

``{% distinct_placements %}`` (``ai_recommendations``) starts a page on the request; each placement then leaves out
what the page showed before and adds what it shows. A page that loads more placements through the API passes the
page's token (``{% page_token %}`` renders it) as ``?page=<token>``, and the endpoints leave out what the page's tags
and earlier calls showed, for the same visitor::

    from ai_commerce import page

    shown = page.begin(request)                # on the request, with a new token
    shown = page.of(request)                   # the request's page, or None when it did not ask for one
    shown = page.of(request, token, visitor)   # an API call: the page of that token (a new one when unknown)
    shown.products, shown.generic              # pks shown so far; whether it showed the list everyone gets
    page.remember(shown, visitor)              # keep it for the page's next API call (``PAGE_SECONDS``)

Stored in the default cache for ``PAGE_SECONDS`` under the visitor and the token, never in the database; a page
whose cache entry is gone (or a cache that is down) starts afresh: at worst a product shows twice.
"""

import re
import secrets
from dataclasses import dataclass, field

from . import cache

ATTRIBUTE = "ai_commerce_page"
PAGE_SECONDS = 1800
ALIAS = "default"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass
class PageShown:
    """What the distinct placements of one page have shown so far."""

    products: set = field(default_factory=set)
    generic: bool = False  # a list of only trending or popular products
    token: str = ""


def begin(request):
    """Start the page of ``request`` (once: a second call returns the same page)."""
    found = getattr(request, ATTRIBUTE, None)
    if found is None:
        found = PageShown(token=secrets.token_urlsafe(12))
        setattr(request, ATTRIBUTE, found)
    return found


def _key(token, visitor):
    return f"ai_commerce:page:{cache.digest(token, visitor)}"


def of(request, token=None, visitor=None):
    """The page of ``request``: the one its tags started, else (``token``, from an API call) the page kept under the
    token for ``visitor``; None when neither."""
    found = getattr(request, ATTRIBUTE, None)
    if found is not None or not token:
        return found
    kept = cache.get(ALIAS, _key(token, visitor))
    found = PageShown(set(kept[0]), kept[1], token) if kept else PageShown(token=token)
    setattr(request, ATTRIBUTE, found)
    return found


def remember(shown, visitor):
    """Keep ``shown`` for the next call of its page by ``visitor``."""
    if shown is not None and shown.token:
        cache.set(ALIAS, _key(shown.token, visitor), (sorted(shown.products, key=str), shown.generic), PAGE_SECONDS)
