"""The sentiment panel of the AI dashboard: labels per month, products whose sentiment falls, flagged reviews.

``panel(request, site, active)`` is what ``SentimentConfig.dashboard_panel`` names; it renders through
``admin/ai_commerce_sentiment/dashboard_panel.html``. Five queries.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ai_commerce.conf import get_product_model
from ai_commerce.dashboard import charts
from ai_commerce.dashboard.panels import newest_day
from ai_commerce.dashboard.views import admin_url

from .models import Label, ProductSentiment, ReviewSentiment

#: A product's sentiment is "falling" when its last month's average is this much below the month before.
FALLING_DROP = 0.1
#: ... and each of the two months has at least this many reviews: one review a month is an anecdote, not a trend.
MIN_REVIEWS_PER_MONTH = 5


def panel(request, site, active):
    """The dashboard panel: the numbers, the chart of labels per month and the link to the flagged reviews."""
    p = sentiment_panel()
    p["chart"] = charts.bar_chart(p["months"], p["series"], title=_("Review sentiment per month"),
                                  y_label=_("reviews"))
    p["flagged_url"] = admin_url(site, "ai_commerce_sentiment_reviewsentiment_changelist", {"flag": "any"})
    return p


def sentiment_labels_per_month(months=12, now=None):
    """Return ``(month list, {label: [count per month]})`` for reviews written in the ``months`` months up to the
    newest review's (two queries)."""
    today = newest_day(ReviewSentiment.objects.all(), "reviewed_at", now)
    first = today.replace(day=1)
    for _month in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    rows = (ReviewSentiment.objects.filter(reviewed_at__gte=since).annotate(month=TruncMonth("reviewed_at"))
            .values("month", "label").annotate(n=Count("pk")).order_by())
    month_list, month = [], first
    while month <= today:
        month_list.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    index = {(m.year, m.month): i for i, m in enumerate(month_list)}
    labels = dict(Label.choices)
    series = {}
    for row in rows:
        key = (row["month"].year, row["month"].month)
        if key in index:
            series.setdefault(row["label"], [0] * len(month_list))[index[key]] += row["n"]
    ordered = {str(labels[k]): series[k] for k in Label.values if k in series}
    return [m.strftime("%Y-%m") for m in month_list], ordered


def falling_products(limit=10, drop=FALLING_DROP, min_reviews=MIN_REVIEWS_PER_MONTH):
    """Return (products whose last month's average sentiment fell by ``drop`` or more on at least ``min_reviews``
    reviews in each of the two months, worst first; the number of products whose average fell on fewer, which is
    not enough reviews to tell). Two queries."""
    falling, too_few = [], 0
    # Read only the trend from the database, not the pros and cons.
    rows = ProductSentiment.objects.filter(review_count__gt=1).values("product_id",
                                                                      trend=KeyTransform("trend", "summary"))
    for row in rows:
        trend = row["trend"] or []
        if len(trend) < 2:
            continue
        before, last = trend[-2], trend[-1]
        change = float(last.get("average_score") or 0) - float(before.get("average_score") or 0)
        if change > -drop:
            continue
        if min(int(before.get("n") or 0), int(last.get("n") or 0)) < min_reviews:
            too_few += 1
            continue
        falling.append({"product_id": row["product_id"], "change": change, "before": before, "last": last})
    falling.sort(key=lambda item: item["change"])
    falling = falling[:limit]
    products = get_product_model()._default_manager.in_bulk([item["product_id"] for item in falling])
    for item in falling:
        item["product"] = products.get(item["product_id"])
    return falling, too_few


def sentiment_panel(now=None):
    """Return labels per month, falling products and flagged review counts (5 queries)."""
    months, series = sentiment_labels_per_month(now=now)
    flagged = ReviewSentiment.objects.flagged().aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(moderation=ReviewSentiment.Moderation.PENDING)))
    falling, too_few = falling_products()
    return {"months": months, "series": series, "falling": falling, "falling_too_few": too_few,
            "min_reviews_per_month": MIN_REVIEWS_PER_MONTH,
            "flagged": flagged["total"], "flagged_pending": flagged["pending"]}
