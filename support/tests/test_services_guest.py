import datetime as dt
import re

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from support import services
from support.models import GuestChallenge, InquiryEvent
from support.tests.factories import SIGNIN_FIELDS

pytestmark = pytest.mark.django_db


def last_code(outbox, to):
    mail = outbox.emails(to=to, kind="support_guest_code")[-1]
    return re.search(r"\b(\d{6})\b", mail.body).group(1)


def test_code_is_emailed_hashed_and_single_use(outbox):
    address = services.guest_code_send(email="Guest@Example.JP")
    assert address == "Guest@example.jp"
    code = last_code(outbox, "Guest@example.jp")
    assert code not in GuestChallenge.objects.get().code_hash
    assert services.guest_code_verify(email="Guest@example.jp", code=code) == "Guest@example.jp"
    with pytest.raises(ApplicationError):
        services.guest_code_verify(email="Guest@example.jp", code=code)


def test_only_newest_code_and_five_tries(outbox):
    services.guest_code_send(email="g@example.jp")
    first = last_code(outbox, "g@example.jp")
    services.guest_code_send(email="g@example.jp")
    newest = last_code(outbox, "g@example.jp")
    if first != newest:
        with pytest.raises(ApplicationError):
            services.guest_code_verify(email="g@example.jp", code=first)
    for _ in range(5 - (first != newest)):
        with pytest.raises(ApplicationError):
            services.guest_code_verify(email="g@example.jp", code="000000" if newest != "000000" else "111111")
    # attempts are counted even though each call failed; now even the right code is refused
    with pytest.raises(ApplicationError):
        services.guest_code_verify(email="g@example.jp", code=newest)


def test_code_expires(outbox, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    services.guest_code_send(email="late@example.jp")
    code = last_code(outbox, "late@example.jp")
    time_machine.move_to(now + dt.timedelta(minutes=11), tick=False)
    with pytest.raises(ApplicationError) as exc:
        services.guest_code_verify(email="late@example.jp", code=code)
    assert exc.value.code == "code_invalid"


def test_sending_codes_is_rate_limited(outbox):
    for _ in range(5):
        services.guest_code_send(email="spam@example.jp")
    with pytest.raises(ApplicationError) as exc:
        services.guest_code_send(email="spam@example.jp")
    assert exc.value.code == "rate_limited"


def test_guest_inquiry_joins_matching_account_silently(user_factory):
    owner = user_factory(email="taro@example.jp")
    inquiry = services.inquiry_create(
        guest_email="taro@example.jp",
        category_slug="sign_in",
        subtopic_slug="sms",
        fields=SIGNIN_FIELDS,
        description="SMSのコードが届きません。",
    )
    stranger = services.inquiry_create(
        guest_email="nobody@example.jp",
        category_slug="sign_in",
        subtopic_slug="sms",
        fields=SIGNIN_FIELDS,
        description="SMSのコードが届きません。",
    )
    assert inquiry.customer == owner and inquiry.guest_email == "taro@example.jp"
    assert stranger.customer is None
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="joined_account").exists()
    # the two answers look the same to the guest
    assert inquiry.status == stranger.status and inquiry.queue == stranger.queue


def test_guest_cannot_use_account_only_categories():
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_create(
            guest_email="g@example.jp", category_slug="funds", fields={}, description="入金について質問です。"
        )
    assert exc.value.code == "validation_failed" and "category" in exc.value.fields


def test_emails_for_joined_guest_inquiries_link_to_the_guest_portal(user_factory, outbox):
    user_factory(email="taro@example.jp")
    inquiry = services.inquiry_create(
        guest_email="taro@example.jp",
        category_slug="sign_in",
        subtopic_slug="sms",
        fields=SIGNIN_FIELDS,
        description="SMSのコードが届きません。",
    )
    mail = outbox.emails(to="taro@example.jp", kind="support_received")[-1]
    assert f"/support/guest/inquiries/{inquiry.pk}/" in mail.body
    assert "SMSのコード" not in mail.body
