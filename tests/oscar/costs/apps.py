from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "tests.oscar.costs"
    label = "oscar_costs"
    default_auto_field = "django.db.models.AutoField"
