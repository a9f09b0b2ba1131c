"""Scheduled work (Celery beat runs it through core.tasks: "recovery.tasks:identity_retention")."""

from __future__ import annotations

from . import services


def identity_retention() -> dict[str, int]:
    return services.identity_retention_run()
