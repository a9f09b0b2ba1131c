"""The bypasses of issue 11 (my part), each as an attacker would try it.

Every test here fails on the code before the perimeter: allauth's own pages and
headless endpoints changed security state with a password at most, ignored freezes,
let recovery codes be read later, and audited only ``email.confirmed``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from core.models import AuditEvent
from mfa.tests.helpers import DEMO_SECRET, code_at, enable_totp, recovery_codes

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)
PW = "Passw0rd-test"


def _code(offset: int = 0) -> str:
    return code_at(DEMO_SECRET, T0.timestamp() + offset * 30)


def _browser(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _post(client, path, body=None, method="post"):
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def _events(user) -> list[str]:
    return list(AuditEvent.objects.filter(user_id=user.pk).values_list("event", flat=True))


@pytest.fixture
def taro(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory(email="taro@example.jp", language="en")
    enable_totp(user)
    return user


# --- headless: a password re-authentication is not a second factor -----------------------


@pytest.mark.parametrize("kind", ["browser"])
def test_password_reauthentication_cannot_remove_totp_or_read_recovery_codes(taro, kind):
    client = _browser(taro)
    base = f"/_allauth/{kind}/v1"
    assert _post(client, f"{base}/auth/reauthenticate", {"password": PW}).status_code == 200
    # the recovery codes are never listed later, whatever the re-authentication
    listed = client.get(f"{base}/account/authenticators/recovery-codes")
    assert listed.status_code == 200 and "unused_codes" not in listed.json()["data"]
    # and TOTP stays
    removed = _post(client, f"{base}/account/authenticators/totp", method="delete")
    assert removed.status_code == 401
    flows = {f["id"]: f for f in removed.json()["data"]["flows"]}
    assert flows["mfa_reauthenticate"]["is_pending"] and "reauthenticate" not in flows
    assert Authenticator.objects.filter(user=taro, type=Authenticator.Type.TOTP).exists()


def test_a_second_factor_reauthentication_allows_one_change_only(taro, time_machine, outbox):
    client = _browser(taro)
    base = "/_allauth/browser/v1"
    assert _post(client, f"{base}/auth/2fa/reauthenticate", {"code": _code()}).status_code == 200
    fresh = _post(client, f"{base}/account/authenticators/recovery-codes")
    assert fresh.status_code == 200
    codes = fresh.json()["data"]["unused_codes"]
    assert len(codes) == 10 and codes == recovery_codes(taro)
    # the same re-authentication does not also turn TOTP off
    assert _post(client, f"{base}/account/authenticators/totp", method="delete").status_code == 401
    # the regeneration was audited, notified, and holds withdrawals with a freeze link in the mail
    assert "mfa.recovery_codes_generated" in _events(taro)
    mail = outbox.emails(to=taro.email, kind="mfa_recovery_codes_regenerated")[-1]
    assert "withdrawals are held until" in mail.body and "/recovery/freeze/confirm/" in mail.body
    assert get_user_model().objects.get(pk=taro.pk).withdrawal_hold_until == T0 + dt.timedelta(hours=24)


def test_frozen_account_cannot_change_password_add_email_or_remove_totp_headless(taro):
    from accounts.services import account_freeze

    client = _browser(taro)
    assert _post(client, "/_allauth/browser/v1/auth/2fa/reauthenticate", {"code": _code()}).status_code == 200
    account_freeze(user=taro, reason="lost phone")
    base = "/_allauth/browser/v1/account"
    answers = [
        _post(client, f"{base}/password/change", {"current_password": PW, "new_password": "Another-passw0rd-9"}),
        _post(client, f"{base}/email", {"email": "thief@example.org"}),
        _post(client, f"{base}/authenticators/totp", method="delete"),
    ]
    for answer in answers:
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "account_frozen", answer.content
    taro.refresh_from_db()
    assert taro.check_password(PW) and taro.email == "taro@example.jp"
    assert Authenticator.objects.filter(user=taro, type=Authenticator.Type.TOTP).exists()


def test_email_takeover_through_headless_is_audited_and_held(taro, outbox, time_machine):
    client = _browser(taro)
    assert _post(client, "/_allauth/browser/v1/auth/2fa/reauthenticate", {"code": _code()}).status_code == 200
    start = _post(client, "/_allauth/browser/v1/account/email", {"email": "new@example.jp"})
    assert start.status_code == 202, start.content
    confirmation = outbox.last_email_code("new@example.jp")
    done = _post(
        client, "/_allauth/browser/v1/account/email", {"email": "new@example.jp", "confirmation": confirmation}
    )
    assert done.status_code == 200, done.content
    assert [a["email"] for a in done.json()["data"]] == ["new@example.jp"]
    events = _events(taro)
    assert "account.email_change_requested" in events and "account.email_changed" in events
    old = outbox.emails(to="taro@example.jp", kind="email_changed")[-1]
    assert "/recovery/freeze/confirm/" in old.body and "withdrawals are held until" in old.body


def test_allauth_extra_email_addresses_cannot_be_added(taro):
    # allauth's "add an address, verify it, make it primary" path is not offered
    client = _browser(taro)
    assert _post(client, "/_allauth/browser/v1/auth/2fa/reauthenticate", {"code": _code()}).status_code == 200
    for method in ("put", "patch", "delete"):
        answer = _post(client, "/_allauth/browser/v1/account/email", {"email": "thief@example.org"}, method=method)
        assert answer.status_code == 405


# --- pages ------------------------------------------------------------------------------


def test_recovery_codes_can_be_downloaded_only_right_after_they_are_created(taro, time_machine):
    client = _browser(taro)
    made = client.post("/security/recovery-codes/", {"code": _code()})
    assert made.status_code == 302
    assert client.get("/security/recovery-codes/download/").status_code == 200
    time_machine.move_to(T0 + dt.timedelta(minutes=16), tick=False)
    late = client.get("/security/recovery-codes/download/")
    assert late.status_code == 302
    page = client.get("/security/recovery-codes/").content.decode()
    assert not any(code in page for code in recovery_codes(taro))


def test_password_change_page_asks_for_the_second_factor_and_holds_withdrawals(taro, outbox):
    client = _browser(taro)
    body = {"current_password": PW, "new_password": "Another-passw0rd-9"}
    refused = client.post("/security/password/", body)
    assert refused.status_code == 200 and "authenticator app" in refused.content.decode()
    taro.refresh_from_db()
    assert taro.check_password(PW)
    done = client.post("/security/password/", {**body, "code": _code()})
    assert done.status_code == 302
    taro.refresh_from_db()
    assert taro.check_password("Another-passw0rd-9")
    assert taro.withdrawal_hold_until == T0 + dt.timedelta(hours=24)
    assert "password.changed" in _events(taro)
    mail = outbox.emails(to=taro.email, kind="password_changed")[-1]
    assert "2026-11-22 12:00 JST" in mail.body and "/recovery/freeze/confirm/" in mail.body
    assert PW not in mail.body and "Another-passw0rd-9" not in mail.body


def test_cool_down_hours_come_from_the_operator_setting(taro, settings):
    settings.MADOGUCHI_SECURITY_CHANGE_HOLD_HOURS = 72
    client = _browser(taro)
    client.post("/security/anti-phishing/", {"value": "sakura", "code": _code()})
    taro.refresh_from_db()
    assert taro.withdrawal_hold_until is None  # the anti-phishing code is not a sign-in factor
    client.post("/security/totp/disable/", {"code": _code(1)})
    taro.refresh_from_db()
    assert taro.withdrawal_hold_until == T0 + dt.timedelta(hours=72)


# --- passkeys: the second factor comes before the credential ------------------------------


def test_passkey_creation_options_need_the_second_factor_first(taro):
    client = _browser(taro)
    # pages: no creation options before the step-up
    assert client.get("/security/passkeys/add/options/").status_code == 401
    page = client.get("/security/passkeys/add/").content.decode()
    assert 'id="passkey-authorise"' in page and 'id="passkey-create-form"' not in page
    assert client.post("/security/passkeys/add/", {"step": "authorise", "code": _code()}).status_code == 302
    options = client.get("/security/passkeys/add/options/")
    assert options.status_code == 200 and "challenge" in options.json()["creation_options"]["publicKey"]
    # headless: a password re-authentication gives no creation options either
    other = _browser(taro)
    assert _post(other, "/_allauth/browser/v1/auth/reauthenticate", {"password": PW}).status_code == 200
    assert other.get("/_allauth/browser/v1/account/authenticators/webauthn").status_code == 401
    assert _post(other, "/_allauth/browser/v1/account/authenticators/webauthn", {"credential": {}}).status_code == 401


def test_passkey_page_explains_when_webauthn_is_unavailable(taro):
    client = _browser(taro)
    client.post("/security/passkeys/add/", {"step": "authorise", "code": _code()})
    page = client.get("/security/passkeys/add/").content.decode()
    assert 'id="webauthn-unavailable"' in page and "localhost" in page


# --- a replayed TOTP code is refused on every interface -------------------------------------


def _replayed(text: str) -> bool:
    return "already been used" in text or "すでに使用されています" in text


def _html_sign_in(user):
    from tests_support.captcha import solve

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"login": user.email, "password": PW, "captcha": solve(client)})
    return client


def _app_sign_in(api_client_class, user):
    api = api_client_class()
    assert api.login_app(user.email).status_code == 401
    return api


@pytest.mark.parametrize("interface", ["html", "app", "browser", "api_v1", "html_after_cache_flush"])
def test_a_replayed_totp_code_is_refused(interface, taro, api_client):
    used = _code()
    first = _browser(taro)
    assert first.post("/security/anti-phishing/", {"value": "sakura", "code": used}).status_code == 302
    assert get_user_model().objects.get(pk=taro.pk).anti_phishing_code == "sakura"
    if interface.endswith("cache_flush"):
        cache.clear()  # Redis restarted: the database still remembers the step
    if interface.startswith("html"):
        client = _html_sign_in(taro)
        answer = client.post("/accounts/2fa/authenticate/", {"code": used})
        assert answer.status_code == 200 and _replayed(answer.content.decode())
    elif interface == "app":
        api = _app_sign_in(type(api_client), taro)
        answer = api.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": used})
        assert answer.status_code == 400 and _replayed(str(answer.json()["errors"]))
    elif interface == "browser":
        client = _browser(taro)
        answer = _post(client, "/_allauth/browser/v1/auth/2fa/reauthenticate", {"code": used})
        assert answer.status_code == 400 and _replayed(str(answer.json()["errors"]))
    else:
        client = _browser(taro)
        answer = _post(client, "/api/v1/security/anti-phishing-code", {"value": "umeboshi", "code": used})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "two_factor_invalid"
        assert get_user_model().objects.get(pk=taro.pk).anti_phishing_code == "sakura"


def test_an_earlier_step_in_the_window_is_refused_after_a_later_one(taro):
    # RFC 6238 §5.2: once step T is accepted, T-1 (still inside the ±1 window) is not
    client = _browser(taro)
    assert client.post("/security/anti-phishing/", {"value": "sakura", "code": _code(1)}).status_code == 302
    cache.clear()  # (with Redis sessions this also signs the client out: sign in again)
    client = _browser(taro)
    answer = _post(client, "/api/v1/security/anti-phishing-code", {"value": "umeboshi", "code": _code(0)})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "two_factor_invalid"


# --- customers with only a phone re-authenticate with an SMS code ---------------------------


def test_sms_customer_reauthenticates_headless_with_an_sms_code(user_factory, outbox):
    hanako = user_factory(language="en")
    client = _browser(hanako)
    base = "/_allauth/browser/v1"
    refused = _post(client, f"{base}/account/password/change", {"current_password": PW, "new_password": "Another-9x"})
    assert refused.status_code == 401
    flows = {f["id"]: f for f in refused.json()["data"]["flows"]}
    assert flows["mfa_reauthenticate"]["types"] == ["sms"]
    assert _post(client, "/api/v1/security/step-up/sms", {"action": "reauthenticate"}).status_code == 202
    code = outbox.last_sms_code(hanako.phone)
    assert _post(client, f"{base}/auth/2fa/reauthenticate", {"code": code}).status_code == 200
    ok = _post(
        client, f"{base}/account/password/change", {"current_password": PW, "new_password": "Another-passw0rd-9"}
    )
    assert ok.status_code == 200, ok.content


def test_passkey_removal_needs_the_second_factor_and_is_audited(taro, outbox):
    passkey = Authenticator.objects.create(user=taro, type=Authenticator.Type.WEBAUTHN, data={"name": "old phone"})
    other = Authenticator.objects.create(
        user=taro.__class__.objects.create_user(email="other@example.jp", password=PW),
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "not yours"},
    )
    client = _browser(taro)
    # without a code: refused, the passkey stays
    client.post("/security/passkeys/", {"passkey": passkey.pk})
    assert Authenticator.objects.filter(pk=passkey.pk).exists()
    # someone else's passkey: not found, even with a good code
    client.post("/security/passkeys/", {"passkey": other.pk, "code": _code()})
    assert Authenticator.objects.filter(pk=other.pk).exists()
    # with the code: removed, audited, notified with the cool-down
    client.post("/security/passkeys/", {"passkey": passkey.pk, "code": _code(1)})
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()
    assert "mfa.passkey_removed" in _events(taro)
    assert "withdrawals are held until" in outbox.emails(to=taro.email, kind="mfa_authenticator_removed")[-1].body
