"""Rendered HTML kept in the process, keyed by exactly what it was rendered from.

The page shell (head, navigation, footer, announcement banner) is the same for every page
view with the same inputs: language, signed in or not, staff or not, current path. Rendering
it through Django's template engine was about half of the home page's CPU
(docs/performance.md), so each piece is rendered once per process and input set and then
reused. The key holds every input, so an entry can never be stale: new inputs give a new
key, and a deploy starts new processes. Entries are bounded (least recently used go first).

CSRF tokens are per request (masked anew each time) and per user (the secret), so they are
never cached: a fragment is rendered with a placeholder in place of the token, and the
request's own token is put in on the way out.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"

# Every process-local copy registers how to drop it, so the test suite can start each test
# from nothing (the shared cache is cleared between tests too).
_clear_functions: list[Callable[[], None]] = []


def register_process_memo(clear: Callable[[], None]) -> Callable[[], None]:
    _clear_functions.append(clear)
    return clear


def clear_process_memos() -> None:
    for clear in _clear_functions:
        clear()


class LocalLRU:
    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        register_process_memo(self.clear)

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: str) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def render_key(*inputs: Any) -> tuple[Any, ...]:
    """The inputs plus what every template depends on implicitly: language and time zone."""
    return (translation.get_language(), timezone.get_current_timezone_name(), *inputs)


def memo_render(
    store: LocalLRU, inputs: tuple[Any, ...], render: Callable[[], str], csrf_token: Any = None
) -> SafeString:
    """``render()``'s HTML for these inputs, rendered once per process. ``render`` must
    output CSRF_SLOT wherever the CSRF token goes; ``csrf_token`` (the request's own) is
    put there."""
    key = render_key(*inputs)
    html = store.get(key)
    if html is None:
        html = str(render())
        store.put(key, html)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, str(csrf_token or ""))
    return mark_safe(html)  # noqa: S308 - our own rendered templates
