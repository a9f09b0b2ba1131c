"""/security/sessions/ and the headless session list: live sessions only, named devices,
ending one session at a time (with the second factor; this one signs the customer out),
renaming, and another customer's session is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from core.models import AuditEvent
from tests_support.signin import app_sign_in, html_sign_in

pytestmark = pytest.mark.django_db

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
APP = "/_allauth/app/v1"


def _signed_in(user: Any, user_agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    response = html_sign_in(client, user)  # password, then the SMS code
    assert response.status_code == 302
    return client


def _row(user: Any, user_agent: str) -> UserSession:
    return UserSession.objects.get(user=user, user_agent=user_agent)


def _sms_code(client: Client, user: Any, outbox: Any, next_url: str = "/security/sessions/") -> str:
    sent = client.post("/security/step-up/sms/", {"action": "sessions_end", "next": next_url})
    assert sent.status_code == 302
    return outbox.last_sms_code(user.phone)


def _signed_in_now(client: Client) -> bool:
    return client.get("/account/activity/").status_code == 200


def test_devices_are_named_and_only_live_sessions_are_listed(user_factory: Any) -> None:
    # given a customer signed in on a Windows PC, an iPhone and a third browser that signs out
    user = user_factory()
    pc = _signed_in(user, WINDOWS_CHROME)
    phone = _signed_in(user, IPHONE_SAFARI)
    gone = _signed_in(user, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
    gone.post("/accounts/logout/")
    # and the phone's session expires in the store (the row stays until the hourly purge)
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore().delete(phone.session.session_key)
    assert UserSession.objects.filter(user=user).count() == 3

    # when the customer opens the sessions page on the PC
    page = pc.get("/security/sessions/").content.decode()

    # then the PC is listed by name as this device; the ended ones are not listed
    assert "Windows の Chrome" in page
    assert "この端末" in page
    assert "Firefox" not in page and "iPhone" not in page
    assert page.count("data-session=") == 1
    # the security overview lists the same
    overview = pc.get("/security/").content.decode()
    assert "Windows の Chrome" in overview and "Firefox" not in overview


def test_english_device_names(user_factory: Any) -> None:
    user = user_factory(language="en")
    _signed_in(user, IPHONE_SAFARI)
    pc = _signed_in(user, WINDOWS_CHROME)
    pc.cookies["django_language"] = "en"
    page = pc.get("/security/sessions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chrome on Windows" in page and "Safari on iPhone" in page


def test_a_customer_ends_one_other_session_with_the_second_factor(user_factory: Any, outbox: Any) -> None:
    # given a customer on a PC, an iPhone and a tablet
    user = user_factory()
    pc = _signed_in(user, WINDOWS_CHROME)
    phone = _signed_in(user, IPHONE_SAFARI)
    tablet = _signed_in(user, "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Version/17.1 Safari")
    target = _row(user, IPHONE_SAFARI)

    # when she presses "Sign out" on the iPhone's row: she is asked to confirm, with her code
    ask = pc.get(f"/security/sessions/?end={target.pk}").content.decode()
    assert "iPhone の Safari をログアウトさせますか？" in ask
    assert f'name="session" value="{target.pk}"' in ask
    # without the code nothing ends, and the question stays on screen
    refused = pc.post("/security/sessions/", {"session": target.pk})
    assert refused.status_code == 200
    assert "iPhone の Safari をログアウトさせますか？" in refused.content.decode()
    assert _signed_in_now(phone)
    # the SMS step-up comes back to the same question
    code = _sms_code(pc, user, outbox, next_url=f"/security/sessions/?end={target.pk}")
    done = pc.post("/security/sessions/", {"session": target.pk, "code": code})
    assert done.status_code == 302 and done["Location"] == "/security/sessions/"

    # then the iPhone alone is signed out
    after = pc.get("/security/sessions/").content.decode()
    assert "iPhone の Safari をログアウトさせました。" in after
    assert after.count("data-session=") == 2
    assert not _signed_in_now(phone)
    assert _signed_in_now(tablet) and _signed_in_now(pc)
    assert not UserSession.objects.filter(pk=target.pk).exists()
    # audited and notified through the security service
    event = AuditEvent.objects.filter(user=user, event="sessions.ended").latest("id")
    assert event.data["count"] == 1 and event.data["current"] is False
    assert outbox.emails(to=user.email, kind="sessions_ended")


def test_ending_this_session_signs_the_customer_out(user_factory: Any, outbox: Any) -> None:
    user = user_factory()
    pc = _signed_in(user, WINDOWS_CHROME)
    phone = _signed_in(user, IPHONE_SAFARI)
    mine = _row(user, WINDOWS_CHROME)
    ask = pc.get(f"/security/sessions/?end={mine.pk}").content.decode()
    assert "いまお使いの端末です。この端末でもログアウトします。" in ask

    code = _sms_code(pc, user, outbox, next_url=f"/security/sessions/?end={mine.pk}")
    done = pc.post("/security/sessions/", {"session": mine.pk, "code": code})

    assert done.status_code == 302 and done["Location"].startswith("/accounts/login/")
    assert not _signed_in_now(pc)
    assert _signed_in_now(phone)
    assert list(UserSession.objects.filter(user=user).values_list("user_agent", flat=True)) == [IPHONE_SAFARI]


def test_another_customers_session_is_a_404(user_factory: Any, outbox: Any) -> None:
    # given two customers, each signed in
    me, other = user_factory(), user_factory()
    mine = _signed_in(me, WINDOWS_CHROME)
    theirs = _signed_in(other, IPHONE_SAFARI)
    their_row = _row(other, IPHONE_SAFARI)

    # when I try to confirm, end or rename their session with my own valid code
    assert mine.get(f"/security/sessions/?end={their_row.pk}").status_code == 404
    assert mine.get(f"/security/sessions/?rename={their_row.pk}").status_code == 404
    assert mine.get("/security/sessions/?end=abc").status_code == 404
    code = _sms_code(mine, me, outbox)
    assert mine.post("/security/sessions/", {"session": their_row.pk, "code": code}).status_code == 404
    assert mine.post("/security/sessions/", {"session": their_row.pk, "label": "mine now"}).status_code == 404

    # then their session is untouched
    assert _signed_in_now(theirs)
    their_row.refresh_from_db()
    assert their_row.data == {}


def test_a_customer_names_a_device(user_factory: Any) -> None:
    user = user_factory()
    pc = _signed_in(user, WINDOWS_CHROME)
    row = _row(user, WINDOWS_CHROME)

    form = pc.get(f"/security/sessions/?rename={row.pk}").content.decode()
    assert 'name="label"' in form
    saved = pc.post("/security/sessions/", {"session": row.pk, "label": "  会社の　パソコン "})
    assert saved.status_code == 302

    page = pc.get("/security/sessions/").content.decode()
    assert "会社の パソコン" in page  # NFKC, spaces collapsed
    assert "Windows の Chrome" in page  # the parsed name stays visible under it
    assert AuditEvent.objects.filter(user=user, event="sessions.renamed").count() == 1
    # too long is refused with the reason; empty goes back to the parsed name
    long = pc.post("/security/sessions/", {"session": row.pk, "label": "x" * 41})
    assert long.status_code == 200 and "40 文字以内で入力してください。" in long.content.decode()
    pc.post("/security/sessions/", {"session": row.pk, "label": ""})
    row.refresh_from_db()
    assert row.data == {}


def test_the_app_lists_named_live_sessions_renames_and_ends_one(
    api_client: Any, user_factory: Any, outbox: Any
) -> None:
    # given a customer signed in in the app and in a browser that has signed out
    user = user_factory()
    browser = _signed_in(user, WINDOWS_CHROME)
    pc_row = _row(user, WINDOWS_CHROME)
    left = _signed_in(user, IPHONE_SAFARI)
    left.post("/accounts/logout/")
    assert app_sign_in(api_client, user).status_code == 200

    # when the app lists the sessions
    listed = api_client.get(f"{APP}/auth/sessions")
    assert listed.status_code == 200
    rows = {s["id"]: s for s in listed.json()["data"]}
    # then only live ones, with allauth's fields and the device name and label added
    assert set(rows) == {pc_row.pk, *[s.pk for s in UserSession.objects.filter(user=user).exclude(pk=pc_row.pk)]}
    assert len(rows) == 2
    assert rows[pc_row.pk]["device"] == "Windows の Chrome" and rows[pc_row.pk]["label"] == ""
    assert {"user_agent", "ip", "created_at", "is_current", "id"} <= set(rows[pc_row.pk])

    # the app names the PC
    renamed = api_client.put(f"{APP}/auth/sessions", {"session": pc_row.pk, "label": "自宅PC"})
    assert renamed.status_code == 200
    assert {s["id"]: s["label"] for s in renamed.json()["data"]}[pc_row.pk] == "自宅PC"

    # and ends it alone, after a second-factor re-authentication
    assert api_client.post("/api/v1/security/step-up/sms", {"action": "reauthenticate"}).status_code == 202
    sms = outbox.last_sms_code(user.phone)
    assert api_client.post(f"{APP}/auth/2fa/reauthenticate", {"code": sms}).status_code == 200
    ended = api_client.client.delete(
        f"{APP}/auth/sessions",
        {"sessions": [pc_row.pk]},
        content_type="application/json",
        headers={"X-Session-Token": api_client.token},
    )
    assert ended.status_code == 200, ended.content
    assert [s["is_current"] for s in ended.json()["data"]] == [True]
    assert not _signed_in_now(browser)


def test_the_app_cannot_name_or_end_another_customers_session(api_client: Any, user_factory: Any) -> None:
    me, other = user_factory(), user_factory()
    theirs = _signed_in(other, IPHONE_SAFARI)
    their_row = _row(other, IPHONE_SAFARI)
    assert app_sign_in(api_client, me).status_code == 200

    renamed = api_client.put(f"{APP}/auth/sessions", {"session": their_row.pk, "label": "x"})
    assert renamed.status_code == 404
    assert renamed.json()["error"]["code"] == "not_found"
    ended = api_client.client.delete(
        f"{APP}/auth/sessions",
        {"sessions": [their_row.pk]},
        content_type="application/json",
        headers={"X-Session-Token": api_client.token},
    )
    assert ended.status_code == 400  # allauth's input refuses an id that is not the caller's
    assert _signed_in_now(theirs)
    their_row.refresh_from_db()
    assert their_row.data == {}


def test_the_list_reads_each_other_session_once(user_factory: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = user_factory()
    clients = [_signed_in(user, f"{WINDOWS_CHROME} {n}") for n in range(5)]
    here = clients[-1]
    here.get("/security/sessions/")  # activity recorded, process copies warm
    with CaptureQueriesContext(connection) as queries:
        page = here.get("/security/sessions/").content.decode()
    assert page.count("data-session=") == 5
    # this session, the rows, then one store read per other session (no per-row user query)
    assert len(queries) <= 3 + 5, [q["sql"] for q in queries]
