"""Password reset (product §3): captcha, same answer, SMS code first, 24 h single-use link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import AuditEvent
from recovery.models import PasswordResetGrant
from recovery.tests.conftest import totp_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Kaze-no-tani-2027"


def _request_reset(client, email, solve_captcha):
    return client.post("/recovery/password-reset/", {"email": email, "captcha": solve_captcha()})


def _link(outbox, to):
    mails = [m for m in outbox.emails(to=to) if "/password/reset/key/" in m.body]
    assert mails, [m.kind for m in outbox.emails(to=to)]
    return re.search(r"https?://\S+/accounts/password/reset/key/\S+", mails[-1].body).group(0)


def _set_password(client, link, password=NEW_PASSWORD):
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302, response.status_code  # allauth stashes the key, then redirects
    form_url = response["Location"]
    return client.post(form_url, {"password1": password, "password2": password})


def test_phone_account_gets_sms_code_first_then_the_link(client, user_factory, outbox, solve_captcha):
    # given a customer with a phone, signed in elsewhere, with 2FA
    user = totp_user(user_factory, email="hanako@example.jp", phone="+819012345678")
    other = type(client)()
    other.force_login(user)
    assert other.get("/api/v1/me").status_code == 200
    # when they ask for a reset
    response = _request_reset(client, "hanako@example.jp", solve_captcha)
    # then they are asked for the SMS code and no link has been emailed yet
    assert response.status_code == 302 and response["Location"].endswith("/recovery/password-reset/code/")
    assert not [m for m in outbox.emails(to=user.email) if "/password/reset/key/" in m.body]
    code = outbox.last_sms_code("+819012345678")
    # when the code is entered
    response = client.post("/recovery/password-reset/code/", {"code": code})
    assert response.status_code == 302 and response["Location"].endswith("/sent/")
    # then the link arrives, and the new password can be set once
    link = _link(outbox, user.email)
    response = _set_password(client, link)
    assert response.status_code == 302, response.content[:300]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # afterwards: other sessions ended, 24 h hold, notification, 2FA untouched
    assert other.get("/api/v1/me").status_code == 401
    assert user.withdrawal_hold_until > timezone.now() + dt.timedelta(hours=23, minutes=59)
    assert user.withdrawal_hold_until <= timezone.now() + dt.timedelta(hours=24, minutes=1)
    assert outbox.emails(to=user.email, kind="password_reset")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(user=user, event="password.reset").exists()
    # and the link never works twice
    assert not PasswordResetGrant.objects.filter(user=user, used_at__isnull=True).exists()
    response = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert b"password1" not in response.content


def test_unknown_address_gets_the_same_answer(client, user_factory, outbox, solve_captcha):
    user_factory(email="known@example.jp")
    known = _request_reset(client, "known@example.jp", solve_captcha)
    unknown = type(client)()
    response = _request_reset(unknown, "nobody@example.jp", solve_captcha)
    # then both go to the same code page, which looks the same
    assert response.status_code == known.status_code == 302
    assert response["Location"] == known["Location"]
    page_known = client.get(known["Location"]).content.decode().replace("known@example.jp", "X")
    page_unknown = unknown.get(response["Location"]).content.decode().replace("nobody@example.jp", "X")
    # per-response values: the CSRF token and the CSP nonce of the inlined stylesheet
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"', "", html)  # noqa: E731
    assert strip(page_known) == strip(page_unknown)
    # and no code can ever succeed for the unknown address
    response = unknown.post("/recovery/password-reset/code/", {"code": "123456"})
    assert response.status_code == 200
    assert "sms_code_invalid" not in response.content.decode()  # the message, not the code, is shown


def test_reset_without_captcha_is_refused(client, user_factory, outbox):
    user_factory(email="known@example.jp")
    response = client.post("/recovery/password-reset/", {"email": "known@example.jp"})
    assert response.status_code == 200
    assert not outbox.sms()


def test_account_without_phone_gets_the_link_directly(client, user_factory, outbox, solve_captcha):
    user = user_factory(email="nophone@example.jp", phone=None)
    _request_reset(client, user.email, solve_captcha)
    link = _link(outbox, user.email)
    assert _set_password(client, link).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_link_expires_after_24_hours(client, user_factory, outbox, solve_captcha, time_machine):
    user = user_factory(email="late@example.jp", phone=None)
    time_machine.move_to(timezone.now(), tick=False)
    _request_reset(client, user.email, solve_captcha)
    link = _link(outbox, user.email)
    time_machine.shift(dt.timedelta(hours=24, minutes=1))
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path, follow=True)
    assert b"password1" not in response.content
    user.refresh_from_db()
    assert user.check_password("Passw0rd-test")


def test_link_emailed_by_a_path_that_skipped_the_sms_step_never_works(client, user_factory, outbox):
    # given allauth's plain token for a phone account (e.g. issued by the headless API)
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = user_factory(email="phone@example.jp", phone="+819011112222")
    token = default_token_generator.make_token(user)
    assert not PasswordResetGrant.objects.filter(user=user, sms_verified=True).exists()
    # then the link is refused
    response = client.get(f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{token}/", follow=True)
    assert b"password1" not in response.content


def test_wrong_codes_are_limited(client, user_factory, outbox, solve_captcha):
    user = user_factory(email="guess@example.jp", phone="+819033334444")
    _request_reset(client, user.email, solve_captcha)
    real = outbox.last_sms_code("+819033334444")
    for guess in ("000000", "111111", "222222", "333333", "444444"):
        if guess != real:
            client.post("/recovery/password-reset/code/", {"code": guess})
    # the real code no longer works after five wrong tries: a new code must be requested
    response = client.post("/recovery/password-reset/code/", {"code": real})
    assert response.status_code == 200
    assert not [m for m in outbox.emails(to=user.email) if "/password/reset/key/" in m.body]
    assert get_user_model().objects.get(pk=user.pk).check_password("Passw0rd-test")


def test_headless_reset_of_a_phone_account_needs_the_sms_code(api_client, user_factory, outbox):
    # given the mobile app's reset request (allauth headless) for an account with a phone
    from tests_support.captcha import solve

    user = user_factory(email="app@example.jp", phone="+819066667777")
    response = api_client.post(
        "/_allauth/app/v1/auth/password/request", {"email": user.email, "captcha": solve(api_client.client)}
    )
    assert response.status_code == 200, response.content
    link = _link(outbox, user.email)
    key = link.rstrip("/").rsplit("/", 1)[-1]
    code = outbox.last_sms_code("+819066667777")
    # when the key is used before the SMS code was confirmed, it is refused
    refused = api_client.post("/_allauth/app/v1/auth/password/reset", {"key": key, "password": NEW_PASSWORD})
    assert refused.status_code == 400
    # when the code is confirmed for that key, the same key resets the password once
    wrong = api_client.post("/api/v1/recovery/password-reset/sms-verify", {"key": key + "x", "code": code})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "link_invalid"
    ok = api_client.post("/api/v1/recovery/password-reset/sms-verify", {"key": key, "code": code})
    assert ok.status_code == 200, ok.content
    done = api_client.post("/_allauth/app/v1/auth/password/reset", {"key": key, "password": NEW_PASSWORD})
    assert done.status_code in (200, 401), done.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.withdrawal_hold_until is not None
    again = api_client.post("/_allauth/app/v1/auth/password/reset", {"key": key, "password": "Another-pass-2028"})
    assert again.status_code == 400


@pytest.mark.parametrize("known", [True, False])
def test_resend_within_the_cooldown_says_the_code_is_still_valid(client, user_factory, outbox, solve_captcha, known):
    """Before: "Send a new code" within the cooldown was a 500."""
    user_factory(email="known@example.jp", phone="+819012345678")
    _request_reset(client, "known@example.jp" if known else "nobody@example.jp", solve_captcha)

    response = client.post("/recovery/password-reset/code/", {"action": "resend"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "新しいコードは送っていません。" in page and "に送ったコードはまだ有効です。" in page
    assert len(outbox.sms(to="+819012345678")) == (1 if known else 0)


def test_a_reset_code_for_an_address_without_a_phone_is_two_factor_invalid(rf, user_factory):
    # given a reset started for an account that has no phone (or for no account at all)
    from core.errors import ApplicationError
    from recovery import services
    from recovery.services._common import RESET_SESSION_KEY

    user = user_factory(email="nophone@example.jp", phone=None)
    for uid in (user.pk, None):
        request = rf.post("/recovery/password-reset/code/")
        request.session = {RESET_SESSION_KEY: {"email": "nophone@example.jp", "uid": uid}}
        # when a code is sent, then it is refused as a wrong second-factor code (not sms_code_invalid)
        with pytest.raises(ApplicationError) as refused:
            services.password_reset_code_verify(request=request, code="123456")
        assert (refused.value.code, refused.value.status) == ("two_factor_invalid", 400)
