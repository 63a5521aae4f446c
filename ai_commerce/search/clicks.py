"""Clicks through search results: each result links through ``<ai>/s/?t=<search>&p=<product>&n=<position>
&next=<url>&s=<signature>``, which stores the click and redirects to the product.

Only what was shown is credited: ``s`` signs (search, product, position, visitor) with the site's ``SECRET_KEY``
(salted), for the visitor the results were shown to; a click is stored once per search and product, when the
signature holds for the visitor who clicks and the search showed that product. Any other link still redirects, to a
``next`` on this site only, and stores nothing. Baskets and orders are credited to a search in training: a basket
or purchase of a shown product by the same shopper within ``ATTRIBUTION_DAYS``.
"""

import logging

from django.core.signing import Signer
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET

from .models import SearchClick, SearchQuery

logger = logging.getLogger(__name__)
SALT = "ai_commerce.search.click"


def visitor(user=None, session_key=None):
    if user is not None and getattr(user, "is_authenticated", True):
        return f"u:{getattr(user, 'pk', user)}"
    return f"s:{session_key}" if session_key else ""


def request_visitor(request):
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return visitor(user if user is not None and user.is_authenticated else None,
                   getattr(session, "session_key", None))


def signature(token, product_id, position, who):
    return Signer(salt=SALT).signature(f"{token}:{product_id}:{position}:{who}")


def click_url(token, product_id, position, next_url, who):
    """The link of a shown result; unsigned (stores nothing) for nobody or an unlogged search."""
    query = {"t": token, "p": product_id, "n": position, "next": next_url}
    if token and who:
        query["s"] = signature(token, product_id, position, who)
    return f"{reverse('ai_commerce:search-click')}?{urlencode(query)}"


@require_GET
def click(request):
    params = request.GET
    target = params.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    token, product, position, sig = (params.get(k, "") for k in ("t", "p", "n", "s"))
    who = request_visitor(request)
    if who and sig and position.isdigit() and constant_time_compare(sig, signature(token, product, position, who)):
        try:
            search = SearchQuery.objects.filter(token=token).only("pk", "shown").first()
            shown = {str(pid) for pid in (search.shown if search else [])}
            if search is not None and product in shown:
                pk = next(pid for pid in search.shown if str(pid) == product)
                SearchClick.objects.get_or_create(search=search, product_id=pk,
                                                  defaults={"position": int(position)})
        except Exception:
            logger.exception("ai_commerce could not store a search click")
    return HttpResponseRedirect(target)
