"""'I can't use my authenticator' (product §4a) and freezing (§4c)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from accounts.services import ensure_not_frozen
from core.errors import ApplicationError
from core.models import AuditEvent
from recovery.tests.conftest import sign_in_to_2fa_step, totp_user

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _start(client, user, outbox):
    sign_in_to_2fa_step(client, user)
    page = client.get("/recovery/authenticator-lost/")
    assert page.status_code == 200 and b"send-recovery" in page.content
    response = client.post("/recovery/authenticator-lost/")
    assert response.status_code == 200 and b"recovery-sent" in response.content
    mail = outbox.emails(to=user.email, kind="authenticator_lost_link")[-1]
    link = re.search(r"https?://\S+/recovery/authenticator-lost/confirm/\S+/", mail.body).group(0)
    return _path(link), outbox.last_sms_code(user.phone)


def test_self_service_removes_2fa_holds_withdrawals_and_offers_a_freeze(client, user_factory, outbox):
    # given a customer at the 2FA step who lost the authenticator
    user = totp_user(user_factory, email="lost@example.jp", phone="+819055556666")
    link, code = _start(client, user, outbox)
    # when they open the emailed link (another browser is fine) and enter the SMS code
    browser = type(client)()
    assert browser.get(link).status_code == 200
    response = browser.post(link, {"code": code})
    # then every authenticator is gone, withdrawals are held 72 h, and an email offers a freeze
    assert response.status_code == 200 and b"recovery-done" in response.content
    assert not Authenticator.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.withdrawal_hold_until >= timezone.now() + dt.timedelta(hours=71, minutes=59)
    mail = outbox.emails(to=user.email, kind="authenticator_recovered")[-1]
    assert code not in mail.body
    freeze = _path(re.search(r"https?://\S+/recovery/freeze/confirm/\S+/", mail.body).group(0))
    assert AuditEvent.objects.filter(user=user, event="recovery.self_service_completed").exists()
    # when "this wasn't me" is clicked: a GET (mail scanners) never freezes, the button does
    assert browser.get(freeze).status_code == 200
    user.refresh_from_db()
    assert user.frozen_at is None
    assert browser.post(freeze).status_code == 200
    user.refresh_from_db()
    assert user.frozen_at is not None
    with pytest.raises(ApplicationError) as refused:
        ensure_not_frozen(user)
    assert refused.value.code == "account_frozen"
    # and the link cannot be used again
    assert browser.post(link, {"code": code}).status_code == 400


def test_wrong_code_does_not_remove_2fa(client, user_factory, outbox):
    user = totp_user(user_factory, email="guess@example.jp", phone="+819077778888")
    link, code = _start(client, user, outbox)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(link, {"code": wrong})
    assert response.status_code == 200 and b"recovery-done" not in response.content
    assert Authenticator.objects.filter(user=user).exists()


def test_page_needs_the_password_step_first(client, user_factory):
    totp_user(user_factory, email="x@example.jp")
    response = client.get("/recovery/authenticator-lost/")
    assert b"send-recovery" not in response.content
    assert client.post("/recovery/authenticator-lost/").status_code == 200


def test_expired_link_is_refused(client, user_factory, outbox, time_machine):
    user = totp_user(user_factory, email="slow@example.jp", phone="+819012121212")
    time_machine.move_to(timezone.now(), tick=False)
    link, code = _start(client, user, outbox)
    time_machine.shift(dt.timedelta(minutes=31))
    assert client.post(link, {"code": code}).status_code == 400
    assert Authenticator.objects.filter(user=user).exists()


def test_signed_in_freeze_api_freezes_and_ends_other_sessions(api_client, user_factory, client):
    user = user_factory(email="thief@example.jp")
    other = type(client)()
    other.force_login(user)
    assert other.get("/api/v1/me").status_code == 200  # the other device is in use
    api_client.client.force_login(user)
    response = api_client.post("/api/v1/account/freeze", headers={"X-CSRFToken": "x"})
    # session-cookie calls need CSRF: use the headless token path instead when refused
    if response.status_code == 403:
        api_client.client.cookies.clear()
        api_client.login_app(user.email)
        response = api_client.post("/api/v1/account/freeze")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.frozen_at is not None
    assert other.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(user=user, event="account.frozen").exists()


def test_freeze_request_same_answer_and_link(api_client, user_factory, outbox, solve_captcha):
    from tests_support.captcha import solve

    user = user_factory(email="owner@example.jp")
    known = api_client.post(
        "/api/v1/account/freeze-request", {"email": user.email, "captcha": solve(api_client.client)}
    )
    unknown = api_client.post(
        "/api/v1/account/freeze-request", {"email": "nobody@example.jp", "captcha": solve(api_client.client)}
    )
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"ok": True, "frozen": None}
    assert not outbox.emails(to="nobody@example.jp", kind="freeze_link")
    mail = outbox.emails(to=user.email, kind="freeze_link")[-1]
    link = _path(re.search(r"https?://\S+/recovery/freeze/confirm/\S+/", mail.body).group(0))
    assert api_client.client.post(link).status_code == 200
    user.refresh_from_db()
    assert user.frozen_at is not None


def test_freeze_request_needs_a_captcha(api_client, user_factory, outbox):
    user = user_factory(email="owner2@example.jp")
    response = api_client.post("/api/v1/account/freeze-request", {"email": user.email})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "captcha_invalid"
    assert not outbox.emails(kind="freeze_link")


def test_tampered_freeze_link_is_refused(client, user_factory):
    from recovery.services import freeze_link

    user = user_factory(email="owner3@example.jp")
    link = _path(freeze_link(user))
    response = client.post(link[:-3] + "xx/")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.frozen_at is None


def test_frozen_account_cannot_remove_2fa_by_self_service(client, user_factory, outbox):
    from accounts.services import account_freeze

    user = totp_user(user_factory, email="frozen@example.jp", phone="+819013572468")
    link, code = _start(client, user, outbox)
    account_freeze(user=user, reason="customer_request")  # e.g. the owner froze it meanwhile
    response = client.post(link, {"code": code})
    assert response.status_code == 200 and b"recovery-done" not in response.content
    assert Authenticator.objects.filter(user=user).exists()
    again = client.post("/recovery/authenticator-lost/")
    assert b"recovery-sent" not in again.content


def test_signed_in_freeze_page(client, user_factory):
    user = user_factory(email="page@example.jp")
    client.force_login(user)
    assert b"freeze-now" in client.get("/recovery/freeze/").content
    response = client.post("/recovery/freeze/")
    assert response.status_code == 200 and b"freeze-done" in response.content
    user.refresh_from_db()
    assert user.frozen_at is not None


def test_signed_out_freeze_request_page(client, user_factory, outbox, solve_captcha):
    user = user_factory(email="page2@example.jp")
    response = client.post("/recovery/freeze/request/", {"email": user.email, "captcha": solve_captcha()})
    assert b"freeze-request-sent" in response.content
    assert outbox.emails(to=user.email, kind="freeze_link")
    refused = client.post("/recovery/freeze/request/", {"email": user.email})
    assert b"freeze-request-sent" not in refused.content
