"""The forecast panel of the AI dashboard: products at risk of running out before a delivery could arrive,
overstock, how well the serving forecast backtested (WRMSSE against the best baseline, interval coverage), a bias
report by category, and the forecast-vs-actual chart of the product most at risk.

``panel(request, site, active)`` is what ``ForecastConfig.dashboard_panel`` names; it renders through
``admin/ai_commerce_forecast/dashboard_panel.html``.
"""

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from ai_commerce.dashboard.views import admin_url

from .charts import product_chart
from .models import ProductForecast, ReorderSuggestion

AT_RISK_SHOWN = 10
CHANGELIST = "ai_commerce_forecast_reordersuggestion_changelist"


def panel(request, site, active):
    open_ = ReorderSuggestion.objects.filter(status=ReorderSuggestion.Status.OPEN)
    counts = open_.aggregate(at_risk=Count("pk", filter=Q(at_risk=True)),
                             overstock=Count("pk", filter=Q(overstock=True)),
                             to_order=Count("pk", filter=Q(order_qty__gt=0)))
    at_risk = list(open_.filter(at_risk=True).select_related("product").order_by("stockout_on", "pk")[:AT_RISK_SHOWN])
    chart, chart_url = None, None
    if at_risk and active is not None:
        forecast = ProductForecast.objects.filter(model_version=active, product_id=at_risk[0].product_id).first()
        if forecast:
            chart = product_chart(forecast)
            chart_url = change_url(site, forecast)
    return {**counts, "at_risk_rows": at_risk, "chart": chart, "chart_url": chart_url,
            "backtest": backtest(active), "bias": bias(active),
            "at_risk_url": admin_url(site, CHANGELIST, {"status__exact": "open", "at_risk__exact": "1"}),
            "overstock_url": admin_url(site, CHANGELIST, {"status__exact": "open", "overstock__exact": "1"}),
            "can_order": request.user.has_perm("ai_commerce_forecast.change_reordersuggestion")}


def backtest(version):
    """The serving version's backtest in a few numbers, or None before one serves."""
    m = getattr(version, "metrics", None) or {}
    if m.get("wrmsse") is None:
        return None
    return {"wrmsse": m["wrmsse"], "baseline": m.get("best_baseline"), "baseline_wrmsse": m.get("best_baseline_wrmsse"),
            "coverage_80": m.get("coverage_80", 0) * 100, "coverage_95": m.get("coverage_95", 0) * 100,
            "origins": m.get("origins"), "products": (m.get("judged_on") or {}).get("products"),
            "sees_stockouts": m.get("sees_stockouts"), "serving": m.get("serving") or {}}


def change_url(site, forecast):
    try:
        return reverse(f"{site.name}:ai_commerce_forecast_productforecast_change", args=[forecast.pk])
    except NoReverseMatch:
        return None


def bias(version):
    """Per category, the backtest's forecast minus what sold, as a % of what sold (positive: forecast too high)."""
    m = getattr(version, "metrics", None) or {}
    return m.get("bias_by_category") or []
