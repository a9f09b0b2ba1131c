"""Celery application: the production task queue (Redis broker).

Tasks are plain functions enqueued through core.tasks.enqueue; one generic Celery task
(core.tasks.run) imports and calls them, so apps need no Celery-specific code.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("madoguchi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["core"])
