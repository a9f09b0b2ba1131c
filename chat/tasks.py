"""Periodic chat work (Celery beat / the embedded default's in-process runner call these
through ``core.tasks.run``; settings.MADOGUCHI_PERIODIC)."""

from __future__ import annotations

from chat import services


def waiting_timeout_convert() -> int:
    return services.waiting_timeout_convert()
