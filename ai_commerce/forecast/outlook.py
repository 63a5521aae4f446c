"""The forecast's side of ``ai_commerce.stock_outlook``: each product's days of cover, expected stockout and restock
time, read from the newest reorder plan of the serving forecast (one query, no forecasting library).

``ForecastConfig.stock_outlook`` names ``provide``; other capabilities call ``ai_commerce.stock_outlook``, never
this module.
"""

from dataclasses import replace

from ai_commerce.models import ModelVersion
from ai_commerce.stock_outlook import StockOutlook

from .models import ReorderSuggestion

FIELDS = ("product_id", "stock", "daily_rate", "days_of_cover", "stockout_on", "planned_on", "lead_time_days",
          "overstock")


def provide(product_ids=None):
    """Return {product pk: StockOutlook} from the serving forecast's plan; {} before a forecast serves. A product
    marked as ordered since the plan keeps its outlook from that plan, and says when that delivery arrives (the
    earliest one not yet arrived by the plan's first day)."""
    active = ModelVersion.objects.of_kind("forecast").active().values_list("pk", flat=True)
    rows = ReorderSuggestion.objects.filter(
        model_version__in=active, status__in=[ReorderSuggestion.Status.OPEN, ReorderSuggestion.Status.ORDERED])
    if product_ids is not None:
        rows = rows.filter(product_id__in=list(product_ids))
    out, arrivals = {}, {}
    for row in rows.order_by("pk").values(*FIELDS, "status", "arrives_on"):  # a product's newest plan comes last
        out[row["product_id"]] = StockOutlook(
            stock=row["stock"], daily_rate=row["daily_rate"], days_of_cover=row["days_of_cover"],
            stockout_on=row["stockout_on"], planned_on=row["planned_on"], restock_days=row["lead_time_days"],
            overstock=row["overstock"])
        if row["status"] == ReorderSuggestion.Status.ORDERED and row["arrives_on"]:
            arrivals.setdefault(row["product_id"], []).append(row["arrives_on"])
    for pk, days in arrivals.items():
        due = [day for day in days if day >= out[pk].planned_on]
        if due:
            out[pk] = replace(out[pk], arrives_on=min(due))
    return out
