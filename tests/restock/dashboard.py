from django.db.models import Count

from .models import UserDemand


def panel(request, site, active):
    rows = UserDemand.objects.filter(model_version=active) if active else UserDemand.objects.none()
    return rows.aggregate(users=Count("user", distinct=True))
