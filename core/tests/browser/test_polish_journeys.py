"""The main customer journeys at a phone width (390 px) and a desktop width (1280 px), in
Japanese: each page has one h1, no horizontal scrolling, and a screenshot for a human to look
at (var/screenshots/polish-<page>-<width>.png; issue 14 polish)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests_support import pages as catalogue

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "var" / "screenshots"
WIDTHS = {390: 844, 1280: 900}

JOURNEYS = [
    # (name, who, path)
    ("signin", "guest", "/accounts/login/"),
    ("security", "taro", "/security/"),
    ("help-home", "guest", "/help/"),
    ("help-article", "guest", "/help/articles/two-factor-setup/"),
    ("help-search", "guest", "/help/search/?q=二段階認証"),
    ("contact", "guest", "/contact/"),
    ("inquiry-form", "hanako", "/support/new/"),
    ("withdraw", "taro", "/wallet/withdraw/"),
]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_journeys_at_phone_and_desktop_width(_browser: Any, live_server: Any, settings: Any) -> None:
    from django.conf import settings as django_settings

    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    catalogue.load_demo()
    outbox = Path(settings.MADOGUCHI_OUTBOX_DIR)
    SHOTS.mkdir(parents=True, exist_ok=True)
    contexts: dict[str, Any] = {}
    problems: list[str] = []
    for name, who, path in JOURNEYS:
        if who not in contexts:
            context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
            cookie = catalogue.session_cookie(catalogue.SESSIONS[who](outbox))
            if cookie:
                context.add_cookies(
                    [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
                )
            contexts[who] = context
        page = contexts[who].pages[0] if contexts[who].pages else contexts[who].new_page()
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(live_server.url + path, wait_until="load")
            assert response is not None and response.status == 200, f"{name}: {response and response.status}"
            assert "/accounts/login/" not in page.url or name == "signin", f"{name}: sent to sign in"
            page.screenshot(path=str(SHOTS / f"polish-{name}-{width}.png"), full_page=True)
            if page.locator("h1").count() != 1:
                problems.append(f"{name} @{width}: {page.locator('h1').count()} h1")
            if name == "withdraw" and page.locator("#withdraw-more a").count() != 2:
                problems.append(f"{name} @{width}: no way on to the addresses and the history")
            if not page.evaluate(NO_SIDEWAYS_SCROLL):
                problems.append(f"{name} @{width}: scrolls sideways")
    for context in contexts.values():
        context.close()
    assert problems == []
