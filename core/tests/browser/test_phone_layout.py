"""Phone first (issue 14): every customer page at 390×844, as a guest, as a customer with
balances (taro) and as a customer with inquiries (hanako).

On each page: nothing is wider than the screen (no sideways scrolling of the page), the
header's links take one line of a fixed height, the total assets appear only on the money
pages (home, wallet) and never on support or help pages, and an inquiry reference is never
broken over two lines. A screenshot of each page goes to var/screenshots/phone-*.png.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
WIDTH, HEIGHT = 390, 844
# The header: one 56 px row, plus (signed in, below 720 px) one 40 px row of links.
HEADER_MAX = 56 + 40 + 8
NAV_MAX = 48

MEASURE = """() => {
  const scroller = document.scrollingElement;
  const header = document.querySelector('.site-header');
  const nav = document.querySelector('.site-header nav');
  const items = nav ? Array.from(nav.children).map((e) => e.getBoundingClientRect()) : [];
  const centres = items.map((r) => r.top + r.height / 2);
  const spread = centres.length ? Math.max(...centres) - Math.min(...centres) : 0;
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.nav-main'))
    .slice(0, 5)
    .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + String(e.className).split(' ').join('.'));
  return {
    scrollWidth: scroller.scrollWidth,
    innerWidth: window.innerWidth,
    header: header ? header.getBoundingClientRect().height : 0,
    nav: nav ? nav.getBoundingClientRect().height : 0,
    navSpread: spread,
    total: document.querySelectorAll('[data-testid=header-total]').length,
    refLines: Array.from(document.querySelectorAll('.ref')).map((e) => e.getClientRects().length),
    wide: wide,
  };
}"""


def _load_demo() -> None:
    from core.management.commands.load_demo import ORDER

    for app in ORDER:
        importlib.import_module(f"{app}.demo").load()


def _session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _customer_pages() -> dict[str, list[str]]:
    from helpcenter.models import Article, Category
    from recovery.models import IdentityCase
    from support.models import Inquiry

    article = Article.objects.filter(is_published=True).first()
    category = Category.objects.first()
    inquiry = Inquiry.objects.filter(customer__email="hanako@example.jp").order_by("pk").first()
    case = IdentityCase.objects.filter(user__email="taro@example.jp").first()
    assert article is not None and category is not None and inquiry is not None and case is not None
    public = [
        "/",
        "/contact/",
        "/status/",
        "/help/",
        "/help/search/?q=パスワード",
        f"/help/categories/{category.slug}/",
        f"/help/articles/{article.slug}/",
        "/help/troubleshooter/sign-in/",
        "/help/status/",
        "/support/new/",
        "/support/guest/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/recovery/password-reset/sent/",
        "/recovery/password-reset/",
        "/recovery/freeze/request/",
        "/recovery/identity/",
    ]
    signed_in = [
        "/",
        "/account/activity/",
        "/security/",
        "/security/sessions/",
        "/security/passkeys/",
        "/security/recovery-codes/",
        "/security/email/",
        "/security/phone/",
        "/security/password/",
        "/security/totp/setup/",
        "/recovery/freeze/",
        "/support/",
        "/support/new/",
        "/support/new/funds/",
        "/help/",
        "/contact/",
        "/wallet/",
        "/wallet/addresses/",
        "/wallet/withdrawals/",
        "/wallet/withdraw/",
    ]
    return {
        "guest": public,
        "taro": [*signed_in, f"/recovery/identity/{case.pk}/"],
        "hanako": [*signed_in, f"/support/inquiries/{inquiry.pk}/"],
    }


def _is_money_page(path: str) -> bool:
    return path == "/" or path.startswith("/wallet/")


def _is_support_or_help(path: str) -> bool:
    return path.startswith(("/support/", "/help/", "/contact/", "/status/", "/recovery/"))


def test_every_customer_page_fits_a_390px_phone(_browser: Any, live_server: Any) -> None:
    from accounts.models import User

    # given the demo accounts (taro: balances and a leverage position, hanako: inquiries)
    _load_demo()
    pages = _customer_pages()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    checked = 0
    for persona, paths in pages.items():
        context = _browser.new_context(
            locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": WIDTH, "height": HEIGHT}
        )
        if persona != "guest":
            user = User.objects.get(email=f"{persona}@example.jp")
            assert user.show_total_in_header  # so a total in the wrong place would show
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": _session_cookie(user), "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(15000)
        for path in paths:
            # when the customer opens the page on a phone
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status < 500, (persona, path, response and response.status)
            page.wait_for_load_state("load")
            m = page.evaluate(MEASURE)
            name = re.sub(r"[^a-z0-9]+", "-", f"{persona}{path}".lower()).strip("-")
            page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)
            checked += 1
            where = f"{persona} {path} (→ {page.url.removeprefix(live_server.url)})"
            # then nothing is wider than the screen
            if m["scrollWidth"] > m["innerWidth"]:
                problems.append(f"{where}: page {m['scrollWidth']} px wide > {m['innerWidth']} ({m['wide']})")
            # the header's links take one line of a fixed height
            if m["nav"] > NAV_MAX or m["navSpread"] > 8:
                problems.append(f"{where}: nav {m['nav']:.0f} px high, items {m['navSpread']:.0f} px apart")
            if m["header"] > HEADER_MAX:
                problems.append(f"{where}: header {m['header']:.0f} px high > {HEADER_MAX}")
            # the total assets only on the money pages
            final_path = page.url.removeprefix(live_server.url).split("?")[0]
            if m["total"] and not _is_money_page(final_path):
                problems.append(f"{where}: total assets in the header")
            if persona == "taro" and _is_money_page(final_path) and not m["total"]:
                problems.append(f"{where}: the total assets are missing on a money page")
            # an inquiry reference on one line
            if any(lines > 1 for lines in m["refLines"]):
                problems.append(f"{where}: a reference broken over {max(m['refLines'])} lines")
            lists_references = path == "/support/" or path.startswith("/support/inquiries/")
            if persona == "hanako" and lists_references and not m["refLines"]:
                problems.append(f"{where}: no inquiry reference found (the check would not bite)")
        context.close()
    assert checked == sum(len(p) for p in pages.values())
    assert not problems, "\n".join(problems)


def test_the_header_links_fit_one_line_in_english_too(_browser: Any, live_server: Any, user_factory: Any) -> None:
    """English words are longer: the links still take one line (scrolled sideways if need be)."""
    user = user_factory(language="en", is_staff=True)
    context = _browser.new_context(locale="en-US", viewport={"width": WIDTH, "height": HEIGHT})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": _session_cookie(user), "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/help/")
    m = page.evaluate(MEASURE)
    page.screenshot(path=str(SCREENSHOTS / "phone-en-staff-help.png"))
    # the sign-out button is reachable: in the one-line row, scrolled into view when focused
    page.locator("#signout").scroll_into_view_if_needed()
    assert page.locator("#signout").is_visible()
    context.close()
    assert m["scrollWidth"] <= m["innerWidth"], m
    assert m["nav"] <= NAV_MAX and m["navSpread"] <= 8, m
    assert m["total"] == 0
