"""Pluggable SMS senders. The embedded default writes var/outbox/<ts>-<kind>-<to>.sms.txt."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from .mail import write_message
from .metrics import SMS_REFUSED, SMS_SENT


class SmsBackend(Protocol):
    """``send(to, body, kind)``; a sender may also take ``idempotency_key`` (core.notify passes
    the outbox row's key then), so a redelivered message is not sent twice."""

    def send(self, *, to: str, body: str, kind: str) -> None: ...


class OutboxSmsBackend:
    def send(self, *, to: str, body: str, kind: str, idempotency_key: str | None = None) -> None:
        key_line = f"Idempotency-Key: {idempotency_key}\n" if idempotency_key else ""
        data = f"To: {to}\nKind: {kind}\n{key_line}\n{body}\n".encode()
        path = write_message(kind, to, ".sms.txt", data, idempotency_key)
        if path is None:
            return
        if settings.MADOGUCHI_SMS_ECHO_CONSOLE:
            # The console shows that an SMS went out, never its text (it may carry a code).
            sys.stdout.write(f"[outbox] sms {kind} to {to}: {path}\n")


def get_sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.MADOGUCHI_SMS_BACKEND)()
    return backend


# --- SMS budgets -------------------------------------------------------------------------
#
# Every SMS we send is counted in clock-aligned windows (an hourly window ends on the hour),
# so a refusal can say exactly when the next code can be sent. Budgets are separate per
# purpose class: anonymously triggered SMS (password reset) can never use up the sign-in
# budget of the account they target. Numbers not yet proved by the account (sign-up, a new
# number) also count against velocity limits per destination and per 10 000-number block,
# which stop SMS pumping through sign-ups.


class SmsNotSent(Exception):
    """A budget or velocity limit refused the send; ``retry_at`` is when it next may."""

    def __init__(self, reason: str, retry_at: dt.datetime) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at


@dataclass(frozen=True)
class Budget:
    name: str  # metric label and refusal reason, e.g. "user:signin", "destination", "prefix"
    key: str
    limit: int
    period: int  # seconds; windows are aligned to the epoch (an hour ends at :00)


def _window(budget: Budget, now: float) -> tuple[str, int]:
    index = int(now // budget.period)
    digest = hashlib.sha256(budget.key.encode()).hexdigest()[:32]
    return f"smsbudget:{budget.name}:{budget.period}:{index}:{digest}", index


def _incr(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def budgets_take(budgets: list[Budget], *, now: dt.datetime | None = None) -> None:
    """Count one SMS against every budget, or none of them: raises SmsNotSent for the first
    budget that is used up (with the end of its window), giving back what it took."""
    moment = (now or timezone.now()).timestamp()
    taken: list[str] = []
    for budget in budgets:
        key, index = _window(budget, moment)
        count = _incr(key, budget.period + 60)
        taken.append(key)
        if count > budget.limit:
            for earlier in taken:
                try:
                    cache.decr(earlier)
                except ValueError:
                    pass
            SMS_REFUSED.labels(budget.name).inc()
            retry = dt.datetime.fromtimestamp((index + 1) * budget.period, tz=dt.UTC)
            raise SmsNotSent(budget.name, retry)


def budget_remaining(budget: Budget, *, now: dt.datetime | None = None) -> int:
    key, _index = _window(budget, (now or timezone.now()).timestamp())
    return max(0, budget.limit - int(cache.get(key) or 0))


def record_sent(budget_class: str) -> None:
    SMS_SENT.labels(budget_class).inc()


def record_refused(reason: str) -> None:
    SMS_REFUSED.labels(reason).inc()


def clock(moment: dt.datetime, *, round_up: bool = False) -> str:
    """14:02 in the site's time zone (JST); ``round_up``: never earlier than ``moment``."""
    local = timezone.localtime(moment)
    if round_up and (local.second or local.microsecond):
        local = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return local.strftime("%H:%M")
