"""SMS budgets (issue 12): anonymous SMS never starve sign-in SMS, the pages tell the truth
when no new code went out, and pumping meets destination and number-block limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from core.errors import ApplicationError
from core.metrics import registry
from mfa import services
from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd-test"
T0 = dt.datetime(2026, 11, 21, 5, 2, 0, tzinfo=dt.UTC)  # 14:02 JST


def _refused(reason: str) -> float:
    return registry.get_sample_value("madoguchi_sms_refused_total", {"reason": reason}) or 0.0


def _login(client: Client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD, "captcha": solve(client)})


def test_an_anonymous_reset_flood_does_not_starve_the_sign_in_sms(user_factory, outbox, time_machine):
    """Before: five anonymous reset requests used up the shared 5-an-hour cap, and the
    sign-in page then claimed a code had been sent."""
    hanako = user_factory(email="hanako@example.jp", phone="+819012345678")
    # an attacker who knows only the email address asks for resets, a minute apart
    for minute in range(6):
        time_machine.move_to(T0 + dt.timedelta(minutes=minute, seconds=1), tick=False)
        attacker = Client()
        attacker.post("/recovery/password-reset/", {"email": hanako.email, "captcha": solve(attacker)})
    # then hanako signs in: her code arrives and the page says so
    time_machine.move_to(T0 + dt.timedelta(minutes=7), tick=False)
    client = Client()
    response = _login(client, hanako.email)
    assert response["Location"] == "/login/sms/"
    assert outbox.sms(to=hanako.phone)[-1].kind == "code-login"
    page = client.get("/login/sms/").content.decode()
    assert "送りました" in page and "新しいコードは送っていません" not in page
    ok = client.post("/login/sms/", {"code": outbox.last_sms_code(hanako.phone)})
    assert ok.status_code == 302 and client.get("/security/").status_code == 200
    # the flood itself stopped at the anonymous budget
    reset_sms = [s for s in outbox.sms(to=hanako.phone) if s.kind == "code-password_reset"]
    assert 1 <= len(reset_sms) <= 3


def test_the_sign_in_page_tells_when_the_code_is_still_valid_and_when_a_new_one_can_be_sent(
    user_factory, outbox, settings, time_machine
):
    settings.MADOGUCHI_MFA_SMS_HOURLY_CAP = 1
    user = user_factory()
    time_machine.move_to(T0, tick=False)
    _login(Client(), user.email)
    assert len(outbox.sms(to=user.phone)) == 1
    # a second sign-in 20 s later: no new SMS, and the page says the 14:02 code still works
    time_machine.move_to(T0 + dt.timedelta(seconds=20), tick=False)
    client = Client()
    _login(client, user.email)
    page = client.get("/login/sms/").content.decode()
    assert "14:02に送ったコードはまだ有効です。" in page
    assert "SMSで6桁のコードを送りました" not in page
    # past the cooldown but over the hourly budget: the new code can be sent at 15:00
    time_machine.move_to(T0 + dt.timedelta(minutes=2), tick=False)
    client.post("/login/sms/", {"resend": "1"})
    page = client.get("/login/sms/").content.decode()
    assert "14:02に送ったコードはまだ有効です。" in page and "新しいコードは15:00から送れます。" in page
    assert len(outbox.sms(to=user.phone)) == 1
    # and the code from 14:02 does sign in
    assert client.post("/login/sms/", {"code": outbox.last_sms_code(user.phone)}).status_code == 302


def test_headless_resend_says_when_in_machine_form(api_client, user_factory, outbox, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    api_client.login_app(user.email)
    refused = api_client.post("/_allauth/app/v1/auth/2fa/sms/resend")
    assert refused.status_code == 429
    data = refused.json()["data"]
    assert data["code"] == "sms_cooldown"
    assert data["valid_since"].startswith("2026-11-21T05:02:00")
    assert data["retry_at"].startswith("2026-11-21T05:03:00")


def test_velocity_limits_per_destination_and_number_block(user_factory, outbox, settings, time_machine):
    settings.MADOGUCHI_MFA_SMS_DEST_HOURLY = 2
    settings.MADOGUCHI_MFA_SMS_PREFIX_HOURLY = 4
    time_machine.move_to(T0, tick=False)
    before_dest, before_prefix = _refused("destination"), _refused("prefix")
    # one number typed by many new accounts (numbers not proved yet)
    for _ in range(2):
        services.sms_code_send(user=user_factory(phone=None), purpose="verify_phone", to="+819099990000")
    with pytest.raises(ApplicationError) as dest:
        services.sms_code_send(user=user_factory(phone=None), purpose="verify_phone", to="+819099990000")
    assert dest.value.code == "rate_limited" and "15:00" in dest.value.message
    assert _refused("destination") == before_dest + 1
    # a range of numbers in one 10 000-number block
    for i in range(1, 3):
        services.sms_code_send(user=user_factory(phone=None), purpose="verify_phone", to=f"+81909999{i:04d}")
    with pytest.raises(ApplicationError):
        services.sms_code_send(user=user_factory(phone=None), purpose="verify_phone", to="+819099990077")
    assert _refused("prefix") == before_prefix + 1
    assert len(outbox.sms()) == 4
    # another block is not affected, and neither is the sign-in code of a customer whose
    # proved number sits in the pumped block
    services.sms_code_send(user=user_factory(phone=None), purpose="verify_phone", to="+818011110000")
    customer = user_factory(phone="+819099991234")
    services.sms_code_send(user=customer, purpose="login")
    assert outbox.sms(to="+818011110000") and outbox.sms(to="+819099991234")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("+37120000000", "phone_region_not_allowed"),
        ("+447000000000", "phone_not_mobile"),
        ("+81120123456", "phone_not_mobile"),
    ],
)
def test_a_stored_number_outside_the_policy_is_never_texted(user_factory, outbox, number, code):
    user = user_factory(phone=number)  # e.g. saved before the policy
    before = _refused("destination_policy")
    with pytest.raises(ApplicationError) as error:
        services.sms_code_send(user=user, purpose="login")
    assert error.value.code == code
    assert outbox.sms() == []
    assert _refused("destination_policy") == before + 1


def test_budget_windows_end_on_the_clock_and_give_back_on_refusal(time_machine):
    from core.sms import Budget, SmsNotSent, budget_remaining, budgets_take

    time_machine.move_to(T0 + dt.timedelta(minutes=30), tick=False)
    wide, narrow = Budget("test_wide", "k", 5, 3600), Budget("test_narrow", "k", 1, 3600)
    budgets_take([wide, narrow])
    with pytest.raises(SmsNotSent) as refused:
        budgets_take([wide, narrow])
    assert refused.value.retry_at == dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)  # 15:00 JST
    assert budget_remaining(wide) == 4  # the refused attempt took nothing
    time_machine.move_to(dt.datetime(2026, 11, 21, 6, 0, 1, tzinfo=dt.UTC), tick=False)
    budgets_take([wide, narrow])
