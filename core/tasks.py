"""Side effects through a transactional outbox: in-process by default, Celery in production.

``enqueue("app.tasks:function", **kwargs)`` writes an ``OutboxMessage`` row in the current
transaction, so the side effect exists exactly when the change it belongs to exists. Once
the transaction commits, the row is handed on:

- embedded default (``MADOGUCHI_TASKS=inline``): delivered at once in this process;
- production (``celery``): published to the broker (``madoguchi.deliver``, the row id only).
  A broker that is down never fails the request: the row stays pending and the periodic
  ``outbox_redispatch`` job (settings.MADOGUCHI_PERIODIC) publishes it again later.

``deliver(id)`` claims the row with a lease (one UPDATE: only one worker wins), runs the
function with the row's key as the idempotency key (core.notify passes it to the email and
SMS senders), and marks the row delivered. A second delivery of the same row - the broker
redelivering after a killed worker, or the re-dispatch racing the first message - finds it
claimed or delivered and does nothing. Tasks take ids, not objects (kwargs are JSON).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import importlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

import structlog
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .request_context import current_request_id

logger = structlog.get_logger("madoguchi.tasks")

# Only functions in these packages can be named by a task message: a forged broker
# message (or outbox row) cannot make a worker import arbitrary code.
_ALLOWED_PREFIXES = ("core.", "accounts.", "mfa.", "recovery.", "support.", "helpcenter.", "wallet.", "chat.")

_delivery_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("outbox_delivery_key", default=None)


def _resolve(func_path: str) -> Callable[..., Any]:
    module_name, _, func_name = func_path.partition(":")
    if not func_name or not module_name.startswith(_ALLOWED_PREFIXES):
        raise ValueError(f"not an allowed task: {func_path}")
    return getattr(importlib.import_module(module_name), func_name)  # type: ignore[no-any-return]


def run_now(func_path: str, kwargs: dict[str, Any]) -> Any:
    return _resolve(func_path)(**kwargs)


def current_delivery_key() -> str | None:
    """The idempotency key of the outbox row being delivered (None outside a delivery)."""
    return _delivery_key.get()


@contextmanager
def _delivering(key: str) -> Iterator[None]:
    token = _delivery_key.set(key)
    try:
        yield
    finally:
        _delivery_key.reset(token)


# ---- Celery tasks --------------------------------------------------------------------------


@shared_task(name="madoguchi.run", bind=True, max_retries=5, default_retry_delay=10)
def run(self: Any, func_path: str, kwargs: dict[str, Any]) -> None:
    """Periodic jobs from Celery beat (they are idempotent by design; no outbox row)."""
    try:
        run_now(func_path, kwargs)
    except Exception as exc:
        logger.exception("task_failed", task=func_path)
        raise self.retry(exc=exc) from exc


@shared_task(name="madoguchi.deliver", ignore_result=True)
def deliver_task(message_id: int) -> str:
    # No Celery retry: a failed row is rescheduled in the database (next_attempt_at) and
    # picked up by outbox_redispatch, which survives a broker restart.
    return deliver(message_id)


# ---- the outbox ------------------------------------------------------------------------------


def enqueue(func_path: str, **kwargs: Any) -> None:
    from .models import OutboxMessage

    _resolve(func_path)  # fail fast on a typo, inside the caller's transaction
    message = OutboxMessage.objects.create(task=func_path, payload=kwargs, request_id=current_request_id() or "")
    from . import metrics

    metrics.OUTBOX_WRITTEN.inc()
    transaction.on_commit(lambda: dispatch(message.pk))


# In-process mode inside a request: delivery is kept until the response has been sent
# (core.middleware.AfterResponseTasksMiddleware runs it when the server closes the response),
# so that a request that emails someone takes as long as one that does not (no timing oracle
# on "does this address have an account") and the customer does not wait for the mail.
_after_response: ContextVar[list[Callable[[], None]] | None] = ContextVar("madoguchi_after_response", default=None)


def begin_request() -> Token[list[Callable[[], None]] | None]:
    return _after_response.set([])


def end_request(token: Token[list[Callable[[], None]] | None]) -> list[Callable[[], None]]:
    """Stop keeping work for later; returns what was kept (the caller runs it)."""
    pending = _after_response.get() or []
    _after_response.reset(token)
    return pending


def dispatch(message_id: int) -> None:
    """Hand a committed row to whoever delivers it; in-process delivery inside a request waits
    until the response has been sent (see ``_after_response``)."""
    pending = _after_response.get() if settings.MADOGUCHI_TASKS != "celery" else None
    if pending is not None:
        pending.append(lambda: _hand_on(message_id))
    else:
        _hand_on(message_id)


def _hand_on(message_id: int) -> None:
    """Publish (Celery) or deliver (in-process). Never raises: the change is committed, and a
    row that could not be handed on is found again by outbox_redispatch."""
    try:
        if settings.MADOGUCHI_TASKS == "celery":
            publish(message_id)
        else:
            deliver(message_id)
    except Exception:  # e.g. the database briefly locked: the row waits
        logger.exception("outbox.dispatch_failed", message_id=message_id)


def publish(message_id: int) -> bool:
    """Publish one row to the broker; False (and the row stays pending) when it is down."""
    from . import metrics

    try:
        deliver_task.apply_async(args=(message_id,), retry=False, headers={"request_id": current_request_id() or ""})
    except Exception as exc:  # noqa: BLE001 - kombu/redis errors of every kind: the row waits
        from .models import OutboxMessage

        metrics.OUTBOX_PUBLISH_FAILED.inc()
        logger.warning("outbox.publish_failed", message_id=message_id, error=type(exc).__name__)
        try:
            OutboxMessage.objects.filter(pk=message_id).update(dispatched_at=None)
        except Exception:  # noqa: BLE001 - the re-dispatch still finds it after the republish period
            logger.warning("outbox.mark_undispatched_failed", message_id=message_id)
        return False
    return True


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(settings.MADOGUCHI_OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def deliver(message_id: int) -> str:
    """Deliver one row at most once; returns delivered / skipped / failed / dead."""
    from . import metrics
    from .models import OutboxMessage

    now = timezone.now()
    lease_until = now + dt.timedelta(seconds=settings.MADOGUCHI_OUTBOX_LEASE_SECONDS)
    claimed = (
        OutboxMessage.objects.pending()
        .filter(pk=message_id)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=lease_until, attempts=F("attempts") + 1)
    )
    if not claimed:
        metrics.OUTBOX_DELIVERIES.labels("skipped").inc()
        logger.info("outbox.skipped", message_id=message_id)
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    request_id = message.request_id or f"outbox-{message.key.hex[:12]}"
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        return _deliver_claimed(message)


def _deliver_claimed(message: Any) -> str:
    from . import metrics
    from .models import OutboxMessage

    message_id = message.pk
    try:
        with _delivering(message.key.hex):
            run_now(message.task, message.payload)
    except Exception as exc:
        dead = message.attempts >= settings.MADOGUCHI_OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message_id).update(
            claimed_until=None,
            next_attempt_at=timezone.now() + _backoff(message.attempts),
            dispatched_at=None,
            last_error=type(exc).__name__[:200],  # never the message: it may quote a code
            dead_at=timezone.now() if dead else None,
        )
        outcome = "dead" if dead else "failed"
        metrics.OUTBOX_DELIVERIES.labels(outcome).inc()
        logger.exception("outbox.failed", task=message.task, message_id=message_id, attempts=message.attempts)
        return outcome
    OutboxMessage.objects.filter(pk=message_id).update(delivered_at=timezone.now(), claimed_until=None, payload={})
    metrics.OUTBOX_DELIVERIES.labels("delivered").inc()
    metrics.OUTBOX_LATENCY.observe(max((timezone.now() - message.created_at).total_seconds(), 0.0))
    logger.info("outbox.delivered", task=message.task, message_id=message_id, attempts=message.attempts)
    return "delivered"


def nothing() -> None:
    """The task that does nothing (see enqueue_padding)."""


def enqueue_padding() -> None:
    """Queue a task that does nothing, at the cost of a real one: the branch of an
    enumeration-sensitive request that has nobody to notify does the same queue work as the
    branch that emails the owner (recovery.services.freeze_request)."""
    enqueue("core.tasks:nothing")


def outbox_redispatch(limit: int = 500) -> int:
    """Periodic: hand on every pending row that is due and not claimed (broker was down,
    worker died with the message, delivery failed). Delivers in this process when the
    broker still refuses, so a broker outage delays side effects but never loses them."""
    from .models import OutboxMessage

    now = timezone.now()
    # Handed on but not delivered for this long: the broker lost it or the worker died with it.
    stale = now - dt.timedelta(seconds=settings.MADOGUCHI_OUTBOX_REPUBLISH_SECONDS)
    # Never handed on: give the on_commit hand-off of a just-committed row a moment.
    grace = now - dt.timedelta(seconds=2)
    due = list(
        OutboxMessage.objects.pending()
        .filter(next_attempt_at__lte=now)
        .filter(Q(dispatched_at__isnull=True, created_at__lte=grace) | Q(dispatched_at__lt=stale))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        OutboxMessage.objects.filter(pk=message_id).update(dispatched_at=timezone.now())
        if settings.MADOGUCHI_TASKS != "celery" or not publish(message_id):
            deliver(message_id)
    if due:
        logger.info("outbox.redispatched", count=len(due))
    return len(due)


def outbox_purge() -> int:
    """Periodic: forget delivered and dead rows after MADOGUCHI_OUTBOX_KEEP_DAYS (a dead row's
    payload may hold a long-expired one-time code; it is not kept for ever)."""
    from .models import OutboxMessage

    horizon = timezone.now() - dt.timedelta(days=settings.MADOGUCHI_OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(Q(delivered_at__lt=horizon) | Q(dead_at__lt=horizon)).delete()
    return deleted


def outbox_state() -> dict[str, Any]:
    """Pending rows, dead rows and the age in seconds of the oldest pending row (readyz, metrics)."""
    from django.db.models import Min

    from .models import OutboxMessage

    pending = OutboxMessage.objects.pending().aggregate(oldest=Min("created_at"))
    oldest = pending["oldest"]
    return {
        "pending": OutboxMessage.objects.pending().count(),
        "dead": OutboxMessage.objects.filter(dead_at__isnull=False).count(),
        "oldest_age_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0,
    }


def new_request_id() -> str:
    return uuid.uuid4().hex
