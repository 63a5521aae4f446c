"""The assistant panel of the AI dashboard: how its answers went by day (answered, did not know, handed over), the
handovers waiting for staff, the shoppers' feedback, and the held-out accuracy of the serving intent classifier.
Two queries: messages by day (the chart and the totals), and the conversations waiting for staff."""

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from ai_commerce.dashboard import charts
from ai_commerce.dashboard.views import admin_url

from .models import Conversation, Message

OUTCOMES = (("answered", _("answered")), ("unknown", _("did not know")), ("handover", _("handed over")))
CHART_DAYS = 60


def by_day():
    """One row per day with assistant messages: its count of each outcome, and the feedback given."""
    return list(Message.objects.filter(role=Message.Role.ASSISTANT).annotate(day=TruncDate("created_at"))
                .values("day").annotate(total=Count("pk"), marked_helpful=Count("pk", filter=Q(helpful=True)),
                                        unhelpful=Count("pk", filter=Q(helpful=False)),
                                        **{key: Count("pk", filter=Q(outcome=key)) for key, _label in OUTCOMES})
                .order_by("day"))


def outcome_chart(rows):
    rows = rows[-CHART_DAYS:]
    if not rows:
        return None
    series = {str(label): [(row["day"], row[key]) for row in rows] for key, label in OUTCOMES}
    return charts.line_chart(series, title=_("Assistant answers a day"), y_label=_("messages"))


def panel(request, site, active):
    rows = by_day()
    totals = {key: sum(row[key] for row in rows) for key in ("total", "answered", "marked_helpful", "unhelpful")}
    waiting = Conversation.objects.filter(status=Conversation.Status.HANDED_OVER).count()
    metrics = getattr(active, "metrics", None) or {}
    return {**totals, "waiting": waiting, "chart": outcome_chart(rows), "metrics": metrics,
            "handovers_url": admin_url(site, "ai_commerce_assistant_handover_changelist", {}),
            "gaps_url": admin_url(site, "ai_commerce_assistant_faqgap_changelist", {})}
