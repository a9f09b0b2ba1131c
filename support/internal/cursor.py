"""Opaque keyset-pagination cursors (signed so a client cannot craft arbitrary SQL values)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing

_SALT = "support.cursor"


def encode(*values: Any) -> str:
    out: list[Any] = []
    for value in values:
        out.append(value.isoformat() if isinstance(value, dt.datetime) else value)
    return signing.dumps(out, salt=_SALT, compress=True)


def decode(token: str | None, *, kinds: tuple[type, ...]) -> tuple[Any, ...] | None:
    """Values in order, converted to ``kinds``; None for a missing or tampered cursor."""
    if not token:
        return None
    try:
        raw = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(raw, list) or len(raw) != len(kinds):
        return None
    values: list[Any] = []
    try:
        for kind, value in zip(kinds, raw, strict=True):
            if kind is dt.datetime:
                values.append(dt.datetime.fromisoformat(value))
            else:
                values.append(kind(value))
    except (TypeError, ValueError):
        return None
    return tuple(values)
