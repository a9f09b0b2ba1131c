"""Email backend of the embedded default: one .eml file per message in var/outbox/, plus console.

Like a provider that honours idempotency keys, the outbox backends write a message with a
key (core.tasks outbox row) once: a redelivery of the same key is dropped and logged
(``outbox.duplicate_suppressed``), so the drill can count redeliveries that reached a sender.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone

logger = structlog.get_logger("madoguchi.mail")
_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")
_KEY = re.compile(r"^[0-9a-f]{32}$")
IDEMPOTENCY_HEADER = "X-Madoguchi-Idempotency-Key"


def outbox_path(kind: str, to: str, suffix: str, key: str | None = None) -> Path:
    directory = Path(settings.MADOGUCHI_OUTBOX_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    base = f"{stamp}-{_UNSAFE.sub('_', kind)}-{_UNSAFE.sub('_', to)}"
    if key:
        base += f"-{key}"
    path = directory / f"{base}{suffix}"
    counter = 1
    while path.exists():  # two messages in the same microsecond
        path = directory / f"{base}-{counter}{suffix}"
        counter += 1
    return path


def write_message(kind: str, to: str, suffix: str, data: bytes, key: str | None = None) -> Path | None:
    """Write one message file; with a key, at most once per (key, recipient).

    The key's mark (``<outbox>.sent/<key>-<to>``) is a hard link to the message, made atomically
    before the message becomes visible; a redelivery finds the mark and, unless the visible
    file is missing (a crash in between), writes nothing. Returns None for a redelivery.
    """
    path = outbox_path(kind, to, suffix, key)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    if key and _KEY.match(key):
        marks = path.parent.with_name(path.parent.name + ".sent")  # beside the outbox, not in it
        marks.mkdir(exist_ok=True)
        mark = marks / f"{key}-{_UNSAFE.sub('_', to)}"
        try:
            os.link(tmp, mark)
        except FileExistsError:
            tmp.unlink()
            if any(path.parent.glob(f"*-{key}{suffix}")):
                logger.warning("outbox.duplicate_suppressed", key=key)
                return None
            os.link(mark, tmp)  # the first attempt died between the mark and the file
    os.replace(tmp, path)
    return path


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            kind = message.extra_headers.get("X-Madoguchi-Kind", "email")
            key = message.extra_headers.get(IDEMPOTENCY_HEADER)
            for recipient in message.recipients():
                path = write_message(kind, recipient, ".eml", message.message().as_bytes(), key)
                if path is None:
                    continue
                if not getattr(settings, "TESTING", False):
                    sys.stdout.write(f"[outbox] email {kind} to {recipient}: {path}\n")
                sent += 1
        return sent
