"""The header depends on the page's section (core.context_processors.site): the current link
is marked and the total assets show on the money pages only. The header is a cached
fragment, so the section must be one of its inputs: a page must never get the header
rendered for another section."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.context_processors import nav_section

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", "home"),
        ("/wallet/withdrawals/", "wallet"),
        ("/security/sessions/", "security"),
        ("/account/activity/", "activity"),
        ("/support/inquiries/3/", "help"),
        ("/help/articles/x/", "help"),
        ("/contact/", "help"),
        ("/recovery/identity/", "help"),
        ("/accounts/login/", ""),
    ],
)
def test_sections_by_path(path: str, section: str) -> None:
    assert nav_section(path) == section


def _current_links(html: str) -> list[str]:
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    return re.findall(r'<a href="([^"]+)" aria-current="page">', header)


def test_the_total_shows_on_money_pages_only_and_the_current_link_follows_the_page(
    client: Any, user_factory: Any
) -> None:
    user = user_factory()
    assert user.show_total_in_header
    client.force_login(user)
    paths = ("/", "/support/", "/help/", "/security/", "/contact/")
    pages = {path: client.get(path).content.decode() for path in paths}
    # the total assets: on the home page, never on support, help or security pages
    assert 'data-testid="header-total"' in pages["/"]
    for path in ("/support/", "/help/", "/security/", "/contact/"):
        assert 'data-testid="header-total"' not in pages[path], path
    # the current section's link is marked, on each page its own (the cached header is keyed
    # by the section: rendered in this order, a missing input would repeat the first one)
    assert _current_links(pages["/"]) == ["/"]
    assert _current_links(pages["/security/"]) == ["/security/"]
    assert _current_links(pages["/help/"]) == []
    assert _current_links(client.get("/account/activity/").content.decode()) == ["/account/activity/"]
