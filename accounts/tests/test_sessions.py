from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from tests_support.signin import html_sign_in

pytestmark = pytest.mark.django_db


def _login(client, user):
    response = html_sign_in(client, user)  # password, then the SMS code
    assert response.status_code == 302


def test_a_customer_sees_and_ends_other_sessions(user_factory, outbox):
    user = user_factory()
    phone, laptop = Client(HTTP_USER_AGENT="phone"), Client(HTTP_USER_AGENT="laptop")
    _login(phone, user)
    _login(laptop, user)

    page = laptop.get("/security/sessions/")
    assert page.status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2

    # when the customer ends the other sessions from the laptop: a phone-only customer
    # confirms with an SMS code (ending sessions is a security change, mfa/perimeter.py)
    asked = laptop.post("/security/sessions/", {})
    assert asked.status_code == 200 and "SMS" in asked.content.decode()
    laptop.post("/security/step-up/sms/", {"action": "sessions_end", "next": "/security/sessions/"})
    ended = laptop.post("/security/sessions/", {"code": outbox.last_sms_code(user.phone)})
    assert ended.status_code == 302, ended.content.decode()[:3000]

    # then the phone is signed out and the laptop is not
    assert phone.get("/account/activity/").status_code == 302
    assert laptop.get("/account/activity/").status_code == 200


def test_activity_page_shows_own_events_only(client, user_factory):
    me, other = user_factory(), user_factory()
    _login(client, other)
    client.post("/accounts/logout/")
    _login(client, me)

    page = client.get("/account/activity/").content.decode()

    # my sign-in is listed; the other customer's sign-out is not
    assert '<td class="cell-title">ログイン</td>' in page
    assert "ログアウト</td>" not in page


def test_session_activity_is_written_at_most_once_a_minute(client, user_factory):
    import time_machine

    user = user_factory()
    _login(client, user)
    client.get("/account/activity/")
    session = UserSession.objects.get(user=user)
    first_seen = session.last_seen_at

    with time_machine.travel(first_seen.timestamp() + 5, tick=False):
        client.get("/account/activity/")
        client.get("/account/activity/")
    session.refresh_from_db()
    assert session.last_seen_at == first_seen  # not rewritten on every request

    # a request from a new address is recorded at once
    client.get("/account/activity/", REMOTE_ADDR="10.0.0.9")
    session.refresh_from_db()
    assert session.ip == "10.0.0.9"


def test_ended_sessions_are_purged_by_the_periodic_job(user_factory):
    from accounts.tasks import usersessions_purge

    user = user_factory()
    browser, other = Client(HTTP_USER_AGENT="browser"), Client(HTTP_USER_AGENT="other")
    _login(browser, user)
    _login(other, user)
    other.post("/accounts/logout/")
    # signing out leaves allauth's row until a purge
    assert UserSession.objects.filter(user=user).count() == 2

    assert usersessions_purge() == 1

    assert UserSession.objects.filter(user=user).count() == 1
    assert browser.get("/account/activity/").status_code == 200


def test_a_deactivated_account_is_signed_out_on_its_next_request(client: Any, user_factory: Any) -> None:
    """Requests load their user from a copy in the process (accounts/usercache.py); a change
    saved anywhere (here: another process's instance) takes effect on the next request."""
    user = user_factory()
    client.force_login(user)
    assert client.get("/").context["user"].is_authenticated
    elsewhere = type(user).objects.get(pk=user.pk)
    elsewhere.is_active = False
    elsewhere.save()
    assert not client.get("/").context["user"].is_authenticated


def test_a_password_change_elsewhere_ends_the_session_on_its_next_request(client: Any, user_factory: Any) -> None:
    user = user_factory()
    client.force_login(user)
    assert client.get("/").context["user"].is_authenticated
    elsewhere = type(user).objects.get(pk=user.pk)
    elsewhere.set_password("An0ther-passw0rd")
    elsewhere.save()
    assert not client.get("/").context["user"].is_authenticated


def test_signed_in_pages_reuse_the_process_copy_of_the_user(client: Any, user_factory: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = user_factory()
    client.force_login(user)
    client.get("/healthz")  # the sign-in's after-commit version bump runs at the end of this one
    client.get("/healthz")
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")
    assert [q["sql"] for q in queries if "accounts_user" in q["sql"]] == []
    # a change made with QuerySet.update() must say so (usercache.bump); then it is seen
    from accounts import usercache

    type(user).objects.filter(pk=user.pk).update(is_active=False)
    usercache.bump(user.pk)
    assert client.get("/healthz").wsgi_request.user.is_authenticated is False


def test_a_failed_version_bump_drops_this_processs_copy(user_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared cache refusing the bump (Redis down or erroring) must not leave this
    process serving its copy of the old row: the copy is dropped, the next load reads the
    database."""
    from django.core.cache import cache

    from accounts import usercache
    from core import versions

    user = user_factory()
    assert usercache.load(user.pk).is_active
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    class RefusingWrites:
        def __getattr__(self, name: str) -> Any:
            return getattr(cache, name)

        def incr(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("redis down")

        add = incr

    monkeypatch.setattr(versions, "cache", RefusingWrites())
    usercache.bump(user.pk)
    # the version in the shared cache did not move, yet the stale copy is not served
    assert usercache.load(user.pk).is_active is False
