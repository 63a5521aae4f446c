"""Credit what was shown: impressions of rendered recommendations, clicks through them, and the purchases after.

Template tags log one impression per rendered item; the impressions of every tag on a page are stored in one bulk
insert after the response (``ai_commerce.deferred``). Each item links through
``<ai>/r/?a=<placement:version>&p=<product>&next=<url>``, which logs the click and redirects to the product; a
purchase of that product by the same shopper within ``CONVERSION_DAYS`` counts as a conversion on the dashboard.
Logging never breaks a page.
"""

import logging
import re

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET

from ai_commerce import deferred
from ai_commerce.adapter import get_adapter

from .models import PlacementEvent

logger = logging.getLogger(__name__)
ATTRIBUTION = re.compile(r"^(?P<placement>[a-z_]{1,32}):(?P<version>\d{1,10})(?::(?P<arm>\d{1,10}))?$")
CONVERSION_DAYS = 7


def _visitor(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"user_id": user.pk, "session_key": ""}
    session = getattr(request, "session", None)
    return {"user_id": None, "session_key": getattr(session, "session_key", None) or ""}


def shown(items):
    """What ``log_impressions`` stores of served items: (placement, version, product id, arm)."""
    return [(item.placement, item.model_version, item.product.pk, item.arm) for item in items]


def log_impressions(shown, request):
    """Store one impression per shown (placement, version, product id, arm), after the response; never raise."""
    if request is None or not shown:
        return
    try:
        who = _visitor(request)
        deferred.create(PlacementEvent, *[
            {"placement": placement, "version": version or 0, "product_id": product_id, "arm": arm or 0,
             "kind": PlacementEvent.Kind.IMPRESSION, **who} for placement, version, product_id, arm in shown])
    except Exception:
        logger.exception("ai_commerce could not log impressions")


def click_url(item):
    """The link of a shown item: logs the click, then goes to the product."""
    target = item.product.get_absolute_url() if hasattr(item.product, "get_absolute_url") else "/"
    return f"{reverse('ai_commerce:recommendation-click')}?" + urlencode(
        {"a": item.attribution, "p": item.product.pk, "next": target})


@require_GET
def click(request):
    """Log a click on a recommendation and redirect to ``next`` (only to this site)."""
    match = ATTRIBUTION.match(request.GET.get("a", ""))
    target = request.GET.get("next", "")
    product = request.GET.get("p", "")
    if match is None or not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                            require_https=request.is_secure()):
        return HttpResponseBadRequest("This recommendation link is broken: it needs a=placement:version[:arm] and a "
                                      "next URL on this site.")
    try:
        if get_adapter().get_product_queryset().filter(pk=product).exists():
            PlacementEvent.objects.create(placement=match["placement"], version=int(match["version"]),
                                          arm=int(match["arm"] or 0), product_id=product,
                                          kind=PlacementEvent.Kind.CLICK, **_visitor(request))
    except Exception:  # a bad product id, or the database: the shopper still gets where they clicked
        logger.exception("ai_commerce could not log a click")
    return HttpResponseRedirect(target)
