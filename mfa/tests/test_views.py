"""HTML pages: security page, TOTP setup/disable, recovery codes, anti-phishing, changes."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from mfa.internal import totp
from mfa.tests.helpers import code_now, enable_totp

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_security_page_requires_sign_in(client):
    response = client.get("/security/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_totp_setup_page_and_enable_without_phone(user_factory, time_machine, outbox):
    time_machine.move_to(T0, tick=False)
    user = user_factory(phone=None)
    client = _client(user)
    page = client.get("/security/totp/setup/")
    assert page.status_code == 200
    body = page.content.decode()
    secret = client.session["madoguchi_mfa.setup_secret"]
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in body and "<svg" in body and "otpauth" not in body.split("<svg")[0][-10:]
    assert "only way to re-create" in body and "Before you change phones" in body
    # a wrong code keeps the same secret and explains
    wrong = client.post("/security/totp/setup/", {"code": "000000"})
    assert wrong.status_code == 200 and client.session["madoguchi_mfa.setup_secret"] == secret
    code = totp.hotp(totp.decode_secret(secret), int(T0.timestamp() // 30))
    ok = client.post("/security/totp/setup/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/security/recovery-codes/"
    codes_page = client.get("/security/recovery-codes/")
    assert codes_page.status_code == 200 and codes_page.content.decode().count("<code>") == 10
    download = client.get("/security/recovery-codes/download/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    client.post("/security/recovery-codes/saved/")
    assert client.get("/security/recovery-codes/download/").status_code == 302  # shown once
    row = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert secret not in str(row.data)  # encrypted at rest
    assert outbox.emails(to=user.email, kind="mfa_totp_added")


def test_totp_enable_with_phone_needs_sms_step_up(user_factory, time_machine, outbox):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    client = _client(user)
    client.get("/security/totp/setup/")
    secret = client.session["madoguchi_mfa.setup_secret"]
    code = totp.hotp(totp.decode_secret(secret), int(T0.timestamp() // 30))
    missing = client.post("/security/totp/setup/", {"code": code, "step_up_code": ""})
    assert missing.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()
    client.post("/security/step-up/sms/", {"action": "totp_enable", "next": "/security/totp/setup/"})
    sms = outbox.last_sms_code(user.phone)
    ok = client.post("/security/totp/setup/", {"code": code, "step_up_code": sms})
    assert ok.status_code == 302, ok.content.decode()[:2000]


def test_totp_disable_page(user_factory, time_machine, outbox):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    client = _client(user)
    assert client.get("/security/").status_code == 200
    bad = client.post("/security/totp/disable/", {"code": "000000"})
    assert bad.status_code == 200 and "incorrect" in bad.content.decode()
    ok = client.post("/security/totp/disable/", {"code": code_now()})
    assert ok.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert outbox.emails(to=user.email, kind="mfa_totp_removed")


def test_anti_phishing_and_change_pages_render(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    client = _client(user)
    for path in ("/security/", "/security/email/", "/security/phone/", "/security/recovery-codes/"):
        assert client.get(path).status_code == 200, path
    response = client.post("/security/anti-phishing/", {"value": "sakura", "code": code_now()})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.anti_phishing_code == "sakura"


def test_security_page_query_count_does_not_grow_with_passkeys(user_factory, django_assert_max_num_queries):
    user = user_factory()
    enable_totp(user)
    client = _client(user)
    client.get("/security/")  # warm-up (session, sites)
    for i in range(5):
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.WEBAUTHN, data={"name": f"key {i}", "credential": {}}
        )
    with django_assert_max_num_queries(14):
        response = client.get("/security/")
    assert response.status_code == 200
    assert response.content.decode().count("key ") >= 5


def test_setup_key_survives_a_reload_until_a_new_one_is_asked_for(user_factory):
    client = _client(user_factory(phone=None))
    client.get("/security/totp/setup/")
    first = client.session["madoguchi_mfa.setup_secret"]
    client.get("/security/totp/setup/")
    assert client.session["madoguchi_mfa.setup_secret"] == first
    client.get("/security/totp/setup/?new=1")
    assert client.session["madoguchi_mfa.setup_secret"] != first


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_mfa_email_renders_in_both_languages_without_secrets(user_factory, outbox, language):
    from pathlib import Path

    from core.notify import deliver_email

    user = user_factory(language=language, anti_phishing_code="sakura")
    kinds = sorted(
        p.name.removesuffix(".subject.txt")
        for p in (Path(__file__).resolve().parents[1] / "templates" / "email").glob("*.subject.txt")
    )
    assert len(kinds) >= 14
    context = {
        "failures": 20,
        "left": 9,
        "purpose": "login",
        "set": True,
        "code": "123456",
        "new_email_masked": "a***@example.jp",
        "phone_tail": "4321",
        "reason": "recovery",
    }
    for kind in kinds:
        deliver_email(kind=kind, context=context, user_id=user.pk, to=user.email, language=language)
    mails = outbox.emails(to=user.email)
    assert len(mails) == len(kinds)
    for mail in mails:
        assert "{%" not in mail.body and "{{" not in mail.body, mail.kind
        assert "sakura" in mail.body, mail.kind  # the anti-phishing footer
        assert "JBSWY3DP" not in mail.body
        if mail.kind != "email_change_code":  # the one code that is meant for that inbox
            assert "123456" not in mail.body, mail.kind
        if language == "ja":
            assert any("\u3040" <= ch <= "\u30ff" for ch in mail.subject), (mail.kind, mail.subject)


def test_step_up_fields_tag_renders_for_each_kind_of_customer(user_factory, rf):
    from django.template import Context, Template

    template = Template('{% load mfa_tags %}<form>{% step_up_fields "withdrawal_address_add" %}</form>')
    with_totp = user_factory()
    enable_totp(with_totp)
    request = rf.get("/wallet/addresses/new/")
    request.user = with_totp
    html = template.render(Context({"request": request}))
    assert 'name="code"' in html and 'name="assertion"' in html and "step-up/sms" not in html
    without = user_factory()
    request.user = without
    html = template.render(Context({"request": request}))
    # no authenticator: withdrawals need one first (enrolment policy), so no SMS offer
    assert "step-up/sms" not in html and "/security/totp/setup/" in html
    email_form = Template('{% load mfa_tags %}<form>{% step_up_fields "email_change" %}</form>')
    html = email_form.render(Context({"request": request}))
    assert "step-up/sms" in html and 'value="email_change"' in html
