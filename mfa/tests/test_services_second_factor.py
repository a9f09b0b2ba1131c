"""second_factor_verify: the step-up check every sensitive service calls."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from allauth.mfa.models import Authenticator

from core.errors import ApplicationError
from mfa import services
from mfa.models import SecondFactorLock
from mfa.tests.helpers import DEMO_SECRET, code_at, code_now, enable_totp, recovery_codes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
T0 = dt.datetime(2026, 11, 21, 12, 0, 10, tzinfo=dt.UTC)


def _error(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


@pytest.mark.parametrize(("unix_time", "code"), RFC6238_SHA1)
def test_rfc6238_six_digit_truncation_through_step_up(user_factory, time_machine, unix_time, code):
    # given a customer whose authenticator holds the RFC 6238 Appendix B SHA-1 seed
    user = user_factory()
    enable_totp(user, RFC6238_SECRET)
    time_machine.move_to(dt.datetime.fromtimestamp(unix_time, tz=dt.UTC), tick=False)
    # when the published value truncated to 6 digits is entered for an action
    services.second_factor_verify(user=user, action="email_change", code=code[-6:])
    # then it is accepted (no exception) and burnt: the same code again is refused
    err = _error(lambda: services.second_factor_verify(user=user, action="email_change", code=code[-6:]))
    assert err.code == "two_factor_invalid"


@pytest.mark.parametrize(("unix_time", "code"), RFC6238_SHA1)
def test_rfc6238_eight_digit_table_through_step_up(user_factory, time_machine, settings, unix_time, code):
    # given the app configured for 8-digit codes (the RFC table's length)
    settings.MFA_TOTP_DIGITS = 8
    user = user_factory()
    enable_totp(user, RFC6238_SECRET)
    time_machine.move_to(dt.datetime.fromtimestamp(unix_time, tz=dt.UTC), tick=False)
    # when / then the published 8-digit value passes the very same path
    services.second_factor_verify(user=user, action="email_change", code=code)
    # and a neighbouring value does not
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert _error(lambda: services.second_factor_verify(user=user, action="email_change", code=wrong)).code == (
        "two_factor_invalid"
    )


def test_no_code_is_two_factor_required(user_factory):
    user = user_factory()
    enable_totp(user)
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal"))
    assert (err.code, err.status) == ("two_factor_required", 401)


def test_previous_and_next_step_accepted_each_once(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    for offset in (-1, 0, 1):
        services.second_factor_verify(user=user, action="withdrawal", code=code_now(offset_steps=offset))
    for offset in (-1, 0, 1):
        err = _error(
            lambda o=offset: services.second_factor_verify(
                user=user, action="withdrawal", code=code_now(offset_steps=o)
            )
        )
        assert err.code == "two_factor_invalid"
        assert "already been used" in err.message


def test_full_width_digits_and_spaces_are_accepted(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    code = code_now()
    typed = " ".join([code[:3], code[3:]]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    services.second_factor_verify(user=user, action="withdrawal", code=typed)


def test_drift_three_minutes_ahead_is_refused_with_hint_and_burnt(user_factory, time_machine, settings):
    # given a customer whose phone clock is 3 minutes fast
    settings.LANGUAGE_CODE = "en"
    time_machine.move_to(T0, tick=False)
    user = user_factory(language="en")
    enable_totp(user)
    future_code = code_at(DEMO_SECRET, T0.timestamp() + 180)

    # when the code is entered now
    from django.utils import translation

    with translation.override("en"):
        err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=future_code))

    # then it is refused with the drift hint and the phone settings to fix
    assert err.code == "two_factor_invalid"
    assert "about 3 minutes ahead" in err.message
    assert "Set Automatically" in err.message and "Set time automatically" in err.message
    assert "Sync now" in err.message
    # and it counted as a failure
    from core.models import AuditEvent

    failed = AuditEvent.objects.filter(user=user, event="mfa.failed").latest("id")
    assert failed.data["reason"] == "drift" and failed.data["drift_minutes"] == 3

    # when the same code is submitted 3 minutes later, when it would be current
    time_machine.move_to(T0 + dt.timedelta(minutes=3), tick=False)
    with translation.override("en"):
        later = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=future_code))
    # then it is still refused: it was burnt
    assert later.code == "two_factor_invalid"
    assert "already been used" in later.message


def test_drift_hint_in_japanese(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    past_code = code_at(DEMO_SECRET, T0.timestamp() - 5 * 60)
    from django.utils import translation

    with translation.override("ja"):
        err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=past_code))
    assert "約5分" in err.message and "遅れて" in err.message


def test_wrong_codes_lock_after_twenty_and_email_and_recovery_unlocks(user_factory, settings, outbox, time_machine):
    # given generous throttles so that only the lock is under test
    settings.MADOGUCHI_MFA_RATE_ACCOUNT = (1000, 300)
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    good = code_now()
    wrong = "000000" if good != "000000" else "111111"
    # when 19 wrong codes are entered, a correct code still works and resets the count
    for _ in range(19):
        assert _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=wrong)).status == 400
    services.second_factor_verify(user=user, action="withdrawal", code=good)
    # when 20 consecutive wrong codes follow
    errors = [
        _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=wrong)) for _ in range(20)
    ]
    # then the 20th locks, the customer is emailed once, and even a correct code is refused
    assert [e.code for e in errors[:19]] == ["two_factor_invalid"] * 19
    assert (errors[19].code, errors[19].status) == ("two_factor_locked", 403)
    assert SecondFactorLock.objects.filter(user=user).exists()
    assert len(outbox.emails(to=user.email, kind="mfa_locked")) == 1
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    locked = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=code_now()))
    assert locked.code == "two_factor_locked"
    # when recovery removes the second factor, the lock is lifted too
    services.two_factor_remove_all(user=user, reason="recovery")
    assert not SecondFactorLock.objects.filter(user=user).exists()
    enable_totp(user, "KRSXG5CTMVRXEZLU")
    services.second_factor_verify(user=user, action="withdrawal", code=code_now("KRSXG5CTMVRXEZLU"))


def test_lock_rolled_back_by_callers_transaction_is_asserted_again(user_factory, settings, time_machine):
    from django.db import transaction

    settings.MADOGUCHI_MFA_RATE_ACCOUNT = (1000, 300)
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    # given a caller that wraps the check in its own transaction (which rolls back on error)
    for _ in range(20):
        with pytest.raises(ApplicationError), transaction.atomic():
            services.second_factor_verify(user=user, action="withdrawal", code="000000")
    # then the lock row was rolled back with the caller ...
    assert not SecondFactorLock.objects.filter(user=user).exists()
    # ... but the next attempt, even with a correct code, is refused and re-locks
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=code_now()))
    assert err.code == "two_factor_locked"
    assert SecondFactorLock.objects.filter(user=user).exists()


def test_per_account_throttle(user_factory, settings):
    settings.MADOGUCHI_MFA_RATE_ACCOUNT = (3, 300)
    user = user_factory()
    enable_totp(user)
    codes = [_error(lambda: services.second_factor_verify(user=user, action="x", code="000000")).code for _ in range(4)]
    assert codes[-1] == "rate_limited"


def test_per_address_throttle_across_accounts(user_factory, settings, rf):
    settings.MADOGUCHI_MFA_RATE_IP = (3, 300)
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    results = []
    for _ in range(4):
        user = user_factory()
        enable_totp(user)
        results.append(
            _error(lambda u=user: services.second_factor_verify(user=u, action="x", code="000000", request=request))
        )
    assert [e.code for e in results] == ["two_factor_invalid"] * 3 + ["rate_limited"]


def test_recovery_codes_not_for_withdrawals_by_default(user_factory, outbox, settings):
    user = user_factory()
    enable_totp(user)
    code = recovery_codes(user)[0]
    # when used for a withdrawal: refused, and the code is not spent
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=code))
    assert err.code == "two_factor_invalid" and "Recovery codes cannot" in err.message
    assert code in recovery_codes(user)
    # when used for another sensitive action: accepted once, customer emailed
    services.second_factor_verify(user=user, action="email_change", code=code)
    assert code not in recovery_codes(user)
    assert outbox.emails(to=user.email, kind="mfa_recovery_code_used")
    assert _error(lambda: services.second_factor_verify(user=user, action="email_change", code=code)).code == (
        "two_factor_invalid"
    )
    # when the operator allows recovery codes for withdrawals
    settings.MADOGUCHI_MFA_RECOVERY_CODES_FOR_WITHDRAWALS = True
    services.second_factor_verify(user=user, action="withdrawal", code=recovery_codes(user)[0])


def test_withdrawal_without_authenticator_needs_enrolment(user_factory, settings):
    user = user_factory()
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code="123456"))
    assert (err.code, err.status) == ("two_factor_setup_required", 403)
    settings.MADOGUCHI_MFA_ENROLMENT_REQUIRED = False
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal"))
    assert err.code == "two_factor_required"


def test_customer_without_authenticator_steps_up_with_sms(user_factory, outbox):
    user = user_factory()
    err = _error(lambda: services.second_factor_verify(user=user, action="email_change"))
    assert err.code == "two_factor_required"
    services.sms_code_send(user=user, purpose="step_up:email_change")
    code = outbox.last_sms_code(user.phone)
    # a code sent for another action does not work here
    assert _error(lambda: services.second_factor_verify(user=user, action="phone_change", code=code)).code == (
        "two_factor_invalid"
    )
    services.second_factor_verify(user=user, action="email_change", code=code)


def test_passkey_required_setting(user_factory, settings):
    settings.MADOGUCHI_MFA_REQUIRE_PASSKEY = True
    user = user_factory()
    enable_totp(user)
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=code_now()))
    assert (err.code, err.status) == ("passkey_required", 403)
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "k", "credential": {}})
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", code=code_now()))
    assert err.code == "two_factor_required"
    err = _error(lambda: services.second_factor_verify(user=user, action="withdrawal", assertion={"bogus": 1}))
    assert err.code == "two_factor_invalid"


def test_frozen_account_cannot_change_two_factor_or_security_settings(user_factory):
    from django.utils import timezone

    user = user_factory()
    enable_totp(user)
    user.frozen_at = timezone.now()
    user.save(update_fields=["frozen_at"])
    calls = [
        lambda: services.totp_disable(user=user, code=code_now()),
        lambda: services.recovery_codes_regenerate(user=user, code=code_now()),
        lambda: services.anti_phishing_code_set(user=user, value="sakura", code=code_now()),
    ]
    for call in calls:
        assert _error(call).code == "account_frozen"
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_step_up_sms_only_for_customers_without_authenticator(user_factory, outbox):
    with_totp = user_factory()
    enable_totp(with_totp)
    assert _error(lambda: services.step_up_sms_send(user=with_totp, action="email_change")).code == "sms_not_needed"
    assert not outbox.sms(to=with_totp.phone)
    without = user_factory()
    assert _error(lambda: services.step_up_sms_send(user=without, action="rm -rf")).code == "validation_failed"
    services.step_up_sms_send(user=without, action="email_change")
    assert outbox.sms(to=without.phone)


@pytest.mark.parametrize("action", ["withdrawal", "withdrawal_request", "withdrawal_address_add"])
def test_every_withdrawal_action_is_money_out(user_factory, action):
    user = user_factory()
    enable_totp(user)
    code = recovery_codes(user)[0]
    assert (
        "Recovery codes cannot"
        in _error(lambda: services.second_factor_verify(user=user, action=action, code=code)).message
    )
    no_authenticator = user_factory()
    assert _error(lambda: services.second_factor_verify(user=no_authenticator, action=action)).code == (
        "two_factor_setup_required"
    )


def test_unlock_by_staff_needs_the_security_role(user_factory, staff_factory, settings, outbox):
    from accounts import roles

    settings.MADOGUCHI_MFA_LOCK_AFTER_FAILURES = 2
    user = user_factory()
    enable_totp(user)
    for _ in range(2):
        _error(lambda: services.second_factor_verify(user=user, action="x", code="000000"))
    assert SecondFactorLock.objects.filter(user=user).exists()
    helpdesk = staff_factory(roles=[roles.SUPPORT_AGENT])
    assert _error(lambda: services.second_factor_unlock(user=user, actor=helpdesk)).code == "permission_denied"
    security = staff_factory(roles=[roles.SECURITY_AGENT])
    assert services.second_factor_unlock(user=user, actor=security) is True
    assert not SecondFactorLock.objects.filter(user=user).exists()
    assert outbox.emails(to=user.email, kind="mfa_unlocked")
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(user=user, actor=security, event="mfa.unlocked").exists()


def test_enrolment_policy_follows_the_wallet_switch_when_ours_is_unset(user_factory, settings):
    user = user_factory()
    if hasattr(settings, "MADOGUCHI_MFA_ENROLMENT_REQUIRED"):
        del settings.MADOGUCHI_MFA_ENROLMENT_REQUIRED
    settings.MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL = False
    assert _error(lambda: services.second_factor_verify(user=user, action="withdrawal")).code == "two_factor_required"
    settings.MADOGUCHI_MFA_ENROLMENT_REQUIRED = True  # ours wins when set
    assert _error(lambda: services.second_factor_verify(user=user, action="withdrawal")).code == (
        "two_factor_setup_required"
    )


def test_wrong_sms_codes_count_toward_the_lock_like_authenticator_codes(user_factory, settings, outbox, time_machine):
    """An SMS code stands in for an authenticator for customers without one: guessing it at
    sign-in or step-up must meet the same consecutive-failure lock (not only five tries per
    code, which a new code would reset)."""
    settings.MADOGUCHI_MFA_LOCK_AFTER_FAILURES = 7
    settings.MADOGUCHI_MFA_SMS_HOURLY_CAP = 100
    settings.MADOGUCHI_MFA_SMS_RESEND_COOLDOWN = 0
    user = user_factory()
    clock = [T0]

    def send(purpose: str) -> str:
        clock[0] += dt.timedelta(seconds=5)  # the outbox orders messages by time
        time_machine.move_to(clock[0], tick=False)
        services.sms_code_send(user=user, purpose=purpose)
        return outbox.last_sms_code(user.phone)

    def wrong_guesses(purpose: str, count: int, verify) -> list[str]:
        right = send(purpose)
        wrong = "000000" if right != "000000" else "111111"
        return [_error(lambda: verify(wrong)).code for _ in range(count)]

    # a right code resets the count, as with authenticator codes
    assert (
        wrong_guesses("login", 4, lambda c: services.sms_login_verify(user=user, code=c)) == ["two_factor_invalid"] * 4
    )
    services.sms_login_verify(user=user, code=send("login"))
    # seven consecutive wrong codes, over two codes and two kinds of use, lock
    step_up = lambda c: services.second_factor_verify(user=user, action="email_change", code=c)  # noqa: E731
    login = lambda c: services.sms_login_verify(user=user, code=c)  # noqa: E731
    codes = wrong_guesses("login", 4, login) + wrong_guesses("step_up:email_change", 3, step_up)
    assert codes == ["two_factor_invalid"] * 4 + ["two_factor_invalid"] * 2 + ["two_factor_locked"]
    assert SecondFactorLock.objects.filter(user=user).exists()
    assert len(outbox.emails(to=user.email, kind="mfa_locked")) == 1
    # and now even the right code is refused at sign-in
    right = send("login")
    assert _error(lambda: services.sms_login_verify(user=user, code=right)).code == "two_factor_locked"


def test_wrong_sms_codes_in_password_reset_do_not_lock_two_factor(user_factory, settings, outbox):
    """Recovery flows have their own limits (five tries per code, a send cap); they must not
    lock the customer out of the factor they are trying to get back to."""
    settings.MADOGUCHI_MFA_LOCK_AFTER_FAILURES = 2
    user = user_factory()
    services.sms_code_send(user=user, purpose="reset")
    right = outbox.last_sms_code(user.phone)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        assert _error(lambda: services.sms_code_verify(user=user, purpose="reset", code=wrong)).code == (
            "two_factor_invalid"
        )
    assert not SecondFactorLock.objects.filter(user=user).exists()


def test_recovery_code_email_counts_the_codes_really_left(user_factory, outbox):
    # given a customer with ten fresh recovery codes
    user = user_factory()
    enable_totp(user)
    codes = recovery_codes(user)
    assert len(codes) == 10
    # when one is used
    services.second_factor_verify(user=user, action="email_change", code=codes[0])
    # then the email and the audit row say nine are left, as the security page does
    [mail] = outbox.emails(to=user.email, kind="mfa_recovery_code_used")
    assert len(recovery_codes(user)) == 9
    assert "残りのリカバリーコード：9個" in mail.body  # the customer's saved language (ja)
    from core.models import AuditEvent

    row = AuditEvent.objects.filter(user=user, event="mfa.recovery_code_used").get()
    assert row.data["left"] == 9
