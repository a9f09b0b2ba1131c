"""Screenshots of a browser page at the phone and desktop widths (var/screenshots/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "var" / "screenshots"
WIDTHS = ((390, 844), (1280, 900))


def at_both_widths(page: Any, name: str) -> list[Path]:
    """``<name>-390.png`` and ``<name>-1280.png`` of the whole page; the viewport is left at 390."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    paths = []
    for width, height in (*WIDTHS[1:], WIDTHS[0]):
        page.set_viewport_size({"width": width, "height": height})
        path = SCREENSHOT_DIR / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    return paths


def attach_session(page: Any, live_server: Any, user: Any) -> None:
    """A real session of ``user`` in the browser (sign-in itself is tested by accounts)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
