"""The help centre offers the chat (an "still need help?" link) where a customer is stuck,
only while the chat is open: the article page, its "No" box, a search that found nothing and
the troubleshooter's leaves; and the customer's inquiries list shows their chats."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from support.internal.calendar import JST

pytestmark = pytest.mark.django_db

PAGES = [
    ("/help/articles/captcha/", "article-chat"),
    ("/help/search/?q=zzzqqqxx", "dead-end-chat"),
    ("/help/troubleshooter/sign-in/?step=code-clock", "ts-chat"),
]


@pytest.fixture(autouse=True)
def _help_content() -> None:
    from helpcenter.services import content_import

    content_import()


@pytest.mark.parametrize(("url", "entry"), PAGES)
def test_the_chat_is_offered_while_it_is_open(client: Any, settings: Any, url: str, entry: str) -> None:
    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = False
    with time_machine.travel(dt.datetime(2026, 12, 3, 11, 0, tzinfo=JST), tick=False):  # Thursday 11:00
        page = client.get(url).content.decode()
    box = page[page.index(f'id="{entry}"') :]
    assert 'href="/chat/new/' in box[: box.index("</p>")]


@pytest.mark.parametrize(("url", "entry"), PAGES)
def test_the_chat_is_not_offered_when_it_is_closed(client: Any, settings: Any, url: str, entry: str) -> None:
    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = False
    with time_machine.travel(dt.datetime(2026, 12, 5, 12, 0, tzinfo=JST), tick=False):  # Saturday
        page = client.get(url).content.decode()
    assert f'id="{entry}"' not in page
    assert "/chat/new/" not in page


def test_the_no_box_offers_the_chat(client: Any) -> None:
    url = "/help/articles/captcha/"
    client.post(f"{url}vote/", {"helpful": "no"})
    page = client.get(url).content.decode()
    box = page[page.index('id="not-helpful-next"') :]
    assert 'id="not-helpful-chat"' in box


def test_the_inquiries_list_shows_the_customers_chats(client: Any, user_factory: Any) -> None:
    from chat import services

    customer = user_factory()
    chat = services.conversation_start(category_slug="funds", body="出金が届きません", customer=customer)
    client.force_login(customer)
    page = client.get("/support/").content.decode()
    assert f'href="/chat/{chat.pk}/"' in page
