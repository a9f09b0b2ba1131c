"""Who else is looking at an inquiry (collision warning), kept in the shared cache.

Each agent's heartbeat stores ``{agent_id: [name, mode, epoch]}`` under one key per
inquiry; entries older than the presence TTL are ignored. Losing this data is harmless.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache

from support import conf

VIEWING = "viewing"
REPLYING = "replying"


def _key(inquiry_id: int) -> str:
    return f"support:presence:{inquiry_id}"


def touch(*, inquiry_id: int, agent_id: int, name: str, mode: str) -> None:
    now = time.time()
    ttl = conf.presence_ttl()
    entries: dict[str, Any] = cache.get(_key(inquiry_id)) or {}
    entries = {k: v for k, v in entries.items() if now - v[2] < ttl}
    entries[str(agent_id)] = [name, mode if mode in (VIEWING, REPLYING) else VIEWING, now]
    cache.set(_key(inquiry_id), entries, timeout=ttl * 2)


def leave(*, inquiry_id: int, agent_id: int) -> None:
    entries: dict[str, Any] = cache.get(_key(inquiry_id)) or {}
    if entries.pop(str(agent_id), None) is not None:
        cache.set(_key(inquiry_id), entries, timeout=conf.presence_ttl() * 2)


def others(*, inquiry_id: int, agent_id: int) -> list[dict[str, str]]:
    now = time.time()
    ttl = conf.presence_ttl()
    entries: dict[str, Any] = cache.get(_key(inquiry_id)) or {}
    return [{"name": v[0], "mode": v[1]} for k, v in sorted(entries.items()) if k != str(agent_id) and now - v[2] < ttl]
