"""Credit what was shown: impressions of rendered recommendations, clicks through them, and the purchases after.

Template tags log one impression per rendered item; the impressions of every tag on a page are stored in one bulk
insert after the response (``ai_commerce.deferred``). Each item links through
``<ai>/r/?a=<placement:version[:arm]>&p=<product>&next=<url>&s=<signature>``, which logs the click and redirects to
the product; a purchase of that product by the same shopper within ``CONVERSION_DAYS`` counts as a conversion on the
dashboard. Logging never breaks a page.

**Only what was served is credited.** ``s`` signs (placement, version, arm, product, visitor) with the site's
``SECRET_KEY`` (``django.core.signing``, salted), for the visitor the list was served to (``u:<user id>`` or
``s:<session key>``). A click is stored only when its signature holds for the visitor who clicks, its version and
arm exist (an arm serves that version), the visitor is under ``RECOMMENDATIONS["CLICK_RATE"]`` (and so is the
client's address) and has not clicked that item of that arm within ``CONVERSION_DAYS``. Any other link still
redirects, to a ``next`` on this site only, and stores nothing. Impressions are limited per visitor and per address
by ``RECOMMENDATIONS["IMPRESSION_RATE"]`` (a list over the limit is not logged), and the experiments' verdict counts a
visitor once per item (``verdict``). A limit whose cache is down lets the events through and logs it.

A rendered placement is cached and shared between visitors (``ai_commerce.fragments``), so its links carry a
placeholder that ``sign_links`` turns into this visitor's signature on every request; the API signs its
``click_url`` for the visitor that asked. A host that renders ``serving``'s items itself signs them with
``click_url(item, request)``.
"""

import hashlib
import logging
import re
import time

from django.core.cache import caches
from django.core.signing import Signer
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET

from ai_commerce import cache, deferred, throttling
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import ModelVersion

from .experiments import visitor_key
from .models import ExperimentArm, PlacementEvent

logger = logging.getLogger(__name__)
ATTRIBUTION = re.compile(r"^(?P<placement>[a-z_]{1,32}):(?P<version>\d{1,10})(?::(?P<arm>\d{1,10}))?$")
CONVERSION_DAYS = 7
SALT = "ai_commerce.recommendations.click"
#: What a cached rendering carries in place of a signature, until ``sign_links`` signs it for the visitor.
PLACEHOLDER = re.compile(r"aisig[0-9a-f]{16}")
#: A visitor's second click on the same item of the same arm within this time is the same click.
CLICK_DEDUP_SECONDS = CONVERSION_DAYS * 86400
timer = time.time  # the limits' clock (tests move it)


def _visitor(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"user_id": user.pk, "session_key": ""}
    session = getattr(request, "session", None)
    return {"user_id": None, "session_key": getattr(session, "session_key", None) or ""}


def visitor_of(request):
    """``u:<user id>`` or ``s:<session key>`` of whoever made ``request``; "" for nobody (no session yet)."""
    who = _visitor(request) if request is not None else {"user_id": None, "session_key": ""}
    return visitor_key(who["user_id"], who["session_key"]) or ""


def _entry(placement, version, product_id, arm):
    return f"{placement}:{int(version or 0)}:{int(arm or 0)}:{product_id}"


def signature(placement, version, product_id, arm, visitor):
    """The signature of a click link: this item, served in this placement, version and arm, to ``visitor``."""
    return Signer(salt=SALT).signature(f"{_entry(placement, version, product_id, arm)}:{visitor}")


def is_signed(sig, placement, version, product_id, arm, visitor):
    """Whether ``sig`` is the signature of that item served to ``visitor`` (never for nobody)."""
    return bool(visitor and sig) and constant_time_compare(sig, signature(placement, version, product_id, arm,
                                                                          visitor))


def _placeholder(placement, version, product_id, arm):
    return "aisig" + hashlib.blake2b(_entry(placement, version, product_id, arm).encode(), digest_size=8).hexdigest()


def shown(items):
    """What ``log_impressions`` stores of served items: (placement, version, product id, arm)."""
    return [(item.placement, item.model_version, item.product.pk, item.arm) for item in items]


def sign_links(html, shown, request):
    """``html`` with each link placeholder of a ``shown`` item signed for the visitor of ``request`` (a placeholder
    of anything else, or for nobody, is left empty: its click is not stored)."""
    visitor = visitor_of(request)
    signatures = {_placeholder(*entry): signature(*entry, visitor) if visitor else "" for entry in shown}
    return PLACEHOLDER.sub(lambda match: signatures.get(match.group(), ""), str(html))


def _alias():
    return app_settings.RECOMMENDATIONS["CACHE"]


def _under_limit(setting, request, visitor, cost=1):
    """Whether ``visitor`` (when someone) and the client's address are both under ``RECOMMENDATIONS[setting]``;
    True, logged, when the cache cannot be reached."""
    rate = app_settings.RECOMMENDATIONS[setting]
    if rate is None:
        return True
    limit, period = throttling.parse_rate(rate)
    idents = [*([visitor] if visitor else []), f"a:{throttling.client_address(request.META)}"]
    try:
        counted = [throttling.hit(caches[_alias()], f"ai_commerce:{setting.lower()}:{cache.digest(ident)}", limit,
                                  period, now=timer(), cost=cost)[0] for ident in idents]  # each one counts
        return all(counted)
    except Exception:
        logger.warning("ai_commerce could not count %s in its cache; logging them unlimited", setting, exc_info=True)
        return True


def log_impressions(shown, request):
    """Store one impression per shown (placement, version, product id, arm), after the response, while the visitor
    and their address are under ``IMPRESSION_RATE``; never raise."""
    if request is None or not shown:
        return
    try:
        who = _visitor(request)
        if not _under_limit("IMPRESSION_RATE", request, visitor_of(request), cost=len(shown)):
            return
        deferred.create(PlacementEvent, *[
            {"placement": placement, "version": version or 0, "product_id": product_id, "arm": arm or 0,
             "kind": PlacementEvent.Kind.IMPRESSION, **who} for placement, version, product_id, arm in shown])
    except Exception:
        logger.exception("ai_commerce could not log impressions")


def click_url(item, request=None):
    """The link of a shown item: logs the click, then goes to the product. Signed for the visitor of ``request``;
    without one, it carries a placeholder for ``sign_links``."""
    target = item.product.get_absolute_url() if hasattr(item.product, "get_absolute_url") else "/"
    entry = (item.placement, item.model_version, item.product.pk, item.arm)
    sig = _placeholder(*entry) if request is None else signature(*entry, visitor_of(request))
    return f"{reverse('ai_commerce:recommendation-click')}?" + urlencode(
        {"a": item.attribution, "p": item.product.pk, "next": target, "s": sig})


def _known(version, arm):
    """Whether ``version`` is a recommendations version (or 0, the popularity fallback) and ``arm`` (or 0, none) an
    experiment arm serving it."""
    if arm:
        return ExperimentArm.objects.filter(pk=arm, version_id=version or None).exists()
    return not version or ModelVersion.objects.filter(pk=version, kind="recommendations").exists()


def _first_click(visitor, placement, version, product, arm):
    """Whether this is the visitor's first click on this item of this arm lately (True while the cache is down: the
    verdict counts them once anyway)."""
    key = f"ai_commerce:click:{cache.digest(visitor, _entry(placement, version, product, arm))}"
    try:
        return caches[_alias()].add(key, 1, CLICK_DEDUP_SECONDS)
    except Exception:
        logger.warning("ai_commerce could not check a click against its cache; storing it", exc_info=True)
        return True


def record_click(request, placement, version, product, arm, sig):
    """Store the click when it is credible (see the module docstring); return why not, or "" when stored."""
    visitor = visitor_of(request)
    if not is_signed(sig, placement, version, product, arm, visitor):
        return "unsigned"
    if not _known(version, arm):
        return "unknown version or arm"
    if not get_adapter().get_product_queryset().filter(pk=product).exists():
        return "unknown product"
    if not _under_limit("CLICK_RATE", request, visitor):
        return "over the click rate"
    if not _first_click(visitor, placement, version, product, arm):
        return "a repeated click"
    PlacementEvent.objects.create(placement=placement, version=version, arm=arm, product_id=product,
                                  kind=PlacementEvent.Kind.CLICK, **_visitor(request))
    return ""


@require_GET
def click(request):
    """Log a credible click on a recommendation and redirect to ``next`` (only to this site)."""
    match = ATTRIBUTION.match(request.GET.get("a", ""))
    target = request.GET.get("next", "")
    product = request.GET.get("p", "")
    if match is None or not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                            require_https=request.is_secure()):
        return HttpResponseBadRequest("This recommendation link is broken: it needs a=placement:version[:arm] and a "
                                      "next URL on this site.")
    try:
        refused = record_click(request, match["placement"], int(match["version"]), product, int(match["arm"] or 0),
                               request.GET.get("s", ""))
        if refused:
            logger.info("ai_commerce did not store a click on %s (product %s): %s", match.group(), product[:40],
                        refused)
    except Exception:  # a bad product id, or the database: the shopper still gets where they clicked
        logger.exception("ai_commerce could not log a click")
    return HttpResponseRedirect(target)
