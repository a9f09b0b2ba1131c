"""Degrade, don't crash: styled error pages, JSON errors under the API, Redis outages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings

# A port in this project's range with nothing listening: Redis "down".
DEAD_REDIS = "redis://127.0.0.1:18599/0"


@contextmanager
def redis_down() -> Iterator[None]:
    """The shared cache is an unreachable Redis (connection refused)."""
    from core.memo import clear_process_memos

    clear_process_memos()
    caches = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": DEAD_REDIS, "KEY_PREFIX": "down"}}
    with override_settings(CACHES=caches, SESSION_ENGINE="core.sessions"):
        yield
    clear_process_memos()


@pytest.mark.parametrize(("language", "text"), [("ja", "問題が発生しました"), ("en", "Something went wrong")])
def test_the_500_page_is_styled_and_renders_without_database_or_cache(language, text):
    """No db fixture: any database access would fail the test; the cache is down too."""
    from core.degrade import server_error

    request = RequestFactory().get("/home/", headers={"Cookie": f"django_language={language}"})
    request.COOKIES["django_language"] = language
    request.request_id = "req-500-test"
    with redis_down():
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            response = server_error(request)

    body = response.content.decode()
    assert response.status_code == 500
    assert text in body
    assert "core/app.css" in body and "窓口" in body
    assert "req-500-test" in body
    assert "Traceback" not in body and "a bug" not in body


@pytest.mark.django_db
def test_an_unknown_page_is_a_styled_404_in_japanese_and_english():
    client = Client()
    ja = client.get("/no-such-page/")
    client.cookies["django_language"] = "en"
    en = client.get("/no-such-page/")

    assert ja.status_code == 404 and "ページが見つかりません" in ja.content.decode()
    assert en.status_code == 404 and "Page not found" in en.content.decode()
    assert "core/app.css" in en.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/no-such-route", "/api/v1/withdrawals/1/nope", "/internal/v1/nothing"])
def test_unknown_api_routes_answer_the_json_error_contract(path):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


@pytest.mark.django_db
def test_an_api_bug_is_a_json_500_not_a_page_or_a_traceback(user_factory, monkeypatch):
    import accounts.api

    def broken(user: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(accounts.api, "restriction_for_user", broken)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user_factory())

    response = client.get("/api/v1/me")

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "server_error" and error["fields"] == {}
    assert "secret detail" not in response.content.decode()
    assert "問題が発生しました" in error["message"]


@pytest.mark.django_db
def test_status_and_help_centre_are_served_from_the_database_while_redis_is_down(settings, user_factory):
    from helpcenter.models import Announcement

    settings.SESSION_ENGINE = "core.sessions"
    client = Client(raise_request_exception=False)
    customer = Client(raise_request_exception=False)
    customer.force_login(user_factory(email="status-reader@example.jp"))
    Announcement.objects.create(
        kind="planned_maintenance",
        title_ja="メンテナンスのお知らせ",
        title_en="Scheduled maintenance",
        body_ja="本文",
        body_en="Body",
        is_published=True,
        starts_at="2026-01-01T00:00:00Z",
        ends_at="2099-01-01T00:00:00Z",
    )
    with redis_down():
        status = client.get("/status/")
        help_home = client.get("/help/")
        signed_in_status = customer.get("/status/")
        signed_in_help = customer.get("/help/")

    assert status.status_code == 200, status.content[:300]
    assert "メンテナンスのお知らせ" in status.content.decode()
    assert help_home.status_code == 200
    assert signed_in_status.status_code == 200 and "メンテナンスのお知らせ" in signed_in_status.content.decode()
    assert signed_in_help.status_code == 200


@pytest.mark.django_db
def test_rate_limited_sign_in_fails_closed_with_a_503_while_redis_is_down(user_factory):
    """A cache outage must not switch the sign-in rate limit off: the sign-in is refused."""
    from tests_support.captcha import solve

    user = user_factory(email="ratelimit@example.jp")
    client = Client(raise_request_exception=False)
    app = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    captcha = solve(app)
    with redis_down():
        page = client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
        api = app.post(
            "/_allauth/app/v1/auth/login",
            {"email": user.email, "password": "wrong-password", "captcha": captcha},
            content_type="application/json",
        )

    assert page.status_code == 503
    assert "一時的にご利用いただけません" in page.content.decode()
    assert page["Retry-After"]
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "service_unavailable"


@pytest.mark.django_db
def test_sessions_survive_a_cache_flush(settings, user_factory):
    from django.core.cache import cache

    settings.SESSION_ENGINE = "core.sessions"
    user = user_factory(email="stay@example.jp")
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200

    cache.clear()  # FLUSHDB

    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == "stay@example.jp"


@pytest.mark.django_db
def test_signed_in_customers_stay_signed_in_while_redis_is_down(settings, user_factory):
    settings.SESSION_ENGINE = "core.sessions"
    user = user_factory(email="stay-down@example.jp")
    client = Client(raise_request_exception=False)
    client.force_login(user)

    with redis_down():
        me = client.get("/api/v1/me")

    assert me.status_code == 200 and me.json()["email"] == "stay-down@example.jp"


@pytest.mark.postgres
def test_production_sessions_live_in_the_database_with_a_cache_copy(settings):
    assert settings.SESSION_ENGINE == "core.sessions"
