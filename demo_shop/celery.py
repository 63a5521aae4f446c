"""Celery application of the demo shop.

Start a worker with ``celery -A demo_shop worker -l info`` and the scheduler with
``celery -A demo_shop beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler``.
With the default ``memory://`` broker, tasks run eagerly in-process and no worker is needed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")

app = Celery("demo_shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
