"""After a "No" and after a search that found nothing, the page offers a way on: other
articles, the troubleshooter, and the contact form already naming the article."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_no_offers_related_articles_the_troubleshooter_and_the_contact_form(client: Any, help_content: None):
    url = "/help/articles/captcha/"
    assert 'id="not-helpful-next"' not in client.get(url).content.decode()
    client.post(f"{url}vote/", {"helpful": "no"})
    page = client.get(url).content.decode()
    box = page[page.index('id="not-helpful-next"') :]
    # the article's related articles, as real links
    assert 'href="/help/articles/cannot-sign-in/"' in box[: box.index("</ul>")]
    assert 'id="not-helpful-troubleshooter" href="/help/troubleshooter/sign-in/"' in box
    contact = re.search(r'id="not-helpful-contact" href="([^"]+)"', box)
    assert contact is not None
    assert contact.group(1) == "/support/new/?category=sign_in&amp;article=captcha"
    # still shown once the "what was missing" answer is sent
    client.post(f"{url}feedback/", {"reason": "steps_failed"})
    assert 'id="not-helpful-next"' in client.get(url).content.decode()


def test_yes_gets_no_way_on_box(client: Any, help_content: None):
    url = "/help/articles/captcha/"
    client.post(f"{url}vote/", {"helpful": "yes"})
    assert 'id="not-helpful-next"' not in client.get(url).content.decode()


def test_an_article_without_related_ones_offers_popular_articles_after_no(client: Any, help_content: None):
    from helpcenter.models import Article

    article = Article.objects.get(slug="captcha")
    article.related.clear()
    client.post("/help/articles/captcha/vote/", {"helpful": "no"})
    box = client.get("/help/articles/captcha/").content.decode().split('id="not-helpful-next"', 1)[1]
    assert box.count('href="/help/articles/') >= 3


def test_a_search_with_a_typo_and_nonsense_suggests_a_spelling_that_finds_something(client: Any, help_content: None):
    client.cookies["django_language"] = "en"
    page = client.get("/help/search/", {"q": "authenticatr zzzz"}).content.decode()
    assert 'id="no-results"' in page
    box = page[page.index('id="search-alternatives"') :]
    first = re.search(r'href="(/help/search/\?q=[^"]+)">([^<]+)<', box)
    assert first is not None and "authenticator" in first.group(2).lower()
    # and following it finds articles
    assert 'class="help-result-title"' in client.get(first.group(1).replace("&amp;", "&")).content.decode()


def test_a_search_that_finds_nothing_as_a_whole_suggests_its_words_alone(help_content: None):
    from helpcenter.selectors import search_alternatives

    assert "出金" in search_alternatives(query="出金 量子テレポーテーション", language="ja")
    assert search_alternatives(query="量子テレポーテーション", language="ja") == []


def test_the_api_fallback_lists_the_alternatives(api_client: Any, help_content: None):
    body = api_client.get("/api/v1/help/search?q=authenticatr&lang=en").json()
    assert body["results"] == []
    alternatives = body["fallback"]["alternatives"]
    assert alternatives and "authenticator" in alternatives[0].lower()
