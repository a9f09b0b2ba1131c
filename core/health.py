"""What /readyz and /metrics report about the background side: outbox, queue, heartbeats.

Celery workers and beat write a heartbeat row (``WorkerHeartbeat``) every
MADOGUCHI_HEARTBEAT_SECONDS from a thread in their main process (config/celery.py), so a
worker that was killed, hangs or lost its database shows as stale within
MADOGUCHI_WORKER_STALE_SECONDS. The rows live in the database, so they survive a Redis
outage and are visible to every web node.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = structlog.get_logger("madoguchi.health")


def beat(kind: str, name: str | None = None) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        name=name or f"{kind}@{socket.gethostname()}:{os.getpid()}",
        defaults={"kind": kind, "seen_at": timezone.now()},
    )


def start_heartbeat_thread(kind: str) -> threading.Thread:
    """Write a heartbeat now and every MADOGUCHI_HEARTBEAT_SECONDS until the process ends."""
    name = f"{kind}@{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                beat(kind, name)
            except Exception:  # noqa: BLE001 - a missed beat shows as staleness, which is the point
                logger.warning("heartbeat_failed", kind=kind)
            stop.wait(settings.MADOGUCHI_HEARTBEAT_SECONDS)

    thread = threading.Thread(target=loop, name=f"madoguchi-heartbeat-{kind}", daemon=True)
    thread.start()
    return thread


def heartbeat_ages() -> dict[str, float | None]:
    """Seconds since the freshest heartbeat of each kind (None: never seen)."""
    from django.db.models import Max

    from .models import WorkerHeartbeat

    ages: dict[str, float | None] = {"worker": None, "beat": None}
    now = timezone.now()
    for row in WorkerHeartbeat.objects.values("kind").annotate(last=Max("seen_at")):
        ages[row["kind"]] = max((now - row["last"]).total_seconds(), 0.0)
    return ages


def queue_depth() -> int | None:
    """Messages waiting in the Celery queue (Redis broker), None when it cannot be read."""
    if settings.MADOGUCHI_TASKS != "celery":
        return None
    try:
        from config.celery import app

        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            client = conn.default_channel.client  # type: ignore[attr-defined]
            return int(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    except Exception:  # noqa: BLE001 - reported as unknown
        return None


def snapshot() -> dict[str, Any]:
    from .tasks import outbox_state

    try:
        outbox = outbox_state()
        heartbeats = heartbeat_ages()
    except Exception:  # noqa: BLE001 - the database is down: readyz says so separately
        outbox, heartbeats = {}, {"worker": None, "beat": None}
    return {"outbox": outbox, "heartbeats": heartbeats, "queue_depth": queue_depth()}
