"""Periodic support work (run every few minutes by the operator's scheduler, e.g. Celery
beat calling ``core.tasks.run`` with these paths, or cron + ``manage.py support_periodic``)."""

from __future__ import annotations

from support import services


def sla_breaches_flag() -> int:
    return services.sla_breaches_flag()


def resolved_close_after_period() -> int:
    return services.resolved_close_after_period()


def queue_counts_rebuild() -> None:
    services.queue_counts_rebuild()
