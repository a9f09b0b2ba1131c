"""Identity-case review: a case that says the phone changed sets the new phone on approval
(confirmed by the reviewer, audited, notified), and every staff read of a case or an ID
image is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.roles import IDENTITY_REVIEWER, SECURITY_AGENT, SUPPORT_AGENT
from core.models import AuditEvent
from recovery import services
from recovery.models import IdentityCase
from recovery.tests.conftest import totp_user
from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

OLD_PHONE = "+819012345678"
NEW_PHONE = "+818099990000"


def _details(user, **overrides):
    data = {
        "full_name": "山田 花子",
        "address": "東京都千代田区丸の内1-2-3",
        "date_of_birth": "1990-04-01",
        "registered_phone": "090-1234-5678",
        "phone_changed": True,
        "new_phone": "080-9999-0000",
        "emails": user.email,
    }
    data.update(overrides)
    return data


@pytest.fixture
def customer(user_factory):
    return totp_user(
        user_factory,
        email="hanako@example.jp",
        phone=OLD_PHONE,
        full_name="山田 花子",
        address="東京都千代田区丸の内1-2-3",
        date_of_birth=dt.date(1990, 4, 1),
        language="en",
    )


@pytest.fixture
def reviewer(staff_factory):
    return staff_factory(roles=[IDENTITY_REVIEWER], email="reviewer@example.jp")


@pytest.fixture
def case(customer, good_selfie):
    return services.identity_case_submit(
        user=customer, purpose="two_factor_reset", details=_details(customer), image=good_selfie
    )


def _staff_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_approved_phone_change_sets_the_new_phone_and_the_next_sign_in_texts_it(customer, reviewer, case, outbox):
    staff = _staff_client(reviewer)
    # the reviewer sees the new number with a confirmation box
    page = staff.get(f"/recovery/staff/cases/{case.pk}/").content.decode()
    assert 'name="confirm_new_phone" value="+818099990000"' in page and "080-9999-0000" in page
    # when the reviewer approves with the number confirmed
    response = staff.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "approve", "confirm_new_phone": NEW_PHONE})
    assert response.status_code == 302
    # then the account's phone is the new number, audited and notified
    customer.refresh_from_db()
    assert customer.phone == NEW_PHONE
    event = AuditEvent.objects.get(user=customer, event="account.phone_changed")
    assert event.actor == reviewer and event.data["by"] == "identity_case" and event.data["phone_tail"] == "0000"
    mail = outbox.emails(to=customer.email, kind="phone_changed")[-1]
    assert NEW_PHONE not in mail.body  # only the last digits, never the whole number
    # and the next sign-in texts the NEW number, not the lost one
    outbox.clear()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post(
        "/accounts/login/", {"login": customer.email, "password": "Passw0rd-test", "captcha": solve(browser)}
    )
    assert response.status_code == 302 and response["Location"] == "/login/sms/"
    assert outbox.sms(to=OLD_PHONE) == []
    code = outbox.last_sms_code(NEW_PHONE)
    response = browser.post("/login/sms/", {"code": code})
    assert response.status_code == 302
    assert browser.get("/security/").status_code == 200


def test_approval_without_confirming_the_new_number_changes_nothing(customer, reviewer, case):
    staff = _staff_client(reviewer)
    response = staff.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "approve"})
    assert response.status_code == 200
    assert "confirm it before approving" in response.content.decode()
    case.refresh_from_db()
    customer.refresh_from_db()
    assert case.status == "submitted" and customer.phone == OLD_PHONE
    # a confirmation of another number than the one on the case is refused as well
    response = staff.post(
        f"/recovery/staff/cases/{case.pk}/", {"decision": "approve", "confirm_new_phone": "+818011112222"}
    )
    case.refresh_from_db()
    assert response.status_code == 200 and case.status == "submitted"


def test_a_new_number_of_another_account_is_refused_and_nothing_changes(customer, reviewer, case, user_factory):
    user_factory(email="other@example.jp", phone=NEW_PHONE)
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.identity_case_approve(case=case, actor=reviewer, confirmed_new_phone=NEW_PHONE)
    assert (refused.value.code, refused.value.status) == ("phone_unavailable", 409)
    case.refresh_from_db()
    customer.refresh_from_db()
    assert case.status == "submitted" and customer.phone == OLD_PHONE
    assert get_user_model().objects.get(email="other@example.jp").phone == NEW_PHONE


def test_every_staff_read_of_a_case_or_an_id_image_is_audited(customer, reviewer, case):
    staff = _staff_client(reviewer)
    # the queue, the case and its image
    assert staff.get("/recovery/staff/cases/").status_code == 200
    page = staff.get(f"/recovery/staff/cases/{case.pk}/")
    assert page.status_code == 200
    document = case.documents.get()
    assert staff.get(f"/recovery/staff/documents/{document.pk}/").status_code == 200
    # then each read left a row: who, what, when
    listed = AuditEvent.objects.get(event="identity_case.list_viewed")
    assert listed.actor == reviewer and str(case.pk) in listed.data["cases"]
    viewed = AuditEvent.objects.get(event="identity_case.viewed")
    assert (viewed.actor, viewed.user, viewed.data["case"]) == (reviewer, customer, str(case.pk))
    image = AuditEvent.objects.get(event="identity_document.viewed")
    assert (image.actor, image.user, image.data["document"]) == (reviewer, customer, document.pk)
    assert image.created_at is not None
    # staff reads are not shown to the customer as their own activity
    assert not AuditEvent.objects.filter(
        event__in=["identity_case.viewed", "identity_document.viewed"], visible_to_customer=True
    ).exists()
    # a refused read (not a reviewer) leaves no "viewed" row and answers 404
    agent = _staff_client(type(reviewer).objects.get(pk=reviewer.pk))
    reviewer.groups.clear()
    assert agent.get(f"/recovery/staff/documents/{document.pk}/").status_code == 404
    assert AuditEvent.objects.filter(event="identity_document.viewed").count() == 1


def test_support_console_security_context_read_is_audited(customer, case, staff_factory):
    from support import services as support_services
    from support.tests.factories import SECURITY_FIELDS

    inquiry = support_services.inquiry_create(
        customer=customer, category_slug="security", fields=SECURITY_FIELDS, description="スマホをなくしました。"
    )
    agent = staff_factory(roles=[SUPPORT_AGENT, SECURITY_AGENT], email="agent@example.jp")
    staff = _staff_client(agent)
    assert staff.get(f"/staff/support/inquiries/{inquiry.pk}/").status_code == 200
    row = AuditEvent.objects.get(event="support.security_context_viewed")
    assert (row.actor, row.user, row.data["inquiry"]) == (agent, customer, inquiry.pk)
    assert row.data["identity_cases"] == [str(case.pk)]
    assert IdentityCase.objects.get().status == "submitted"


def test_codes_texted_to_the_lost_number_stop_working_when_the_new_phone_is_approved(
    user_factory, reviewer, good_selfie, outbox
):
    # A customer without an authenticator app signs in by SMS. Their phone is lost: whoever
    # has it (and the password) started a sign-in and holds the code texted to it.
    customer = user_factory(
        email="ken@example.jp",
        phone=OLD_PHONE,
        full_name="山田 花子",
        address="東京都千代田区丸の内1-2-3",
        date_of_birth=dt.date(1990, 4, 1),
        language="en",
    )
    thief = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = thief.post(
        "/accounts/login/", {"login": customer.email, "password": "Passw0rd-test", "captcha": solve(thief)}
    )
    assert response.status_code == 302 and response["Location"] == "/login/sms/"
    old_code = outbox.last_sms_code(OLD_PHONE)
    # the customer proves who they are; the reviewer approves the new number
    case = services.identity_case_submit(
        user=customer, purpose="two_factor_reset", details=_details(customer), image=good_selfie
    )
    staff = _staff_client(reviewer)
    response = staff.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "approve", "confirm_new_phone": NEW_PHONE})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == NEW_PHONE
    assert AuditEvent.objects.get(user=customer, event="account.phone_changed").data["sms_codes_cancelled"] >= 1
    # the code on the lost phone no longer signs in: the page refuses it, nobody is signed in
    response = thief.post("/login/sms/", {"code": old_code})
    assert response.status_code == 200
    assert "/login/sms/" in response.request["PATH_INFO"]
    assert thief.get("/security/").status_code == 302
    # a new code goes to the new number at once (no cooldown from the cancelled one),
    # and only the new number's holder can finish
    outbox.clear()
    owner = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = owner.post(
        "/accounts/login/", {"login": customer.email, "password": "Passw0rd-test", "captcha": solve(owner)}
    )
    assert response.status_code == 302 and response["Location"] == "/login/sms/"
    assert outbox.sms(to=OLD_PHONE) == []
    response = owner.post("/login/sms/", {"code": outbox.last_sms_code(NEW_PHONE)})
    assert response.status_code == 302
    assert owner.get("/security/").status_code == 200
