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

import redis.exceptions
from celery import Celery, signals
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class _RedisChannel(kombu_redis.Channel):
    """kombu's Redis channel, refusing to open a pool once its connection is closed.

    On a broker connection loss the worker's consumer calls ``Connection.collect()`` and then
    ``Connection.close()`` (celery 5.7 ``on_connection_error_after_connected``). ``collect()``
    closes the default channel, but a channel that was waiting on BRPOP gets the
    ConnectionError from the dead socket first and stays open; then collect() detaches the
    transport (``transport.client = None``). ``close()`` closes that channel again: restoring
    its unacknowledged messages (``task_acks_late``) builds a new pool from
    ``transport.client``, and kombu's ``_connparams`` raises ``AttributeError: 'NoneType'
    object has no attribute 'hostname'`` (the kombu #582 family). AttributeError is not a
    connection error, so it escapes ``ignore_errors`` and the worker exits ("Unrecoverable
    error"). Raising the connection error the broker outage is keeps it inside the
    consumer's reconnect loop: the messages stay in Redis' unacked set and are restored after
    the visibility timeout (and the outbox re-dispatch covers them anyway).
    """

    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport with the channel above (settings.CELERY_BROKER_TRANSPORT)."""

    Channel = _RedisChannel


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
