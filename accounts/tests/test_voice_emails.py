"""Every email the product sends speaks in its own voice, in the customer's saved language.

allauth's mails are rendered from our templates (templates/account/email/); ours from
``<app>/templates/email/``. For each one: no stock allauth wording, a subject in the
customer's language, times in JST with the zone shown, links on SITE_URL only (never the
host a request came in on), and the freeze link where a security change is announced.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import translation

from core.notify import deliver_email, send_email
from tests_support.stock_text import stock_phrases_in

pytestmark = pytest.mark.django_db

SITE = "https://madoguchi.example"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)

# allauth's mails that this configuration can send, with what allauth puts in the context.
ALLAUTH_MAILS = {
    "account/email/email_confirmation_signup": {"code": "ABCD-EFGH"},
    "account/email/email_confirmation": {"code": "ABCD-EFGH"},
    "account/email/email_confirm": {},
    "account/email/account_already_exists": {
        "signup_url": "http://127.0.0.1:8000/accounts/signup/",
        "password_reset_url": "http://127.0.0.1:8000/accounts/password/reset/",
    },
    "account/email/unknown_account": {"signup_url": "http://127.0.0.1:8000/accounts/signup/"},
    "account/email/password_reset_key": {
        "password_reset_url": "http://127.0.0.1:8000/accounts/password/reset/key/1-abc/",
    },
    "account/email/login_code": {"code": "ABCD-EFGH"},
    "account/email/password_reset_code": {"code": "ABCD-EFGH"},
}
# allauth's notifications (send_notification_mail: time, IP and browser of the change).
ALLAUTH_NOTIFICATIONS = {
    "account/email/password_reset": {},
    "account/email/password_changed": {},
    "account/email/password_set": {},
    "account/email/email_changed": {"from_email": "old@example.jp", "to_email": "new@example.jp"},
    "account/email/email_deleted": {"deleted_email": "old@example.jp"},
    "socialaccount/email/account_connected": {"provider": type("P", (), {"name": "LINE"})()},
    "socialaccount/email/account_disconnected": {"provider": type("P", (), {"name": "LINE"})()},
}
ALLAUTH_PREFIXES = [*ALLAUTH_MAILS, *ALLAUTH_NOTIFICATIONS]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _request(rf, language: str = "en"):
    # The request comes in on another host and in another language than the account's.
    request = rf.get("/", HTTP_HOST="127.0.0.1:8000", HTTP_USER_AGENT=UA, REMOTE_ADDR="203.0.113.7")
    request.LANGUAGE_CODE = language
    return request


def _check(mail, *, language: str) -> None:
    text = f"{mail.subject}\n{mail.body}"
    assert stock_phrases_in(text, language) == [], text
    assert "127.0.0.1" not in text and "testserver" not in text and "example.com" not in text, text
    for url in re.findall(r"https?://\S+", text):
        assert url.startswith(SITE), url
    subject = mail.subject.removeprefix("[madoguchi] ")
    if language == "ja":
        assert JAPANESE.search(subject), f"English subject for a Japanese customer: {mail.subject}"
    else:
        assert not JAPANESE.search(text), text


def _send_allauth(prefix: str, user, email: str, rf, request_language: str) -> None:
    request = _request(rf, request_language)
    with allauth_context.request_context(request), translation.override(request_language):
        adapter = get_adapter(request)
        if prefix in ALLAUTH_NOTIFICATIONS:
            adapter.send_notification_mail(prefix, user, dict(ALLAUTH_NOTIFICATIONS[prefix]), email)
        else:
            adapter.send_mail(prefix, email, {"user": user, **ALLAUTH_MAILS[prefix]})


@pytest.mark.parametrize("prefix", ALLAUTH_PREFIXES)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_allauth_mails_are_ours_in_the_customers_saved_language(prefix, language, user_factory, outbox, rf):
    # given a customer whose saved language differs from the request's
    user = user_factory(email="kujira@example.jp", language=language)
    other = "ja" if language == "en" else "en"
    # when allauth sends one of its mails
    _send_allauth(prefix, user, user.email, rf, other)
    # then it is ours, in the saved language, with links on SITE_URL
    [mail] = outbox.emails(to=user.email)
    assert mail.kind == prefix.rsplit("/", 1)[-1]
    _check(mail, language=language)
    assert mail.subject.startswith("[madoguchi] ")
    if prefix in ALLAUTH_NOTIFICATIONS or prefix.endswith("login_code"):
        assert "/recovery/freeze/confirm/" in mail.body  # one tap: "this wasn't me"
    if prefix in ALLAUTH_NOTIFICATIONS:
        assert " JST" in mail.body and "203.0.113.7" in mail.body
        assert "Mobile Safari 17.1" in mail.body and "iOS 17.1" in mail.body


def test_an_address_without_an_account_gets_the_request_language(outbox, rf):
    _send_allauth("account/email/unknown_account", None, "nobody@example.jp", rf, "ja")
    [mail] = outbox.emails(to="nobody@example.jp")
    _check(mail, language="ja")
    assert f"{SITE}/accounts/signup/" in mail.body


def test_allauths_own_2fa_mails_are_not_sent(user_factory, outbox, rf):
    # allauth's flows notify through the account adapter (e.g. deactivating TOTP sends
    # "Authenticator App Deactivated"); our receivers (mfa.signals) send our own instead.
    user = user_factory(language="ja")
    for prefix in ("mfa/email/totp_deactivated", "mfa/email/totp_activated", "mfa/email/webauthn_added"):
        request = _request(rf, "en")
        with allauth_context.request_context(request):
            get_adapter(request).send_notification_mail(prefix, user)
    assert outbox.emails(to=user.email) == []


def test_password_reset_link_is_on_site_url_and_opens_the_reset_page(client, user_factory, outbox):
    # given a Japanese customer without a phone (the link is emailed at once)
    user = user_factory(email="taro@example.jp", phone=None, language="ja")
    from tests_support.captcha import solve

    # when they ask for a reset on a page reached as 127.0.0.1:8000, in English
    client.cookies["django_language"] = "en"
    client.post(
        "/accounts/password/reset/",
        {"email": user.email, "captcha": solve(client)},
        HTTP_HOST="127.0.0.1:8000",
    )
    [mail] = outbox.emails(to=user.email, kind="password_reset_key")
    # then the mail is Japanese and the link is on SITE_URL, and it opens the reset page
    _check(mail, language="ja")
    link = re.search(rf"{re.escape(SITE)}(/accounts/password/reset/key/\S+)", mail.body)
    assert link, mail.body
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200


# --------------------------------------------------------------------------- our own mails

EMAIL_DIRS = sorted(Path(settings.BASE_DIR).glob("*/templates/email"))
OUR_KINDS = sorted({p.name.removesuffix(".subject.txt") for d in EMAIL_DIRS for p in d.glob("*.subject.txt")})
# Mails that announce a change to the account's security: each carries the freeze link.
SECURITY_KINDS = {
    "new_device_signin",
    "password_changed",
    "sessions_ended",
    "anti_phishing_code_set",
    "email_changed",
    "mfa_authenticator_removed",
    "mfa_locked",
    "mfa_passkey_added",
    "mfa_passkey_renamed",
    "mfa_recovery_code_used",
    "mfa_recovery_codes_regenerated",
    "mfa_totp_added",
    "mfa_totp_removed",
    "phone_changed",
    "two_factor_removed",
    "authenticator_recovered",
    "wallet_address_added",
    "wallet_withdrawal_requested",
}
SAMPLE_CONTEXT = {
    "when": "2026-12-03T11:05:00+00:00",
    "browser": "Mobile Safari 17.1",
    "os": "iOS 17.1",
    "device": "iPhone",
    "ip": "203.0.113.7",
    "left": 9,
    "code": "123456",
    "reference": "IC-1234",
    "hold_hours": 24,
    "hold_until": "2026-12-04 20:05 JST",
    "minutes": 30,
    "failures": 5,
    "count": 2,
    "phone_tail": "5678",
    "new_email_masked": "k***@example.jp",
    "set": True,
    "reasons": ["blurry"],
    "usable_at": "2026-12-04T11:05:00+00:00",
}


def test_every_kind_of_our_mail_is_checked():
    assert len(OUR_KINDS) >= 35
    assert set(OUR_KINDS) >= SECURITY_KINDS


@pytest.mark.parametrize("kind", OUR_KINDS)
def test_our_mails_in_japanese_have_no_stock_text_and_a_japanese_subject(kind, user_factory, outbox):
    user = user_factory(language="ja")
    with translation.override("en"):  # a worker's or request's language never leaks in
        deliver_email(kind=kind, context=dict(SAMPLE_CONTEXT), user_id=user.pk, to=user.email, language="ja")
    [mail] = outbox.emails(to=user.email)
    _check(mail, language="ja")
    if kind in SECURITY_KINDS:
        assert f"{SITE}/recovery/freeze/confirm/" in mail.body, mail.body
    if kind in ("new_device_signin", "wallet_address_added"):
        assert re.search(r"2026年12月\d+日 20:05 JST", mail.body), mail.body


@pytest.mark.parametrize("kind", OUR_KINDS)
def test_our_mails_in_english(kind, user_factory, outbox):
    user = user_factory(language="en")
    deliver_email(kind=kind, context=dict(SAMPLE_CONTEXT), user_id=user.pk, to=user.email, language="en")
    [mail] = outbox.emails(to=user.email)
    _check(mail, language="en")


def test_new_device_mail_names_time_device_browser_and_address(user_factory, outbox, rf, time_machine):
    from accounts import services
    from core.models import KnownDevice

    # given a customer who signed in before on another device
    user = user_factory(language="ja")
    KnownDevice.objects.create(user=user, device_hash="earlier", user_agent="old")
    # when they sign in from an iPhone at 11:05 UTC (sign-in calls device_seen)
    time_machine.move_to(dt.datetime(2026, 12, 3, 11, 5, tzinfo=dt.UTC), tick=False)
    request = rf.post("/accounts/login/", HTTP_USER_AGENT=UA, REMOTE_ADDR="203.0.113.7")
    assert services.device_seen(user=user, request=request)
    [mail] = outbox.emails(to=user.email, kind="new_device_signin")
    # then the mail says when (in JST), what, and from where, with a one-tap freeze link
    assert "2026年12月3日 20:05 JST" in mail.body
    assert "Mobile Safari 17.1" in mail.body and "iPhone" in mail.body and "iOS 17.1" in mail.body
    assert "203.0.113.7" in mail.body
    assert f"{SITE}/recovery/freeze/confirm/" in mail.body
    _check(mail, language="ja")


def test_mail_queued_in_a_request_goes_out_in_the_saved_language_from_the_worker(user_factory, outbox):
    # the outbox row carries the saved language, whatever language the request had
    user = user_factory(language="en")
    with translation.override("ja"):
        send_email(user=user, kind="mfa_totp_added", context={})
    from core.models import OutboxMessage

    assert OutboxMessage.objects.get().payload["language"] == "en"
    # and the worker renders in it, even when its own language is another
    with translation.override("ja"):
        [mail] = outbox.emails(to=user.email)
    assert mail.subject == "[madoguchi] Authenticator app turned on"


def test_links_the_operator_configured_elsewhere_are_kept(user_factory, outbox, rf):
    # an app's deep link (HEADLESS_FRONTEND_URLS) is not the request's host: left as it is
    user = user_factory(language="ja")
    request = _request(rf)
    with allauth_context.request_context(request):
        get_adapter(request).send_mail(
            "account/email/password_reset_key",
            user.email,
            {"user": user, "password_reset_url": "madoguchi://password/reset/1-abc"},
        )
    [mail] = outbox.emails(to=user.email)
    assert "madoguchi://password/reset/1-abc" in mail.body


def test_no_run_of_empty_lines_where_an_optional_block_is_missing(user_factory, outbox):
    user = user_factory(language="ja")
    deliver_email(kind="mfa_totp_added", context={}, user_id=user.pk, to=user.email, language="ja")
    [mail] = outbox.emails(to=user.email)
    assert "\n\n\n" not in mail.body
