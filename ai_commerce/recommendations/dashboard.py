"""The recommendations panel of the AI dashboard: coverage of users and products, and online metrics.

``panel(request, site, active)`` is what ``RecommendationsConfig.dashboard_panel`` names; it renders through
``admin/ai_commerce_recommendations/dashboard_panel.html``. Four queries.
"""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ai_commerce.adapter import get_adapter
from ai_commerce.dashboard import charts
from ai_commerce.dashboard.panels import share
from ai_commerce.models import Interaction

from .attribution import CONVERSION_DAYS
from .key_metrics import KEY_METRIC, KEY_METRIC_LABEL
from .models import PlacementEvent, Recommendation


def panel(request, site, active):
    """The dashboard panel of the active recommendations version (or of none)."""
    return recommendations_panel(active)


def recommendations_panel(active, days=30, now=None):
    """Return coverage: active users (events in the last ``days`` days) and products with recommendations.

    Three queries. ``active`` is the active recommendations ModelVersion or None.
    """
    since = (now or timezone.now()) - timedelta(days=days)
    recs = Recommendation.objects.filter(model_version=active) if active else Recommendation.objects.none()
    users = Interaction.objects.filter(occurred_at__gte=since, user__isnull=False).aggregate(
        active=Count("user", distinct=True),
        covered=Count("user", distinct=True, filter=Q(user__in=recs.values("user_id"))),
    )
    adapter = get_adapter()
    products = adapter.get_product_queryset()
    if adapter.has("active"):
        products = products.annotate(ai_active=adapter.product_expression("active")).filter(ai_active=True)
    product_counts = products.aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(Exists(recs.filter(product=OuterRef("pk"))))))
    rows = recs.aggregate(n=Count("pk"), users=Count("user", distinct=True)) if active else {"n": 0, "users": 0}
    return {
        "served": serving(active),
        "buy_again": buy_again_panel(active),
        "days": days,
        "active_users": users["active"], "covered_users": users["covered"],
        "user_share": share(users["covered"], users["active"]),
        "products": product_counts["total"], "covered_products": product_counts["covered"],
        "product_share": share(product_counts["covered"], product_counts["total"]),
        "rows": rows["n"], "users_with_rows": rows["users"],
        "online": online_metrics(days, now),
    }


SERVED_LABELS = {"learned": "the learned system (candidate sources and a learned ranker)",
                 "popularity": "the popularity baseline", "recent_popularity": "the recent-popularity baseline",
                 "item_knn": "the item-kNN baseline", "als": "the ALS baseline", "ease": "the EASE baseline",
                 "rp3beta": "the RP3beta baseline"}


def serving(active):
    """What the active version serves and why, or None: {"name", "label", "reason", "sources", "ranker"}."""
    if active is None:
        return None
    metrics = active.metrics
    name = metrics.get("served", "learned")
    return {"name": name, "label": SERVED_LABELS.get(name, name), "reason": metrics.get("served_reason", ""),
            "sources": metrics.get("sources") if name == "learned" else None,
            "ranker": metrics.get("ranker") if name == "learned" else None, "chart": systems_chart(metrics)}


BUY_AGAIN_LABELS = {"learned": "the learned repurchase timing", "p_topfreq": "each shopper's most often bought "
                    "products (P-TopFreq)", "off": "nothing"}


def buy_again_panel(active):
    """What "buy it again" serves under the active version and why, with both systems' score on its held-out
    window (no query: it is on the version), or None without a version."""
    if active is None:
        return None
    judged = active.metrics.get("buy_again") or {
        "served": "off", "reason": "This version was trained before buy it again existed: it starts with the next "
                                   "training run."}
    scores = {label: (judged.get(key) or {}).get(KEY_METRIC) for key, label in
              (("learned", "learned timing"), ("p_topfreq", "P-TopFreq"))}
    scores = {label: value for label, value in scores.items() if value is not None}
    chart = charts.bar_chart(list(scores), {KEY_METRIC_LABEL: list(scores.values())}, title=_(
        "Buy it again: %(metric)s on the held-out window (re-purchases), same split") % {"metric": KEY_METRIC_LABEL},
        y_label=KEY_METRIC_LABEL) if len(scores) == 2 else None
    served = judged.get("served", "off")
    return {"served": served, "label": BUY_AGAIN_LABELS.get(served, served), "reason": judged.get("reason", ""),
            "chart": chart}


def systems_chart(metrics):
    """Bars of the gate's metric on the version's held-out split: the learned system and each baseline."""
    scores = {"learned system": (metrics.get("learned") or {}).get(KEY_METRIC)}
    for key, label in (("popularity", "popularity"), ("recent_popularity", "recent popularity"),
                       ("item_knn", "item-kNN"), ("als", "ALS"), ("ease", "EASE"), ("rp3beta", "RP3beta")):
        scores[label] = metrics.get(f"{key}_{KEY_METRIC}")  # as training stores them, baselines on top
    scores = {label: value for label, value in scores.items() if value is not None}
    if len(scores) < 2:
        return None
    return charts.bar_chart(list(scores), {KEY_METRIC_LABEL: list(scores.values())},
                            title=_("%(metric)s on the held-out window, same split: the best of these serves")
                            % {"metric": KEY_METRIC_LABEL}, y_label=KEY_METRIC_LABEL)


def online_metrics(days=30, now=None):
    """Return, per placement and model version over the last ``days`` days: impressions, clicks, CTR, and
    conversions (clicks followed by a purchase of the product by the same shopper within CONVERSION_DAYS).

    One grouped query.
    """
    since = (now or timezone.now()) - timedelta(days=days)
    bought_after = Interaction.objects.filter(
        kind=Interaction.Kind.PURCHASE, product=OuterRef("product"), user=OuterRef("user"),
        occurred_at__gte=OuterRef("occurred_at"),
        occurred_at__lte=OuterRef("occurred_at") + timedelta(days=CONVERSION_DAYS))
    rows = (PlacementEvent.objects.filter(occurred_at__gte=since).values("placement", "version")
            .annotate(impressions=Count("pk", filter=Q(kind="impression")), clicks=Count("pk", filter=Q(kind="click")),
                      conversions=Count("pk", filter=Q(kind="click", user__isnull=False) & Q(Exists(bought_after))))
            .order_by("placement", "-version"))
    return [{**row, "ctr": share(row["clicks"], row["impressions"]),
             "conversion": share(row["conversions"], row["clicks"])} for row in rows]
