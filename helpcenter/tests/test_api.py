"""/api/v1 help endpoints per the contract in docs/api.md."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from helpcenter.models import Announcement, Article, SearchMiss

pytestmark = pytest.mark.django_db


def test_search_returns_ranked_results_and_logs_misses(api_client: Any, help_content: None):
    body = api_client.get("/api/v1/help/search?q=ログインできない&lang=ja&limit=3").json()
    assert body["results"][0]["slug"] == "cannot-sign-in"
    assert set(body["results"][0]) == {"slug", "title", "snippet", "category", "score"}
    assert len(body["results"]) <= 3
    # a settled query with no results is logged for staff; a half-typed suggestion query is not
    api_client.get("/api/v1/help/search?q=量子テレポーテーション")
    api_client.get("/api/v1/help/search?q=量子テレポ&final=0")
    assert list(SearchMiss.objects.values_list("query", flat=True)) == ["量子テレポーテーション"]


def test_search_language_follows_accept_language(api_client: Any, help_content: None):
    body = api_client.get("/api/v1/help/search?q=password", headers={"Accept-Language": "en"}).json()
    assert body["language"] == "en" and body["results"][0]["title"].startswith("I forgot")


def test_article_contract_and_404s(api_client: Any, help_content: None):
    body = api_client.get("/api/v1/help/articles/phone-change?lang=en").json()
    assert body["slug"] == "phone-change" and body["title"] == "When you change phones"
    assert "<h2>" in body["body_html"] and body["category"] == "two-factor"
    assert {r["slug"] for r in body["related"]} >= {"two-factor-secret-key"}
    assert body["updated_at"]
    missing = api_client.get("/api/v1/help/articles/no-such-article")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    Article.objects.filter(slug="captcha").update(is_published=False)
    assert api_client.get("/api/v1/help/articles/captcha").status_code == 404


def test_vote_endpoint(api_client: Any, help_content: None):
    first = api_client.post("/api/v1/help/articles/captcha/vote", {"helpful": True})
    assert first.status_code == 200 and first.json() == {"helpful_yes": 1, "helpful_no": 0}


def test_troubleshooter_tree(api_client: Any):
    tree = api_client.get("/api/v1/help/troubleshooter/sign-in?lang=en").json()
    assert tree["id"] == "start" and tree["kind"] == "question" and len(tree["options"]) == 8
    code = next(o["node"] for o in tree["options"] if o["node"]["id"] == "code")
    clock = code["options"][0]["node"]
    assert clock["kind"] == "fix" and clock["url"] == "/help/articles/two-factor-login-trouble/"
    assert clock["inquiry_url"].startswith("/support/new/?category=sign_in&subtopic=authenticator")


def test_announcements_current_and_upcoming(api_client: Any):
    now = timezone.now()
    Announcement.objects.create(
        kind="emergency_maintenance",
        title_ja="緊急メンテナンス",
        title_en="Emergency maintenance",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        affects_sign_in=True,
    )
    Announcement.objects.create(
        kind="planned_maintenance",
        title_ja="定期",
        title_en="Planned",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
    )
    Announcement.objects.create(
        kind="incident",
        title_ja="終了",
        title_en="Over",
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(hours=20),
    )
    Announcement.objects.create(
        kind="incident", title_ja="下書き", title_en="Draft", is_published=False, starts_at=now - timedelta(minutes=1)
    )
    body = api_client.get("/api/v1/announcements?lang=en").json()
    assert body["sign_in_available"] is False
    assert [(a["title"], a["status"]) for a in body["announcements"]] == [
        ("Emergency maintenance", "in_progress"),
        ("Planned", "upcoming"),
    ]


def test_vote_endpoint_takes_json_only_so_other_sites_forms_cannot_vote(client: Any, help_content: None):
    # a page on another site can post a text/plain form whose body happens to be JSON
    forged = client.post(
        "/api/v1/help/articles/captcha/vote", data='{"helpful": false, "x": "="}', content_type="text/plain"
    )
    assert forged.status_code == 415 and forged.json()["error"]["code"] == "unsupported_media_type"
    form = client.post("/api/v1/help/articles/captcha/vote", {"helpful": "false"})
    assert form.status_code in {400, 415}  # form-encoded: refused before it is read
    counted = client.post("/api/v1/help/articles/captcha/vote", {"helpful": True}, content_type="application/json")
    assert counted.status_code == 200 and counted.json() == {"helpful_yes": 1, "helpful_no": 0}
