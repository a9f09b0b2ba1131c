"""Dead ends become signals: a search with no results offers the way on and is counted; a
"No" on "was this helpful?" asks what was missing; both reach the editors' list with counts."""

from __future__ import annotations

from typing import Any

import pytest

from helpcenter.models import Article, ArticleFeedback, SearchMiss

pytestmark = pytest.mark.django_db

NOTHING = "量子テレポーテーション"


def test_a_search_with_no_results_offers_popular_articles_troubleshooter_and_contact(client: Any, help_content: None):
    Article.objects.filter(slug="password-reset").update(helpful_yes=40)
    page = client.get("/help/search/", {"q": NOTHING}).content.decode()
    assert 'id="no-results"' in page
    assert 'id="popular-articles"' in page
    # the most helpful article first, as a link to its real page
    popular = page[page.index('id="popular-articles"') :]
    assert popular.index("/help/articles/password-reset/") < popular.index("</ul>")
    assert 'href="/help/troubleshooter/sign-in/"' in page and 'id="dead-end-contact" href="/support/new/"' in page
    # and the editors see it counted
    client.get("/help/search/", {"q": NOTHING})
    assert SearchMiss.objects.get(query=NOTHING, language="ja").count == 2


def test_a_search_with_results_offers_no_dead_end_box(client: Any, help_content: None):
    page = client.get("/help/search/", {"q": "パスワードを忘れた"}).content.decode()
    assert 'id="dead-end"' not in page


def test_the_api_returns_the_way_on_only_for_a_settled_miss(api_client: Any, help_content: None):
    body = api_client.get(f"/api/v1/help/search?q={NOTHING}").json()
    assert body["results"] == []
    assert body["fallback"]["troubleshooter_url"] == "/help/troubleshooter/sign-in/"
    assert body["fallback"]["contact_url"] == "/support/new/"
    assert len(body["fallback"]["popular"]) == 5 and body["fallback"]["popular"][0]["slug"]
    # typing (final=0) is not a miss and gets no fallback
    typing = api_client.get(f"/api/v1/help/search?q={NOTHING}&final=0").json()
    assert typing.get("fallback") is None
    assert api_client.get("/api/v1/help/search?q=ログインできない").json().get("fallback") is None


def test_no_asks_what_was_missing_and_the_answer_reaches_the_editors(
    client: Any, help_content: None, staff_factory: Any
):
    from accounts.roles import SUPPORT_AGENT

    url = "/help/articles/captcha/"
    assert 'id="feedback-form"' not in client.get(url).content.decode()
    client.post(f"{url}vote/", {"helpful": "no"})
    page = client.get(url).content.decode()
    assert 'id="feedback-form"' in page and 'value="steps_failed"' in page
    client.post(f"{url}feedback/", {"reason": "steps_failed", "comment": "別のブラウザでもだめでした"})
    fb = ArticleFeedback.objects.get(article__slug="captcha")
    assert fb.reason == "steps_failed" and fb.comment == "別のブラウザでもだめでした"
    # asked once: the form is gone
    assert 'id="feedback-form"' not in client.get(url).content.decode()
    # the editors' list shows the article with its count and what was missing
    agent = staff_factory(roles=[SUPPORT_AGENT], email="agent@example.jp")
    client.force_login(agent)
    staff = client.get("/help/staff/search-misses/").content.decode()
    table = staff[staff.index('id="unhelpful-table"') :]
    assert "captcha" in table and "別のブラウザでもだめでした" in table
    assert "手順どおりにしたがうまくいかなかった: 1" in table


def test_feedback_needs_a_no_vote_and_a_known_reason(client: Any, help_content: None):
    url = "/help/articles/captcha/"
    client.post(f"{url}feedback/", {"reason": "unclear"})
    assert not ArticleFeedback.objects.exists()
    client.post(f"{url}vote/", {"helpful": "no"})
    response = client.post(f"{url}feedback/", {"reason": "<script>"}, follow=True)
    assert response.status_code == 200 and not ArticleFeedback.objects.exists()
    assert "何が足りなかったかを選んでください。" in response.content.decode()
    client.post(f"{url}feedback/", {"reason": "other", "comment": "x" * 501})
    assert not ArticleFeedback.objects.exists()


def test_feedback_api_takes_json_only(client: Any, help_content: None):
    client.post("/help/articles/captcha/vote/", {"helpful": "no"})
    forged = client.post(
        "/api/v1/help/articles/captcha/feedback", data='{"reason": "unclear"}', content_type="text/plain"
    )
    assert forged.status_code == 415 and forged.json()["error"]["code"] == "unsupported_media_type"
    form = client.post("/api/v1/help/articles/captcha/feedback", {"reason": "unclear"})
    assert form.status_code in {400, 415} and not ArticleFeedback.objects.exists()
    ok = client.post("/api/v1/help/articles/captcha/feedback", {"reason": "unclear"}, content_type="application/json")
    assert ok.status_code == 200 and ArticleFeedback.objects.get().reason == "unclear"


def test_customers_do_not_see_the_editors_list(client: Any, user_factory: Any, help_content: None):
    client.force_login(user_factory(email="c@example.jp"))
    assert client.get("/help/staff/search-misses/").status_code == 404
