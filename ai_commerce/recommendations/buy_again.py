"""Serve "buy it again": the products a signed-in shopper bought before and is likely to need again (no TensorFlow,
no scikit-learn)::

    from ai_commerce.recommendations import buy_again

    buy_again.buy_again_for(request.user, k=8)   # [Recommended, ...]; [] for an anonymous visitor
    buy_again.status(request.user)             # Status(served, reason): what serves this shopper, and why

The training run (``training.train_buy_again``) judges the learned repurchase timing (``engine.repurchase``) against
P-TopFreq (each shopper's most often bought products) on the newest held-out days and stores its decision on the
version (``metrics["buy_again"]``: "learned", "p_topfreq", or "off" when no shopper ever bought a product twice),
with each product's cycle (``RepurchaseCycle``). Serving reads the shopper's own purchases from the event log, takes
"now" from the shop's clock (its newest event, as ``popularity`` does, never the wall clock), scores each product
they bought with what the version decided, and keeps the products the shop can sell (``serving._serve``: active, in
stock, the page's exclusions and categories; never a product they did not buy). Each item says why: "You buy this
about every 3 weeks; last bought 20 days ago".

Only the shopper's own history is read, and only for a signed-in shopper: an anonymous visitor gets an empty list
and a reason, never anyone else's purchases. Nothing is stored per shopper (the cached lists go with the served
stamp, which forgetting a user bumps). A cold list costs at most seven queries whatever ``k`` is: the version's
decision (cached per version), the shopper's purchases, the shop's newest event, the products' cycles, the
candidate products, and the running-out demotion and a backfill that ``_serve`` may run.
"""

import math
from dataclasses import dataclass, replace

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ai_commerce import cache
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction, ModelVersion

from . import repurchase_timing as timing
from . import serving
from .models import RepurchaseCycle
from .records import Rec

PLACEMENT = "buy_again"
REASON_CODE = "buy_again"
#: What serves: the learned repurchase timing, the P-TopFreq baseline, or nothing.
LEARNED, TOP_FREQUENCY, OFF = "learned", "p_topfreq", "off"


@dataclass(frozen=True)
class Status:
    """What serves buy it again ("learned", "p_topfreq" or "off") and why, in one sentence."""

    served: str
    reason: str
    model: dict | None = None


def _decision_key(version):
    return f"ai_commerce:buy_again:decision:{version}"


def decision(version):
    """The ``Status`` the training run of ``version`` decided (cached per version: a version never changes)."""
    if not app_settings.RECOMMENDATIONS.get("BUY_AGAIN", True):
        return Status(OFF, _("Buy it again is turned off (AI_COMMERCE['RECOMMENDATIONS']['BUY_AGAIN'])."))
    if version is None:
        return Status(OFF, _("No recommendations version serves this visitor (none is active yet, or their "
                             "experiment arm is the popularity baseline): buy it again needs a trained version."))
    alias = app_settings.RECOMMENDATIONS["CACHE"]
    found = cache.get(alias, _decision_key(version))
    if found is None:
        stored = ModelVersion.objects.filter(pk=version).values_list("metrics__buy_again", flat=True).first()
        if not stored:
            found = Status(OFF, _("The active version was trained before buy it again existed: it starts with the "
                                  "next training run."))
        else:
            found = Status(stored.get("served", OFF), stored.get("reason", ""), stored.get("model"))
        cache.set(alias, _decision_key(version), found, app_settings.RECOMMENDATIONS["CACHE_SECONDS"])
    return found


def _shopper(user):
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def status(user=None, session_key=None):
    """What serves this visitor and why: an anonymous visitor is told to sign in."""
    if _shopper(user) is None:
        return Status(OFF, _("Sign in to see what you bought before: buy it again reads only your own orders."))
    version, _arm = serving.version_for(PLACEMENT, user, session_key)
    return decision(version)


def buy_again_for(user=None, **options):
    """"Buy it again": the products this signed-in shopper bought and is likely to buy again, best first."""
    return plan_buy_again(user, **options).items()


def plan_buy_again(user=None, *, k=10, session_key=None, exclude=(), categories=None, exclude_categories=None):
    """The ``serving.Served`` plan of ``buy_again_for`` (the template tag reads its key before its items)."""
    k = serving.check_k(k)
    user_id = _shopper(user)
    if user_id is None:
        return serving.Served(PLACEMENT, None, list)
    version, arm = serving.version_for(PLACEMENT, user, session_key)

    def compute():
        found = decision(version)
        if found.served == OFF:
            return []
        candidates, texts = _candidates(user_id, version, found)
        excluded = {str(pk) for pk in exclude}
        candidates = [rec for rec in candidates if str(rec.item) not in excluded]
        if not candidates:
            return []
        # Asking _serve for no more than there are candidates: it backfills only when some cannot be sold, and a
        # backfilled product the shopper never bought is no "buy it again".
        chosen = serving._serve(PLACEMENT, version, [candidates], min(k, len(candidates)), arm=arm, exclude=exclude,
                                categories=categories, exclude_categories=exclude_categories)
        return [replace(item, reason=texts[item.product.pk]) for item in chosen
                if item.reason_code == REASON_CODE][:k]

    # The served stamp moves with every order line saved and every user forgotten, so the list follows purchases.
    subject = (k, user_id, serving._frozen(exclude), serving._frozen(categories), serving._frozen(exclude_categories))
    return serving._served(PLACEMENT, version, subject, compute, arm)


def _candidates(user_id, version, found):
    """The shopper's products as Rec rows, best first by what serves, and the reason text of each."""
    rows = list(Interaction.objects.filter(user_id=user_id, kind=Interaction.Kind.PURCHASE)
                .values_list("product_id", "occurred_at"))
    if not rows:
        return [], {}
    newest = Interaction.objects.aggregate(newest=Max("occurred_at"))["newest"]
    now = newest.timestamp() + 1.0  # the shop's clock: its newest event, so a purchase of today is "today"
    histories, user_days = timing.shopper_history(((pid, when.timestamp()) for pid, when in rows), now)
    products = list(histories)
    cycles = {pid: (days, share, repeat_buyers, recent) for pid, days, share, repeat_buyers, recent in
              RepurchaseCycle.objects.filter(model_version_id=version, product_id__in=products)
              .values_list("product_id", "days", "repeat_share", "repeat_buyers", "recent_buyers")}
    shop = found.model.get("shop_cycle", {}) if found.model else {}
    unknown = (shop.get("days", 30.0), shop.get("repeat_share", 0.0) * 0.5, 0, 0)  # as engine.repurchase.Cycles.of
    history = [histories[pid] for pid in products]
    if found.served == LEARNED and found.model:
        feats = timing.feature_arrays(
            [h.times for h in history], [h.days_since for h in history], [h.own_interval for h in history],
            [cycles.get(pid, unknown)[0] for pid in products], [cycles.get(pid, unknown)[1] for pid in products],
            [user_days] * len(products), [h.recent_times for h in history],
            [cycles.get(pid, unknown)[3] for pid in products])
        scores = timing.learned_scores(found.model, feats)
    else:
        scores = timing.top_frequency_scores([h.times for h in history], [h.days_since for h in history])
    ranked = sorted(zip(products, scores.tolist(), strict=True), key=lambda row: (-row[1], str(row[0])))
    texts = {pid: reason_text(histories[pid], found.served, cycles.get(pid)) for pid in products}
    return [Rec(pid, score, REASON_CODE) for pid, score in ranked], texts


def _ago(days):
    days = max(math.floor(days), 0)
    if days == 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    if days <= 60:
        return _("%(n)d days ago") % {"n": days}
    months = round(days / 30.4)
    return ngettext("%(n)d month ago", "%(n)d months ago", months) % {"n": months}


def _every(days):
    days = max(round(days), 1)
    if days < 14:
        return ngettext("day", "%(n)d days", days) % {"n": days}
    if days < 63:
        weeks = round(days / 7)
        return ngettext("week", "%(n)d weeks", weeks) % {"n": weeks}
    months = round(days / 30.4)
    return ngettext("month", "%(n)d months", months) % {"n": months}


def reason_text(history, served, cycle=None):
    """Why a product is in the shopper's list, from their own purchases of it (and its cycle in the shop)."""
    ago = _ago(history.days_ago)
    if served == LEARNED and history.times >= 2:
        return _("You buy this about every %(every)s; last bought %(ago)s") % {
            "every": _every(history.mean_interval), "ago": ago}
    if served == LEARNED and cycle is not None and cycle[2] > 0:
        return _("Shoppers buy this again about every %(every)s; you bought it %(ago)s") % {
            "every": _every(cycle[0]), "ago": ago}
    if history.times >= 2:
        return _("You bought this %(n)d times; last %(ago)s") % {"n": history.times, "ago": ago}
    return _("You bought this %(ago)s") % {"ago": ago}
