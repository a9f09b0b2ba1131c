"""Browser journeys through the help centre's former dead ends, each reaching its goal, with
screenshots at 390 px and 1280 px (var/screenshots/dead-end-*.png)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from helpcenter.services import content_import
from support.models import Inquiry
from tests_support.screens import at_both_widths, attach_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def content() -> None:
    from support.internal.seed import seed_defaults

    seed_defaults()  # the inquiry categories (transactional tests flush the data migration)
    content_import()


def test_an_inquiry_suggestion_opens_the_real_article(
    live_server: Any, browser_page: Any, user_factory: Any, content: None
):
    page = browser_page
    attach_session(page, live_server, user_factory(email="taro@example.jp", language="ja"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/support/new/sign_in/")
    page.locator("#id_description").press_sequentially("パスワードを忘れた", delay=60)
    page.wait_for_selector("#suggestions:not([hidden]) li a")
    at_both_widths(page, "dead-end-1-inquiry-suggestions")
    link = page.locator("#suggestions li a").first
    href = link.get_attribute("href")
    assert href is not None and re.fullmatch(r"/help/articles/[\w-]+/", href), href
    # the suggestion opens in a new tab: the article itself, not a 404
    with page.context.expect_page() as opened:
        link.click()
    article = opened.value
    article.wait_for_load_state()
    assert article.url.endswith(href)
    assert article.locator("#article-title").inner_text().strip()
    article.close()


def test_the_troubleshooter_ends_at_a_filled_in_inquiry_that_is_sent(
    live_server: Any, browser_page: Any, user_factory: Any, content: None
):
    page = browser_page
    customer = user_factory(email="hanako@example.jp", language="ja")
    attach_session(page, live_server, customer)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/help/troubleshooter/sign-in/")
    page.get_by_role("link", name="SMS の確認コードが届かない").click()
    page.get_by_role("link", name="いいえ、番号が変わった").click()
    page.click("#ts-inquiry")
    page.wait_for_url(re.compile(r"/support/new/sign_in/\?"))
    # category, topic, failing step and the answers are there already
    assert page.locator("h1").inner_text().endswith("ログイン")
    assert page.input_value("#id_subtopic") == "sms"
    assert page.input_value("#id_failing_step") == "sms_code"
    description = page.input_value("#id_description")
    assert "・SMS の確認コードが届かない" in description and "・いいえ、番号が変わった" in description
    at_both_widths(page, "dead-end-2-troubleshooter-prefilled")
    page.fill("#id_message_shown", "なし")
    page.locator("#id_description").press_sequentially("機種変更で番号が変わりました。", delay=5)
    with page.expect_navigation():
        page.click("#submit-inquiry")
    inquiry = Inquiry.objects.get(customer=customer)
    assert inquiry.subtopic is not None and inquiry.subtopic.slug == "sms"
    assert inquiry.fields["failing_step"] == "sms_code" and "番号が変わった" in inquiry.description


def test_no_on_an_article_leads_to_other_articles_and_a_contact_form_naming_it(
    live_server: Any, browser_page: Any, user_factory: Any, content: None
):
    page = browser_page
    attach_session(page, live_server, user_factory(email="hanako@example.jp", language="ja"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/help/articles/captcha/")
    with page.expect_navigation():
        page.click("#vote-no")
    box = page.locator("#not-helpful-next")
    assert box.is_visible()
    assert box.locator("#not-helpful-articles li a").count() >= 1
    assert box.locator("#not-helpful-troubleshooter").get_attribute("href") == "/help/troubleshooter/sign-in/"
    at_both_widths(page, "dead-end-5-article-no")
    # another article opens
    first = box.locator("#not-helpful-articles li a").first
    href = first.get_attribute("href")
    page.goto(f"{live_server.url}/help/articles/captcha/")
    assert page.request.get(f"{live_server.url}{href}").status == 200
    # and the contact button opens the form already naming the article
    page.click("#not-helpful-contact")
    page.wait_for_url(re.compile(r"/support/new/sign_in/"))
    assert "画像認証" in page.input_value("#id_description")
    assert "を読みましたが、解決しませんでした。" in page.input_value("#id_description")
    at_both_widths(page, "dead-end-5-article-no-contact")


def test_a_search_that_finds_nothing_offers_a_spelling_that_finds_articles(
    live_server: Any, browser_page: Any, content: None
):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/help/search/?q=authenticatr")  # a typo the search cannot rescue
    assert page.locator("#no-results").is_visible()
    assert page.locator("#popular-articles li a").count() >= 3
    assert page.locator("#dead-end-troubleshooter").is_visible() and page.locator("#dead-end-contact").is_visible()
    at_both_widths(page, "dead-end-5-search-nothing")
    with page.expect_navigation():
        page.locator("#search-alternatives a", has_text=re.compile("Authenticator")).first.click()
    assert page.locator(".help-result-title").count() >= 1
    at_both_widths(page, "dead-end-5-search-alternative")
