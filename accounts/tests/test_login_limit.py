"""The sign-in request limit (allauth's ``login`` rate, accounts/login_limit.py): one counter
per client address for the sign-in page and the headless sign-in, allauth's 429 answers."""

from __future__ import annotations

import pytest
from django.test import Client

from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

WRONG = "Wrong2026pass"


@pytest.fixture(autouse=True)
def _three_a_minute(settings):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 500
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}


def _api(client: Client, ip: str, email: str = "nobody@example.jp"):
    return client.post(
        "/_allauth/app/v1/auth/login",
        {"email": email, "password": WRONG, "captcha": solve(client)},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def _page(client: Client, ip: str, email: str = "nobody@example.jp"):
    return client.post(
        "/accounts/login/",
        {"login": email, "password": WRONG, "captcha": solve(client)},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="ja",
    )


def test_the_headless_sign_in_answers_429_after_the_rate_and_other_addresses_go_on():
    client = Client()
    answers = [_api(client, "203.0.113.5").status_code for _ in range(4)]

    assert answers[:3] == [400, 400, 400]  # wrong password, judged
    refused = _api(client, "203.0.113.5")
    assert answers[3] == 429 and refused.status_code == 429
    assert refused.json()["status"] == 429  # allauth's headless rate-limit answer
    assert _api(client, "203.0.113.6").status_code == 400


def test_the_page_and_the_api_share_one_counter_per_address():
    client = Client()
    assert _page(client, "203.0.113.7").status_code == 200  # the form again, with its error
    assert _page(client, "203.0.113.7").status_code == 200
    assert _api(client, "203.0.113.7").status_code == 400

    assert _api(client, "203.0.113.7").status_code == 429
    assert _page(client, "203.0.113.7").status_code == 429


def test_showing_the_sign_in_page_is_not_counted():
    client = Client()
    for _ in range(5):
        assert client.get("/accounts/login/", REMOTE_ADDR="203.0.113.8").status_code == 200

    assert _page(client, "203.0.113.8").status_code == 200


def test_a_refused_request_does_not_count_so_the_wait_ends_with_the_window(settings):
    from core import ratelimit

    client = Client()
    for _ in range(3):
        _api(client, "203.0.113.9")
    for _ in range(5):
        assert _api(client, "203.0.113.9").status_code == 429

    assert ratelimit.peek("login-requests:3/60/ip:203.0.113.9", period=60) == 3


def test_ipv6_addresses_of_one_prefix_share_the_counter():
    client = Client()
    for host in ("1", "2", "3"):
        assert _api(client, f"2001:db8:1:2::{host}").status_code == 400

    assert _api(client, "2001:db8:1:2::4").status_code == 429
    assert _api(client, "2001:db8:1:3::1").status_code == 400
