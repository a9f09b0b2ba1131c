"""Values kept in the process: a bounded least-recently-used map and a short-lived value.

Every live one can be emptied at once, so the test suite can start every test from nothing
(the shared cache is cleared between tests too).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

# Weak: a memo owned by something short-lived (a test client's middleware) goes with it.
_live: weakref.WeakSet[Any] = weakref.WeakSet()


def clear_process_memos() -> None:
    for memo in list(_live):
        memo.clear()


class LocalLRU[V]:
    """At most ``max_entries`` values; the least recently used go first. Thread-safe."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        _live.add(self)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Expiring[V]:
    """One value, used while it is younger than the caller's ``max_age`` seconds."""

    def __init__(self) -> None:
        self._item: tuple[float, V] | None = None
        _live.add(self)

    def get(self, max_age: float) -> V | None:
        item = self._item
        if item is not None and time.monotonic() - item[0] < max_age:
            return item[1]
        return None

    def set(self, value: V) -> None:
        self._item = (time.monotonic(), value)

    def clear(self) -> None:
        self._item = None
