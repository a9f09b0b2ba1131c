"""Side effects after commit: in-process by default, Celery in production.

``enqueue("app.tasks:function", **kwargs)`` schedules ``function(**kwargs)`` to run once the
current transaction commits (immediately when there is none). Tasks take ids, not objects,
and must be safe to run twice (Celery retries with acks_late).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import structlog
from celery import shared_task
from django.conf import settings
from django.db import transaction

logger = structlog.get_logger("madoguchi.tasks")

# Only functions in these packages can be named by a task message: a forged broker
# message cannot make a worker import arbitrary code.
_ALLOWED_PREFIXES = ("core.", "accounts.", "mfa.", "recovery.", "support.", "helpcenter.", "wallet.")


def _resolve(func_path: str) -> Callable[..., Any]:
    module_name, _, func_name = func_path.partition(":")
    if not func_name or not module_name.startswith(_ALLOWED_PREFIXES):
        raise ValueError(f"not an allowed task: {func_path}")
    return getattr(importlib.import_module(module_name), func_name)  # type: ignore[no-any-return]


def run_now(func_path: str, kwargs: dict[str, Any]) -> Any:
    return _resolve(func_path)(**kwargs)


@shared_task(name="madoguchi.run", bind=True, max_retries=5, default_retry_delay=10)
def run(self: Any, func_path: str, kwargs: dict[str, Any]) -> None:
    try:
        run_now(func_path, kwargs)
    except Exception as exc:
        logger.exception("task_failed", task=func_path)
        raise self.retry(exc=exc) from exc


def enqueue(func_path: str, **kwargs: Any) -> None:
    _resolve(func_path)  # fail fast on a typo, inside the caller's transaction

    def dispatch() -> None:
        if settings.MADOGUCHI_TASKS == "celery":
            run.delay(func_path, kwargs)
        else:
            try:
                run_now(func_path, kwargs)
            except Exception:
                # In-process mode must not turn a failed email into a failed request.
                logger.exception("task_failed", task=func_path)

    transaction.on_commit(dispatch)
