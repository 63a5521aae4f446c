from django.apps import AppConfig


class AltHostConfig(AppConfig):
    name = "tests.althost"
    label = "althost"
    default_auto_field = "django.db.models.BigAutoField"
