"""The search panel of the AI dashboard: what ranks (and why), top queries, queries that found nothing, and a
chart of click-through by position.

``panel(request, site, active)`` is what ``SearchConfig.dashboard_panel`` names; it renders through
``admin/ai_commerce_search/dashboard_panel.html``.
"""

from django.utils.translation import gettext as _

from ai_commerce.dashboard import charts
from ai_commerce.dashboard.views import admin_url

from . import analytics


def panel(request, site, active):
    report = analytics.report()
    chart = None
    if report:
        chart = charts.bar_chart([str(p) for p, _v in report["ctr_by_position"]],
                                 {_("click-through %"): [v for _p, v in report["ctr_by_position"]]},
                                 title=_("Click-through by position"), y_label="%")
    metrics = getattr(active, "metrics", None) or {}
    return {"report": report, "chart": chart, "ranking": metrics or None,
            "serving": metrics.get("serving") or ("lexical" if active is None else ""),
            "reason": metrics.get("reason", ""),
            "searches_url": admin_url(site, "ai_commerce_search_searchquery_changelist"),
            "synonyms_url": admin_url(site, "ai_commerce_search_synonym_changelist")}
