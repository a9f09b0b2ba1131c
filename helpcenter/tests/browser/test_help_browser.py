"""A customer in a real browser: search (with suggestions), read, vote; the troubleshooter;
the maintenance notice on the sign-in page."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from helpcenter.models import Announcement, Article
from helpcenter.services import content_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def content(transactional_db: None) -> None:
    content_import()


def test_search_open_an_article_and_vote(live_server: Any, browser_page: Any, content: None):
    page = browser_page
    # given the help centre
    page.goto(f"{live_server.url}/help/")
    # when the customer types their problem, one character at a time
    page.locator("#help-q").press_sequentially("ログインできない", delay=120)
    # then suggestions follow the typing, the right article first
    page.wait_for_function("document.querySelector('#help-q').dataset.renderedQuery === 'ログインできない'")
    assert "ログインできない" in page.locator("#help-suggestions li a").first.inner_text()
    latency = page.evaluate(
        "Number(document.querySelector('#help-q').dataset.renderedAt)"
        " - Number(document.querySelector('#help-q').dataset.typedAt)"
    )
    print(f"suggestions rendered {latency:.0f} ms after the last keystroke")
    # when they submit the search and open the top result
    page.click("button[type=submit]")
    page.locator(".help-result-title").first.click()
    assert page.locator("#article-title").inner_text() == "ログインできない"
    # and say it helped
    page.click("#vote-yes")
    assert page.locator("#vote-thanks").is_visible()
    assert Article.objects.get(slug="cannot-sign-in").helpful_yes == 1


def test_troubleshooter_code_refused_ends_at_the_clock_fix(live_server: Any, browser_page: Any, content: None):
    page = browser_page
    page.goto(f"{live_server.url}/help/troubleshooter/sign-in/")
    page.get_by_role("link", name="認証アプリのコードが通らない・使えない").click()
    page.get_by_role("link", name="正しく入力しているのに「コードが違う」と言われる").click()
    assert page.locator("#ts-title").inner_text() == "スマートフォンの時刻を自動設定にしてください"
    assert "自動設定" in page.locator("#ts-text").inner_text()
    page.click("#ts-article")
    assert (
        "時刻" in page.locator("#article-title").inner_text() or "コード" in page.locator("#article-title").inner_text()
    )
    assert "コードの時間補正" in page.content()


def test_maintenance_shows_on_the_sign_in_page(live_server: Any, browser_page: Any, transactional_db: None):
    now = timezone.now()
    Announcement.objects.create(
        kind="planned_maintenance",
        title_ja="定期メンテナンスのお知らせ",
        title_en="Scheduled maintenance",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
        affects_sign_in=True,
    )
    browser_page.goto(f"{live_server.url}/accounts/login/")
    notice = browser_page.locator("#signin-maintenance")
    assert notice.is_visible()
    assert "メンテナンス" in notice.inner_text()
    assert "定期メンテナンスのお知らせ" in browser_page.locator("#announcement-banner").inner_text()
