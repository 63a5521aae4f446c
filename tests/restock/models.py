from django.conf import settings
from django.db import models

from ai_commerce.models import ModelVersion


class UserDemand(models.Model):
    """A shopper's restock units over the horizon, per model version."""

    model_version = models.ForeignKey(ModelVersion, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    units = models.FloatField()


def forget_user(user_id):
    return UserDemand.objects.filter(user_id=user_id).delete()[0]
