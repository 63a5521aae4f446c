"""The test suites' Celery app, configured from Django settings like a host shop's ``celery.py``."""

from celery import Celery

app = Celery("ai_commerce_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
