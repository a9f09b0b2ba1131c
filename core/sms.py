"""Pluggable SMS senders. The embedded default writes var/outbox/<ts>-<kind>-<to>.sms.txt."""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .mail import write_message


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
