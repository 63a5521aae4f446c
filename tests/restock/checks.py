from django.core import checks

from ai_commerce.conf import app_settings


def check_restock_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.RESTOCK if conf is None else conf
    days = conf.get("HORIZON_DAYS")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
        return [checks.Error(f"AI_COMMERCE['RESTOCK']['HORIZON_DAYS'] = {days!r} is out of range.",
                             hint="Use a whole number from 1 to 90.", id="restock.E001")]
    return []
