"""Support settings, read lazily so tests can override them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings


def _get(name: str, default: Any) -> Any:
    return getattr(settings, f"MADOGUCHI_SUPPORT_{name}", default)


def reopen_days() -> int:
    """A customer reply reopens a resolved inquiry within this many days; later it is closed."""
    return int(_get("REOPEN_DAYS", 14))


def desk_hours() -> tuple[dt.time, dt.time]:
    """Business hours (JST) used for SLA targets, as ("HH:MM", "HH:MM")."""
    opens, closes = _get("DESK_HOURS", ("09:00", "18:00"))
    return dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)


def max_attachments() -> int:
    return int(_get("MAX_ATTACHMENTS", 5))


def max_attachment_bytes() -> int:
    return int(_get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))


def max_attachment_pixels() -> int:
    # 12 MP: a phone photo or a screenshot; five of them cost about a second of decoding.
    return int(_get("MAX_ATTACHMENT_PIXELS", 12_000_000))


def attachments_per_day() -> int:
    """Files one customer (or guest address) may upload in 24 hours, over all inquiries."""
    return int(_get("ATTACHMENTS_PER_DAY", 30))


def page_size() -> int:
    return int(_get("PAGE_SIZE", 50))


def guest_code_ttl() -> int:
    """Seconds a guest email-confirmation code stays valid."""
    return int(_get("GUEST_CODE_TTL", 600))


def guest_session_ttl() -> int:
    """Seconds a confirmed guest email stays usable in the browser session."""
    return int(_get("GUEST_SESSION_TTL", 3600))


def presence_ttl() -> int:
    """Seconds after which an agent viewing/replying is no longer shown to colleagues."""
    return int(_get("PRESENCE_TTL", 45))


def create_limit_per_hour() -> int:
    """New inquiries per customer (or guest address) per hour."""
    return int(_get("CREATE_LIMIT_PER_HOUR", 10))


def phone_number() -> str:
    """The support line shown on the contact page (as dialled in Japan); "" hides it."""
    return str(_get("PHONE_NUMBER", "0120-000-000"))


def callback_rate_limit() -> tuple[int, int]:
    """(callback requests, seconds) per customer."""
    return tuple(_get("CALLBACK_RATE_LIMIT", (3, 86400)))  # type: ignore[return-value]


def callback_slot_minutes() -> int:
    """Preferred callback times are offered in steps of this many minutes."""
    return int(_get("CALLBACK_SLOT_MINUTES", 30))
