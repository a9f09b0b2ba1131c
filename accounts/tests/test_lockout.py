"""Failed-password limits: strangers never lock the owner out of a known device.

Also: per-(account, device) and per-address buckets, the progressive delay for new devices,
the session id renewed at the password step, and a second-factor lock no stranger can trip.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.services import DEVICE_COOKIE
from conftest import TEST_PASSWORD
from core.models import AuditEvent
from tests_support.captcha import solve
from tests_support.signin import html_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cheap_captcha(settings):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 500


def _attempt(client: Client, email: str, password: str, ip: str):
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password, "captcha": solve(client)},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="ja",
    )


def _signed_in(client: Client) -> bool:
    return bool(client.session.get("_auth_user_id"))


def _owner_signs_in(client: Client, owner, ip: str):
    """Password, then the SMS code the second step sends (the whole sign-in)."""
    return html_sign_in(client, owner, TEST_PASSWORD, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="ja")


def _owner_with_known_device(user_factory):
    owner = user_factory(email="owner@example.jp")
    laptop = Client()
    assert _owner_signs_in(laptop, owner, "198.51.100.7").status_code == 302
    assert _signed_in(laptop)
    assert laptop.cookies.get(DEVICE_COOKIE)
    laptop.post("/accounts/logout/")
    assert not _signed_in(laptop)
    return owner, laptop


def test_strangers_failing_from_many_addresses_never_lock_the_owner_out_of_a_known_device(user_factory):
    owner, laptop = _owner_with_known_device(user_factory)

    # when strangers try 25 wrong passwords from 25 addresses (each a fresh browser)
    for n in range(25):
        _attempt(Client(), owner.email, f"Guess{n}word", f"127.0.0.{n + 10}")

    # then the owner's right password on her laptop still signs her in at once
    response = _owner_signs_in(laptop, owner, "203.0.113.50")
    assert response.status_code == 302
    assert _signed_in(laptop)


def test_strangers_get_a_growing_wait_while_the_owner_on_a_known_device_does_not(user_factory):
    owner, laptop = _owner_with_known_device(user_factory)
    for n in range(12):
        _attempt(Client(), owner.email, f"Guess{n}word", f"127.0.0.{n + 10}")

    # a new device must now wait, and is told so; the password is not even checked
    stranger = _attempt(Client(), owner.email, TEST_PASSWORD, "127.0.0.99")
    assert stranger.status_code == 200
    assert "秒" in stranger.content.decode()
    assert AuditEvent.objects.filter(user=owner, event="login.throttled").exists()

    # the known device is not affected
    assert _attempt(laptop, owner.email, TEST_PASSWORD, "127.0.0.99").status_code == 302


def test_one_unknown_device_is_refused_after_five_failures_even_with_the_right_password(user_factory):
    owner = user_factory(email="owner@example.jp", phone=None)
    attacker = Client()
    for n in range(5):
        _attempt(attacker, owner.email, f"Guess{n}word", "127.0.0.20")

    response = _attempt(attacker, owner.email, TEST_PASSWORD, "127.0.0.20")

    assert response.status_code == 200
    assert not _signed_in(attacker)
    assert "しばらく受け付けを止めています" in response.content.decode()


def test_one_address_trying_many_accounts_is_stopped(user_factory):
    # credential stuffing: one address, one guess per account
    for n in range(10):
        _attempt(Client(), f"victim{n}@example.jp", "Stuffed2026pass", "127.0.0.30")
    owner = user_factory(email="owner@example.jp", phone=None)

    response = _attempt(Client(), owner.email, TEST_PASSWORD, "127.0.0.30")

    assert response.status_code == 200  # refused before the password is checked
    # another address is not affected
    assert _attempt(Client(), owner.email, TEST_PASSWORD, "127.0.0.31").status_code == 302


def test_the_limits_look_the_same_for_an_address_without_an_account(user_factory):
    user_factory(email="owner@example.jp", phone=None)
    pages = {}
    for email in ("owner@example.jp", "nobody@example.jp"):
        attacker = Client()
        for n in range(5):
            _attempt(attacker, email, f"Guess{n}word", "127.0.0.40" if email.startswith("o") else "127.0.0.41")
        response = _attempt(attacker, email, "Guess9word", "127.0.0.40" if email.startswith("o") else "127.0.0.41")
        pages[email] = [str(e) for e in response.context["form"].non_field_errors()]
    assert pages["owner@example.jp"] == pages["nobody@example.jp"]
    assert pages["owner@example.jp"]


def test_a_right_password_gives_back_the_failure_it_was_counted_as(user_factory):
    owner = user_factory(email="owner@example.jp")
    browser = Client()
    for _round in range(3):
        for n in range(3):
            _attempt(browser, owner.email, f"Guess{n}word", "127.0.0.50")
        assert _owner_signs_in(browser, owner, "127.0.0.50").status_code == 302
        assert _signed_in(browser)
        browser.post("/accounts/logout/")
    # 9 failures over three rounds on a device that signs in in between: it is a known
    # device by now, and its own bucket (10) is not full
    assert _attempt(browser, owner.email, TEST_PASSWORD, "127.0.0.50").status_code == 302


def test_the_session_id_is_renewed_when_the_password_is_accepted(client, user_factory):
    from django.contrib.sessions.backends.base import SessionBase

    # given a customer with a phone (the SMS second step follows the password)
    user = user_factory(email="hanako@example.jp")
    # and a session id fixed before sign-in (e.g. planted by an attacker)
    session: SessionBase = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = planted

    response = _attempt(client, user.email, TEST_PASSWORD, "127.0.0.60")

    # then the second step runs under a new id, and the planted id no longer leads anywhere
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"] or "sms" in response["Location"]
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value != planted
    assert not type(session)(planted).exists(planted)


def test_a_stranger_without_the_password_cannot_trip_the_second_factor_lock(user_factory):
    from mfa.internal import guard
    from mfa.models import SecondFactorLock
    from mfa.tests.helpers import enable_totp

    owner = user_factory(email="owner@example.jp")
    enable_totp(owner)
    for n in range(30):
        _attempt(Client(), owner.email, f"Guess{n}word", f"127.0.1.{n + 1}")
        # the API too
        Client().post(
            "/_allauth/app/v1/auth/login",
            {"email": owner.email, "password": f"Guess{n}word", "captcha": solve(Client())},
            content_type="application/json",
            REMOTE_ADDR=f"127.0.2.{n + 1}",
        )

    assert guard.failures_count(owner.pk) == 0
    assert not SecondFactorLock.objects.filter(user=owner).exists()


def test_the_new_device_delay_ends(settings):
    from accounts import lockout

    assert lockout.account_delay("k", 5, now=time.time()) == 0
    settings.MADOGUCHI_LOGIN_LIMITS = {"ACCOUNT_FREE": 2, "ACCOUNT_MAX_DELAY": 8}
    from django.core.cache import cache

    now = time.time()
    cache.set("login:acct-last:k", now, timeout=60)
    assert lockout.account_delay("k", 2, now=now) == 2
    assert lockout.account_delay("k", 3, now=now) == 4
    assert lockout.account_delay("k", 9, now=now) == 8  # capped
    assert lockout.account_delay("k", 9, now=now + 8) == 0
