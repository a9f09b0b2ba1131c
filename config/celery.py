"""Celery application: the production task queue (Redis broker).

Tasks are plain functions enqueued through core.tasks.enqueue; Celery carries only outbox
row ids (``madoguchi.deliver``) and beat's periodic jobs (``madoguchi.run``), so apps need no
Celery-specific code.

Worker and beat log through Django's LOGGING (JSON lines when MADOGUCHI_JSON_LOGS), and every
log line of a task carries the request id of the request that caused it (sent as a message
header, and kept on the outbox row); beat's jobs get a fresh id per run. Both write a
heartbeat row (core.health) that /readyz and /metrics read.
"""

import os
import uuid
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("madoguchi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["core"])


@signals.setup_logging.connect
def _logging(**kwargs: Any) -> None:
    # Celery must not install its own plain-text handlers: Django's LOGGING (JSON) applies.
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    from core.logging import configure_structlog

    configure_structlog()


@signals.before_task_publish.connect
def _request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    from core.request_context import current_request_id

    if headers is not None and not headers.get("request_id"):
        origin = current_request_id()
        headers["request_id"] = origin or f"beat-{uuid.uuid4().hex[:16]}"
        if origin is None:  # beat (or a task without a request): say which id its work will carry
            import structlog

            structlog.get_logger("madoguchi.celery").info(
                "task.published", task=headers.get("task", ""), request_id=headers["request_id"]
            )


@signals.task_prerun.connect
def _bind_request_id(task: Any = None, **kwargs: Any) -> None:
    import structlog

    from core.request_context import set_request_id

    request_id = getattr(getattr(task, "request", None), "request_id", None) or f"task-{uuid.uuid4().hex[:16]}"
    set_request_id(request_id)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id, task=getattr(task, "name", ""))


@signals.task_postrun.connect
def _unbind_request_id(**kwargs: Any) -> None:
    import structlog

    from core.request_context import set_request_id

    set_request_id(None)
    structlog.contextvars.clear_contextvars()


@signals.worker_ready.connect
def _worker_heartbeat(**kwargs: Any) -> None:
    from core.health import start_heartbeat_thread

    start_heartbeat_thread("worker")


@signals.beat_init.connect
def _beat_heartbeat(**kwargs: Any) -> None:
    from core.health import start_heartbeat_thread

    start_heartbeat_thread("beat")


@signals.worker_process_init.connect
def _fresh_connections(**kwargs: Any) -> None:
    # A forked pool process must not share the parent's database connections.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
