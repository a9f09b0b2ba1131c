"""One client-address resolver: core.ratelimit.client_ip, allauth, audit rows, sessions."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core import ratelimit


def _request(**meta: str):
    request = RequestFactory().get("/")
    request.META.update(meta)
    return request


def test_without_a_proxy_the_peer_address_is_the_client_and_forwarded_headers_are_ignored(settings):
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 0
    request = _request(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 1
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_a_spoofed_forwarded_entry_written_by_the_client_is_never_read(settings):
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 1
    # The client sent "X-Forwarded-For: 1.2.3.4"; the load balancer appended the real peer.
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_two_proxies_take_the_second_entry_from_the_right(settings):
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 2
    request = _request(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.2")
    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_a_request_that_skipped_the_proxies_is_counted_under_its_peer_address(settings):
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 2
    request = _request(REMOTE_ADDR="203.0.113.77", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_ip(request) == "203.0.113.77"


def test_a_trusted_header_wins_and_garbage_gives_no_address(settings):
    settings.MADOGUCHI_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert ratelimit.client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"
    assert ratelimit.client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="not-an-ip")) is None
    assert ratelimit.client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="[2001:db8::1]:443")) == "2001:db8::1"


def test_allauth_reads_the_same_address(settings):
    from allauth.account.adapter import get_adapter

    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 1
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.9"


@pytest.mark.django_db
def test_audit_rows_and_sessions_carry_the_real_client(client, settings, user_factory):
    from allauth.usersessions.models import UserSession

    from conftest import TEST_PASSWORD
    from core.models import AuditEvent
    from tests_support.captcha import solve
    from tests_support.signin import html_sign_in

    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 1
    user = user_factory()
    forwarded = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    client.post(
        "/accounts/login/", {"login": user.email, "password": "wrong-Passw0rd", "captcha": solve(client)}, **forwarded
    )
    failed = AuditEvent.objects.get(user=user, event="login.failed")
    assert failed.ip == "203.0.113.9"
    html_sign_in(client, user, TEST_PASSWORD, **forwarded)  # password, then the SMS code
    client.get("/", **forwarded)
    assert client.session["_auth_user_id"]
    assert {s.ip for s in UserSession.objects.filter(user=user)} == {"203.0.113.9"}


def test_production_refuses_to_start_without_the_proxy_setting(settings):
    from core.checks import production_problems

    settings.DEBUG = False
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = None
    settings.MADOGUCHI_TRUSTED_CLIENT_IP_HEADER = ""
    assert any("MADOGUCHI_TRUSTED_PROXY_COUNT" in p for p in production_problems())
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = 0  # "no proxy", declared
    assert not any("MADOGUCHI_TRUSTED_PROXY_COUNT" in p for p in production_problems())
    settings.MADOGUCHI_TRUSTED_PROXY_COUNT = None
    settings.MADOGUCHI_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert not any("MADOGUCHI_TRUSTED_PROXY_COUNT" in p for p in production_problems())
