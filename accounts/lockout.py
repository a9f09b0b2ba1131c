"""Failed-password limits that stop attackers but never lock the owner out of a known device.

Replaces allauth's ``login_failed`` per-account bucket (which anyone could fill: five wrong
passwords from anywhere refused the owner's right one) at its seam, the account adapter's
``pre_authenticate`` / ``authenticate``. Each password attempt is judged in this order:

1. **Known device** (the browser carries the ``mdg_device`` cookie that signed in to this
   account before): only the device's own bucket applies, ``KNOWN_DEVICE`` failures per
   window. Nobody without that cookie can fill it, so failures by others never refuse the
   owner there — not per-address limits, not the account's new-device delay, not the global
   anomaly mode.
2. **Unknown device** (no such cookie; every app sign-in, whose user agent anyone can copy):
   - per (account, device) — the cookie if the browser has one, otherwise its address;
   - per (account, address), so clearing cookies does not give a fresh bucket;
   - per address across accounts (one minute, one hour): credential stuffing;
   - a progressive delay per account across all unknown devices: after
     ``ACCOUNT_FREE`` failures in the hour each further attempt from a new device must wait
     2, 4, 8 … up to ``ACCOUNT_MAX_DELAY`` seconds after the previous failure. An attacker
     with many addresses gets about one guess a minute; the owner on a new device waits at
     most a minute;
   - global anomaly: when more than ``GLOBAL_ANOMALY`` failures a minute reach the site,
     the per-address limit for unknown devices tightens to ``IP_MINUTE_ANOMALY`` and the
     ``madoguchi_login_anomaly_total`` metric counts it (alert on it).

Account buckets are keyed by the typed (normalised) address, not the user row, so limits
look the same for addresses that have no account (no enumeration). A failure is counted
before the password is checked and given back when the password was right (like allauth's
rollback), so concurrent guesses cannot overshoot.

The numbers are settings (``MADOGUCHI_LOGIN_LIMITS``); docs/security.md has the table.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from prometheus_client import Counter

from core import ratelimit
from core.metrics import registry

from .normalize import normalize_email

DEFAULTS: dict[str, Any] = {
    "KNOWN_DEVICE": (10, 15 * 60),  # failures, window (s): per (account, known device)
    "UNKNOWN_DEVICE": (5, 15 * 60),  # per (account, unknown device)
    "ACCOUNT_ADDRESS": (5, 15 * 60),  # per (account, address), unknown devices
    "IP_MINUTE": (10, 60),  # per address, unknown devices, any account
    "IP_HOUR": (100, 3600),
    "IP_MINUTE_ANOMALY": (3, 60),  # per address while the site sees an anomaly
    "ACCOUNT_FREE": 10,  # unknown-device failures per account per hour before delays start
    "ACCOUNT_WINDOW": 3600,
    "ACCOUNT_MAX_DELAY": 60,  # seconds
    "GLOBAL_ANOMALY": 300,  # failures per minute across the site
}

LOGIN_ANOMALY = Counter(
    "madoguchi_login_anomaly_total",
    "Failed sign-ins judged while the site-wide failure rate is above MADOGUCHI_LOGIN_LIMITS['GLOBAL_ANOMALY']",
    registry=registry,
)
LOGIN_REFUSED = Counter(
    "madoguchi_login_refused_total", "Password attempts refused by a failure limit", ["limit"], registry=registry
)


def conf(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "MADOGUCHI_LOGIN_LIMITS", {})}[name]


class LoginRefused(Exception):
    def __init__(self, limit: str, message: str) -> None:
        super().__init__(limit)
        self.limit = limit
        self.message = message


@dataclass
class Attempt:
    """The buckets one password attempt was counted in (given back on success)."""

    known_device: bool
    counted: list[tuple[str, int]] = field(default_factory=list)
    account_key: str = ""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _known_device(request: HttpRequest, login: str) -> bool:
    from django.contrib.auth import get_user_model

    from core.models import KnownDevice

    from .services import DEVICE_COOKIE

    if request.path.startswith("/_allauth/app/"):
        return False  # apps are recognised by user agent, which anyone can send
    token = request.COOKIES.get(DEVICE_COOKIE) or ""
    if not token or not login:
        return False
    user_id = get_user_model().objects.filter(email__iexact=login).values_list("pk", flat=True).first()
    if user_id is None:
        return False
    device_hash = hashlib.sha256(f"{user_id}:{token}".encode()).hexdigest()
    return KnownDevice.objects.filter(user_id=user_id, device_hash=device_hash).exists()


def _count(attempt: Attempt, key: str, limit_period: tuple[int, int], limit_name: str) -> None:
    limit, period = limit_period
    if ratelimit.hit(key, period=period) > limit:
        LOGIN_REFUSED.labels(limit_name).inc()
        raise LoginRefused(limit_name, _too_many())
    attempt.counted.append((key, period))


def _too_many() -> str:
    return _("Too many failed sign-in attempts. Please wait a few minutes and try again.")


def _delay_message(seconds: int) -> str:
    return _(
        "There were many failed sign-in attempts for this account from new devices. Please wait "
        "%(seconds)s seconds and try again. Devices you have signed in from before are not affected."
    ) % {"seconds": seconds}


def account_delay(account_key: str, failures: int, now: float | None = None) -> int:
    """Seconds a new device must still wait before the next attempt on this account (0 = go)."""
    free = int(conf("ACCOUNT_FREE"))
    if failures < free:
        return 0
    delay = min(int(conf("ACCOUNT_MAX_DELAY")), 2 ** (failures - free + 1))
    last = cache.get(f"login:acct-last:{account_key}")
    if last is None:
        return 0
    remaining = float(last) + delay - (time.time() if now is None else now)
    return max(0, int(remaining + 0.999))


def before_password_check(request: HttpRequest, credentials: dict[str, Any]) -> Attempt:
    """Count the attempt in its buckets, or raise LoginRefused without checking the password."""
    login = normalize_email(str(credentials.get("email") or credentials.get("username") or "")).lower()
    account = _digest(login)
    if _known_device(request, login):
        from .services import DEVICE_COOKIE

        attempt = Attempt(known_device=True)
        device = _digest(request.COOKIES.get(DEVICE_COOKIE, ""))
        _count(attempt, f"login:known:{account}:{device}", conf("KNOWN_DEVICE"), "known_device")
        return attempt

    from .services import DEVICE_COOKIE

    attempt = Attempt(known_device=False, account_key=account)
    ip = ratelimit.client_ip(request) or "unknown"
    cookie = request.COOKIES.get(DEVICE_COOKIE, "")
    device = _digest(f"cookie:{cookie}" if cookie else f"ip:{ip}")
    window = int(conf("ACCOUNT_WINDOW"))
    failures, site_failures = ratelimit.peek_many([(f"login:acct:{account}", window), ("login:global", 60)])
    wait = account_delay(account, failures)
    if wait:
        LOGIN_REFUSED.labels("account_new_devices").inc()
        raise LoginRefused("account_new_devices", _delay_message(wait))
    anomaly = site_failures > int(conf("GLOBAL_ANOMALY"))
    if anomaly:
        LOGIN_ANOMALY.inc()
    buckets = [
        (f"login:ip:{ip}", conf("IP_MINUTE_ANOMALY" if anomaly else "IP_MINUTE"), "ip"),
        (f"login:ip-hour:{ip}", conf("IP_HOUR"), "ip_hour"),
        (f"login:dev:{account}:{device}", conf("UNKNOWN_DEVICE"), "unknown_device"),
        (f"login:acct-ip:{account}:{_digest(ip)}", conf("ACCOUNT_ADDRESS"), "account_address"),
    ]
    # Counted in one round trip, judged in this order. As if counted one at a time: the
    # first bucket over its limit refuses (it and those before it stay counted) and the
    # buckets after it are given back at once.
    items = [(key, int(limit_period[1])) for key, limit_period, _name in buckets]
    counts = ratelimit.hit_many(items)
    for index, ((_key, limit_period, name), count) in enumerate(zip(buckets, counts, strict=True)):
        if count > int(limit_period[0]):
            ratelimit.give_back_many(items[index + 1 :])
            LOGIN_REFUSED.labels(name).inc()
            raise LoginRefused(name, _too_many())
    attempt.counted.extend(items)
    return attempt


def password_accepted(attempt: Attempt) -> None:
    """Give back what the attempt counted: a right password is not a failure."""
    ratelimit.give_back_many(attempt.counted)


def password_refused(attempt: Attempt) -> None:
    """A wrong password from an unknown device also feeds the account's delay and the global rate."""
    ratelimit.hit("login:global", period=60)
    if attempt.known_device:
        return
    ratelimit.hit(f"login:acct:{attempt.account_key}", period=int(conf("ACCOUNT_WINDOW")))
    cache.set(f"login:acct-last:{attempt.account_key}", time.time(), timeout=int(conf("ACCOUNT_WINDOW")))
