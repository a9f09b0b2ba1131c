"""Email and phone change (accounts.services.email_change / phone_change): the freeze check,
the step-up, and the code that proves the new address or number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services
from core.errors import ApplicationError
from mfa.tests.helpers import code_now, enable_totp

T0 = dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)


def _error(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


def test_a_frozen_account_cannot_change_email_or_phone(user_factory):
    # given a frozen customer with an authenticator
    user = user_factory()
    enable_totp(user)
    user.frozen_at = timezone.now()
    user.save(update_fields=["frozen_at"])
    # when they try either change, then it is refused before anything is sent
    for call in (
        lambda: services.email_change_request(user=user, new_email="x@example.jp", code=code_now()),
        lambda: services.phone_change_request(user=user, new_phone="09011112222", code=code_now()),
        lambda: services.email_change_confirm(user=user, confirmation="123456"),
        lambda: services.phone_change_confirm(user=user, confirmation="123456"),
    ):
        assert _error(call).code == "account_frozen"


def test_email_change_confirmation_wrong_then_expired(user_factory, outbox, time_machine):
    # given a change started with the second factor
    time_machine.move_to(T0, tick=True)
    user = user_factory(email="before@example.jp")
    enable_totp(user)
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    services.email_change_request(user=user, new_email="after@example.jp", code=code_now())
    confirmation = outbox.last_email_code("after@example.jp")
    # when a wrong code is typed, then it is refused and the address stays
    wrong = "000000" if confirmation != "000000" else "111111"
    err = _error(lambda: services.email_change_confirm(user=user, confirmation=wrong))
    assert (err.code, err.status) == ("code_invalid", 400)
    assert "confirmation" in err.fields
    # when the right code comes (full-width digits are fine), then the address changes
    full_width = confirmation.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert services.email_change_confirm(user=user, confirmation=full_width) == "after@example.jp"
    # and a second confirmation finds nothing pending
    err = _error(lambda: services.email_change_confirm(user=user, confirmation=confirmation))
    assert err.code == "code_expired"


def test_phone_change_needs_the_code_texted_to_the_new_number(user_factory, outbox, time_machine):
    time_machine.move_to(T0, tick=True)
    user = user_factory()
    enable_totp(user)
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    services.phone_change_request(user=user, new_phone="090-8765-4321", code=code_now())
    code = outbox.last_sms_code("+819087654321")
    wrong = "000000" if code != "000000" else "111111"
    err = _error(lambda: services.phone_change_confirm(user=user, confirmation=wrong))
    assert err.code == "code_invalid" and "confirmation" in err.fields
    assert services.phone_change_confirm(user=user, confirmation=code) == "+819087654321"
    user.refresh_from_db()
    assert user.phone == "+819087654321"
    assert outbox.emails(to=user.email, kind="phone_changed")
