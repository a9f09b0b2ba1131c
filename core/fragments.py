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
from collections.abc import Callable
from typing import Any

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .memo import LocalLRU

CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"


def render_key(*inputs: Any) -> tuple[Any, ...]:
    """The inputs plus what every template depends on implicitly: language and time zone."""
    return (translation.get_language(), timezone.get_current_timezone_name(), *inputs)


def memo_render(
    store: LocalLRU[str], inputs: tuple[Any, ...], render: Callable[[], str], csrf_token: Any = None
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
