"""The search panel of the AI dashboard: what ranks (and why), top queries with their conversion, queries that
found nothing, charts of click-through by position and conversion by query, and a link to preview a query.

``panel(request, site, active)`` is what ``SearchConfig.dashboard_panel`` names; it renders through
``admin/ai_commerce_search/dashboard_panel.html``.
"""

from django.utils.translation import gettext as _

from ai_commerce.dashboard import charts
from ai_commerce.dashboard.views import admin_url

from . import analytics


def panel(request, site, active):
    report = analytics.report()
    chart_list = []
    if report:
        chart_list.append(charts.bar_chart(
            [str(p) for p, _v in report["ctr_by_position"]],
            {_("click-through %"): [v for _p, v in report["ctr_by_position"]]},
            title=_("Click-through by position"), y_label="%"))
        if report["top"]:
            chart_list.append(charts.bar_chart(
                [row["normalised"] for row in report["top"]],
                {_("conversion %"): [row["conversion"] for row in report["top"]]},
                title=_("Conversion by query (searches that led to a basket or an order)"), y_label="%"))
    metrics = getattr(active, "metrics", None) or {}
    return {"report": report, "charts": chart_list, "ranking": metrics or None,
            "serving": metrics.get("serving") or ("lexical" if active is None else ""),
            "reason": metrics.get("reason", ""),
            "searches_url": admin_url(site, "ai_commerce_search_searchquery_changelist"),
            "synonyms_url": admin_url(site, "ai_commerce_search_synonym_changelist"),
            "preview_url": admin_url(site, "ai_commerce_search_searchquery_preview")}
