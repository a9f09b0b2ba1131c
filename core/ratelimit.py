"""Fixed-window rate limits in the shared cache (Redis in production)."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import ApplicationError, CommonErrorCode


def _key(key: str, period: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{period}:{digest}"


def count(cache_key: str, *, timeout: int) -> int:
    """The one counter: add one under ``cache_key`` (kept ``timeout`` seconds from its first
    count) and return the total. ``cache.add`` is SET NX and ``cache.incr`` INCR on Redis, so
    concurrent counts across processes are never lost. Every rate limit and failure count
    (here, mfa/internal/guard.py) goes through it."""
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=timeout)
        return 1


def counted(cache_key: str) -> int:
    """What ``count`` has counted under ``cache_key``, without counting."""
    return int(cache.get(cache_key) or 0)


def hit(key: str, *, period: int) -> int:
    """Count one attempt; returns the number of attempts in the current window."""
    return count(_key(key, period), timeout=period)


# The same counters as hit()/give_back(), several in one round trip on Redis (a sign-in
# counts its password attempt in four buckets and gives them back when it was right).
_HIT_MANY = """
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[i] = n
end
return out
"""
_GIVE_BACK_MANY = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
return 0
"""
# hit_many() behind a gate: a ``count`` counter (KEYS[1]) read first; at or above ARGV[1]
# nothing is counted. -1 when the gate holds something other than a count (then the
# caller reads it through the cache and counts the slow way).
_HIT_MANY_BELOW = """
local raw = redis.call('GET', KEYS[1])
local gate = 0
if raw then
  gate = tonumber(raw)
  if gate == nil then return {-1} end
end
if gate >= tonumber(ARGV[1]) then return {gate} end
local out = {gate}
for i = 2, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[i]) end
  out[i] = n
end
return out
"""
_scripts: dict[tuple[int, str], Any] = {}


def _redis_script(source: str) -> tuple[Any, Any] | None:
    """(script, client) when the default cache is Django's Redis backend, else None."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend: Any = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client = backend._cache.get_client(write=True)
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[(id(client), source)] = client.register_script(source)
    return script, client


def hit_many(items: list[tuple[str, int]]) -> list[int]:
    """hit() for each (key, period), in order; one round trip on Redis (atomic per key:
    INCR, and the window's expiry set by the first hit, as ``hit`` does)."""
    found = _redis_script(_HIT_MANY)
    if found is None:
        return [hit(key, period=period) for key, period in items]
    script, client = found
    keys = [cache.make_and_validate_key(_key(key, period)) for key, period in items]
    return [int(n) for n in script(keys=keys, args=[period for _key_, period in items], client=client)]


def hit_many_below(gate: str, limit: int, items: list[tuple[str, int]]) -> tuple[int, list[int] | None]:
    """What ``count`` has counted under the cache key ``gate`` and, only when that is below
    ``limit``, hit_many(items): ``(gate's count, counts)``, or ``(gate's count, None)`` with
    nothing counted. One round trip on Redis (the read and the counts in one script, so
    nothing is counted for a gate already at its limit); elsewhere ``counted`` then
    ``hit_many``."""
    found = _redis_script(_HIT_MANY_BELOW)
    if found is not None:
        script, client = found
        keys = [cache.make_and_validate_key(gate)]
        keys += [cache.make_and_validate_key(_key(key, period)) for key, period in items]
        out = [int(n) for n in script(keys=keys, args=[limit, *(period for _key_, period in items)], client=client)]
        if out[0] >= 0:
            return out[0], (out[1:] if out[0] < limit else None)
    gated = counted(gate)
    if gated >= limit:
        return gated, None
    return gated, hit_many(items)


def give_back_many(items: list[tuple[str, int]]) -> None:
    """give_back() for each (key, period); one round trip on Redis."""
    if not items:
        return
    found = _redis_script(_GIVE_BACK_MANY)
    if found is None:
        for key, period in items:
            give_back(key, period=period)
        return
    script, client = found
    script(keys=[cache.make_and_validate_key(_key(key, period)) for key, period in items], client=client)


def limited() -> ApplicationError:
    """The refusal of a limit (``rate_limited``, 429), in the request's language."""
    return ApplicationError(
        CommonErrorCode.RATE_LIMITED,
        _("Too many attempts. Please wait a few minutes and try again."),
        status=429,
    )


def check(key: str, *, limit: int, period: int) -> None:
    if hit(key, period=period) > limit:
        raise limited()


def peek(key: str, *, period: int) -> int:
    """Attempts counted in the current window, without counting one."""
    return counted(_key(key, period))


def peek_many(items: list[tuple[str, int]]) -> list[int]:
    """peek() for each (key, period), in one round trip."""
    keys = [_key(key, period) for key, period in items]
    found = cache.get_many(keys)
    return [int(found.get(k) or 0) for k in keys]


def give_back(key: str, *, period: int) -> None:
    """Undo one hit (an attempt that turned out not to count, e.g. a right password)."""
    try:
        cache.decr(_key(key, period))
    except ValueError:  # the window ended meanwhile
        pass


def reset(key: str, *, period: int) -> None:
    cache.delete(_key(key, period))


def _clean_ip(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if raw.startswith("[") and "]" in raw:  # "[2001:db8::1]:443"
        raw = raw[1 : raw.index("]")]
    elif raw.count(":") == 1:  # "203.0.113.9:443"
        raw = raw.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the client, as the operator's own proxies saw it.

    The one resolver for every per-address limit, the audit log, sessions, known devices and
    allauth (accounts.adapter.AccountAdapter.get_client_ip). Configured by one setting:

    - ``MADOGUCHI_TRUSTED_CLIENT_IP_HEADER`` (e.g. ``X-Real-IP``): a header that the
      operator's proxy always overwrites; its value is the client.
    - else ``MADOGUCHI_TRUSTED_PROXY_COUNT`` = N: the N-th address from the right of
      ``X-Forwarded-For`` (the one the outermost of the N proxies appended). Entries left of
      it were written by the client and are never read. With fewer entries than N (a request
      that did not pass the proxies) the peer address is used.
    - 0 (no proxy): the peer address ``REMOTE_ADDR``.

    The result is memoised on the request.
    """
    if request is None:
        return None
    cached = getattr(request, "_madoguchi_client_ip", "unset")
    if cached != "unset":
        return cached  # type: ignore[no-any-return]
    ip = _resolve_client_ip(request)
    try:
        request._madoguchi_client_ip = ip  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - a read-only request stand-in
        pass
    return ip


def _resolve_client_ip(request: HttpRequest) -> str | None:
    header = getattr(settings, "MADOGUCHI_TRUSTED_CLIENT_IP_HEADER", "")
    if header:
        return _clean_ip(request.headers.get(header))
    count = getattr(settings, "MADOGUCHI_TRUSTED_PROXY_COUNT", None) or 0
    if count > 0:
        entries = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(entries) >= count:
            return _clean_ip(entries[-count])
    return _clean_ip(request.META.get("REMOTE_ADDR"))
