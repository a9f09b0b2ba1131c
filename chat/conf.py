"""Chat settings, read lazily so tests can override them (config/features.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _get(name: str, default: Any) -> Any:
    return getattr(settings, f"MADOGUCHI_CHAT_{name}", default)


def wait_timeout_minutes() -> int:
    """A waiting chat no agent accepted within this many minutes becomes an inquiry."""
    return int(_get("WAIT_TIMEOUT_MINUTES", 10))


def max_per_agent() -> int:
    return int(_get("MAX_PER_AGENT", 3))


def message_max_chars() -> int:
    return int(_get("MESSAGE_MAX_CHARS", 2000))


def message_rate() -> tuple[int, int]:
    count, seconds = _get("MESSAGE_RATE_LIMIT", (30, 60))
    return int(count), int(seconds)


def address_rate() -> tuple[int, int]:
    count, seconds = _get("ADDRESS_RATE_LIMIT", (120, 60))
    return int(count), int(seconds)


def start_limit_per_hour() -> int:
    return int(_get("START_LIMIT_PER_HOUR", 5))


def minutes_per_chat() -> int:
    return int(_get("MINUTES_PER_CHAT", 4))


def always_open() -> bool:
    return bool(_get("ALWAYS_OPEN", False))
