"""Email backend of the embedded default: one .eml file per message in var/outbox/, plus console."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")


def outbox_path(kind: str, to: str, suffix: str) -> Path:
    directory = Path(settings.MADOGUCHI_OUTBOX_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    base = f"{stamp}-{_UNSAFE.sub('_', kind)}-{_UNSAFE.sub('_', to)}"
    path = directory / f"{base}{suffix}"
    counter = 1
    while path.exists():  # two messages in the same microsecond
        path = directory / f"{base}-{counter}{suffix}"
        counter += 1
    return path


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            kind = message.extra_headers.get("X-Madoguchi-Kind", "email")
            for recipient in message.recipients():
                path = outbox_path(kind, recipient, ".eml")
                path.write_bytes(message.message().as_bytes())
                if not getattr(settings, "TESTING", False):
                    sys.stdout.write(f"[outbox] email {kind} to {recipient}: {path}\n")
                sent += 1
        return sent
