"""Pages: help centre, article, troubleshooter, status, banner, staff tools."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from helpcenter.models import Announcement, ArticleTranslation

pytestmark = pytest.mark.django_db


def test_public_pages_render(client: Any, help_content: None):
    for url in [
        "/help/",
        "/help/categories/two-factor/",
        "/help/articles/phone-change/",
        "/status/",
        "/help/troubleshooter/sign-in/",
        "/help/troubleshooter/sign-in/?step=code-clock",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/help/troubleshooter/sign-in/?step=nope").status_code == 404
    assert client.get("/help/articles/nope/").status_code == 404


def test_search_page_shows_results_and_a_friendly_miss(client: Any, help_content: None):
    page = client.get("/help/search/", {"q": "二段階認証が解除できない"}).content.decode()
    assert "/help/articles/two-factor-disable/" in page
    miss = client.get("/help/search/", {"q": "量子テレポーテーション"}).content.decode()
    assert 'id="no-results"' in miss


def test_maintenance_banner_on_every_page_and_the_sign_in_notice(client: Any, help_content: None):
    now = timezone.now()
    Announcement.objects.create(
        kind="planned_maintenance",
        title_ja="定期メンテナンス",
        title_en="Maintenance",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
        affects_sign_in=True,
    )
    for url in ["/help/", "/status/"]:
        assert "定期メンテナンス" in client.get(url).content.decode(), url
    login = client.get("/accounts/login/").content.decode()
    assert 'id="signin-maintenance"' in login and "定期メンテナンス" in login
    # the status page lists it as in progress
    assert 'data-status="in_progress"' in client.get("/status/").content.decode()


def test_no_banner_when_nothing_is_happening(client: Any, help_content: None):
    Announcement.objects.create(
        kind="planned_maintenance",
        title_ja="来月のメンテナンス",
        title_en="Next month",
        starts_at=timezone.now() + timedelta(days=30),
    )
    assert "announcement-banner" not in client.get("/help/").content.decode()


def test_staff_tools_are_invisible_to_customers(client: Any, user_factory: Any, help_content: None):
    client.force_login(user_factory())
    for url in [
        "/help/staff/articles/",
        "/help/staff/articles/captcha/",
        "/help/staff/synonyms/",
        "/help/staff/announcements/",
        "/help/staff/search-misses/",
    ]:
        assert client.get(url).status_code == 404, url


def test_editor_previews_then_saves(client: Any, editor: Any, help_content: None):
    client.force_login(editor)
    data = {"language": "en", "title": "Captcha", "summary": "", "keywords": "", "body_markdown": "**New** text"}
    preview = client.post("/help/staff/articles/captcha/", data | {"action": "preview"})
    assert preview.status_code == 200 and "<strong>New</strong>" in preview.content.decode()
    assert ArticleTranslation.objects.get(article__slug="captcha", language="en").title != "Captcha"
    saved = client.post("/help/staff/articles/captcha/", data | {"action": "save"})
    assert saved.status_code == 302
    assert ArticleTranslation.objects.get(article__slug="captcha", language="en").title == "Captcha"


def test_editor_publishes_an_announcement(client: Any, editor: Any):
    client.force_login(editor)
    response = client.post(
        "/help/staff/announcements/",
        {
            "kind": "incident",
            "title_ja": "障害",
            "title_en": "Incident",
            "starts_at": "2026-01-01T10:00",
            "ends_at": "2026-01-01T09:00",
            "is_published": "on",
        },
    )
    assert response.status_code == 200 and not Announcement.objects.exists()  # end before start refused
    response = client.post(
        "/help/staff/announcements/",
        {
            "kind": "incident",
            "title_ja": "障害",
            "title_en": "Incident",
            "starts_at": "2026-01-01T10:00",
            "is_published": "on",
        },
    )
    assert response.status_code == 302 and Announcement.objects.get().ends_at is None


def test_banner_shows_planned_maintenance_a_few_days_ahead(rf: Any, help_content: None):
    from helpcenter.context_processors import announcements

    now = timezone.now()
    Announcement.objects.create(
        kind="planned_maintenance",
        title_ja="来週のメンテナンス",
        title_en="Next week",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
    )
    data = announcements(rf.get("/help/"))
    assert [a["title"] for a in data["help_announcements"]] == ["来週のメンテナンス"]
    assert data["help_announcements"][0]["active"] is False
    assert data["help_sign_in_maintenance"] is None and data["help_on_sign_in_page"] is False


def test_editor_moves_the_end_of_an_announcement(client: Any, editor: Any):
    now = timezone.now()
    item = Announcement.objects.create(
        kind="emergency_maintenance", title_ja="緊急", title_en="Urgent", starts_at=now - timedelta(minutes=5)
    )
    client.force_login(editor)
    assert "緊急" in client.get(f"/help/staff/announcements/?edit={item.pk}").content.decode()
    response = client.post(
        f"/help/staff/announcements/?edit={item.pk}",
        {
            "kind": "emergency_maintenance",
            "title_ja": "緊急",
            "title_en": "Urgent",
            "starts_at": timezone.localtime(item.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.ends_at is not None and item.ends_at > now + timedelta(hours=2)
    assert Announcement.objects.count() == 1
