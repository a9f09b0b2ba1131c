"""Fixed-window rate limits in the shared cache (Redis in production)."""

from __future__ import annotations

import hashlib
import ipaddress

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import ApplicationError


def _key(key: str, period: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{period}:{digest}"


def hit(key: str, *, period: int) -> int:
    """Count one attempt; returns the number of attempts in the current window."""
    cache_key = _key(key, period)
    if cache.add(cache_key, 1, timeout=period):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period)
        return 1


def check(key: str, *, limit: int, period: int) -> None:
    if hit(key, period=period) > limit:
        raise ApplicationError(
            "rate_limited",
            _("Too many attempts. Please wait a few minutes and try again."),
            status=429,
        )


def reset(key: str, *, period: int) -> None:
    cache.delete(_key(key, period))


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is set by the trusted proxy in production (gunicorn behind the load
    # balancer with --forwarded-allow-ips); we never trust a client-supplied header here.
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
