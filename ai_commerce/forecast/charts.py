"""The forecast-vs-actual chart of one product: its recent daily units, then the serving forecast with its 80% and
95% bands; and, where an earlier version forecast days that have since happened, that forecast beside the actual."""

from datetime import timedelta

from django.utils.translation import gettext as _

from ai_commerce.dashboard import charts
from ai_commerce.models import Interaction

from .models import ProductForecast

PAST_DAYS = 56


def actual_units(product_id, first, last):
    """Units bought per day from ``first`` to ``last`` (purchase events, one grouped query)."""
    from django.db.models import Sum
    from django.db.models.functions import TruncDate

    rows = (Interaction.objects.filter(kind=Interaction.Kind.PURCHASE, product_id=product_id,
                                       occurred_at__date__gte=first, occurred_at__date__lte=last)
            .annotate(day=TruncDate("occurred_at")).values("day").annotate(units=Sum("quantity")))
    totals = {row["day"]: row["units"] or 0 for row in rows}
    return [(first + timedelta(days=i), totals.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)]


def product_chart(forecast):
    """The SVG chart of a ``ProductForecast``: actual units up to its start, an earlier version's forecast of those
    days beside them, and this forecast with its bands."""
    start = forecast.start
    days = [start + timedelta(days=i) for i in range(len(forecast.mean))]
    earlier = (ProductForecast.objects.filter(product_id=forecast.product_id, start__lt=start)
               .exclude(pk=forecast.pk).order_by("-start").first())
    first = min(start - timedelta(days=PAST_DAYS), earlier.start if earlier else start)
    # The days from ``start`` on have not happened when this forecast serves (a newer history makes a newer version):
    # no actual line there, rather than zeros that look like sales stopped.
    actual = actual_units(forecast.product_id, first, start - timedelta(days=1))
    series = {_("actual units"): actual, _("forecast"): list(zip(days, forecast.mean, strict=True))}
    if earlier:
        series[_("earlier forecast")] = [(earlier.start + timedelta(days=i), v) for i, v in enumerate(earlier.mean)]
    bands = {_("95% interval"): list(zip(days, forecast.lo95, forecast.hi95, strict=True)),
             _("80% interval"): list(zip(days, forecast.lo80, forecast.hi80, strict=True))}
    return charts.line_chart(series, bands=bands, title=_("Forecast vs actual, units a day"), y_label=_("units"))
