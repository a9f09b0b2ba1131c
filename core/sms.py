"""Pluggable SMS senders. The embedded default writes var/outbox/<ts>-<kind>-<to>.sms.txt."""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .mail import outbox_path


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, kind: str) -> None: ...


class OutboxSmsBackend:
    def send(self, *, to: str, body: str, kind: str) -> None:
        path = outbox_path(kind, to, ".sms.txt")
        path.write_text(f"To: {to}\nKind: {kind}\n\n{body}\n", encoding="utf-8")
        if settings.MADOGUCHI_SMS_ECHO_CONSOLE:
            # The console shows that an SMS went out, never its text (it may carry a code).
            sys.stdout.write(f"[outbox] sms {kind} to {to}: {path}\n")


def get_sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.MADOGUCHI_SMS_BACKEND)()
    return backend
