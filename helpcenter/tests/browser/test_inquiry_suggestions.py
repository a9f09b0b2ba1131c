"""The inquiry form suggests help articles while the customer describes the problem in a
whole sentence: the right article, a link to its real page, on screen soon after typing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from helpcenter.services import content_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_sentence_suggests_the_article_and_its_link_opens_it(
    live_server: Any, browser_page: Any, user_factory: Any
):
    from support.internal.seed import seed_defaults

    seed_defaults()  # the inquiry categories (transactional tests flush the data migration)
    content_import()
    customer = user_factory(email="taro@example.jp", language="ja")
    client = Client()
    client.force_login(customer)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    # given the sign-in inquiry form
    page.goto(f"{live_server.url}/support/new/sign_in/")
    sentence = "スマホを電車に置き忘れてしまいました"
    # when the customer types the sentence, one character at a time
    page.locator("#id_description").press_sequentially(sentence, delay=120)
    # then the suggestions follow the sentence, the lost-phone article among them
    page.wait_for_function(f"document.querySelector('#id_description').dataset.renderedQuery === '{sentence}'")
    links = page.locator("#suggestions li a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "/help/articles/phone-lost/" in hrefs[:3], hrefs
    latency = page.evaluate(
        "Number(document.querySelector('#id_description').dataset.renderedAt)"
        " - Number(document.querySelector('#id_description').dataset.typedAt)"
    )
    print(f"inquiry suggestions rendered {latency:.0f} ms after the last keystroke (40 ms debounce included)")
    # and every suggestion link opens a real article page (it used to be /help/<slug>/, a 404)
    for href in hrefs:
        response = page.request.get(f"{live_server.url}{href}")
        assert response.status == 200, href
