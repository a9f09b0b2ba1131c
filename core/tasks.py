"""Side effects after commit: in-process by default, Celery in production.

``enqueue("app.tasks:function", **kwargs)`` schedules ``function(**kwargs)`` to run once the
current transaction commits (immediately when there is none). Tasks take ids, not objects,
and must be safe to run twice (Celery retries with acks_late).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextvars import ContextVar, Token
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


# In-process mode inside a request: work is kept until the response has been sent
# (core.middleware.AfterResponseTasksMiddleware runs it when the server closes the response),
# so that a request that emails someone takes as long as one that does not (no timing oracle
# on "does this address have an account") and the customer does not wait for the mail.
_after_response: ContextVar[list[Callable[[], None]] | None] = ContextVar("madoguchi_after_response", default=None)


def run_inline(func_path: str, kwargs: dict[str, Any]) -> None:
    try:
        run_now(func_path, kwargs)
    except Exception:
        # In-process mode must not turn a failed email into a failed request.
        logger.exception("task_failed", task=func_path)


def begin_request() -> Token[list[Callable[[], None]] | None]:
    return _after_response.set([])


def end_request(token: Token[list[Callable[[], None]] | None]) -> list[Callable[[], None]]:
    """Stop keeping work for later; returns what was kept (the caller runs it)."""
    pending = _after_response.get() or []
    _after_response.reset(token)
    return pending


def enqueue(func_path: str, **kwargs: Any) -> None:
    _resolve(func_path)  # fail fast on a typo, inside the caller's transaction

    def dispatch() -> None:
        if settings.MADOGUCHI_TASKS == "celery":
            run.delay(func_path, kwargs)
            return
        pending = _after_response.get()
        if pending is not None:
            pending.append(lambda: run_inline(func_path, kwargs))
        else:
            run_inline(func_path, kwargs)

    transaction.on_commit(dispatch)


def nothing() -> None:
    """The task that does nothing (see enqueue_padding)."""


def enqueue_padding() -> None:
    """Queue a task that does nothing, at the cost of a real one: the branch of an
    enumeration-sensitive request that has nobody to notify does the same queue work as the
    branch that emails the owner (recovery.services.freeze_request)."""
    enqueue("core.tasks:nothing")
